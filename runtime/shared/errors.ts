/**
 * One error vocabulary for the render core, registry-lite and the dev emulator.
 *
 * Identified by a global-symbol brand, not `instanceof`: the core can be loaded twice
 * (Vite's SSR module graph and plain Node) and both copies must recognise each other's errors.
 */

const BRAND = Symbol.for('mikr0.error');

export type ErrorCode =
  | 'VALIDATION_ERROR'
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'VERSION_EXISTS'
  | 'GONE'
  | 'RECENTLY_RENDERED'
  | 'PAYLOAD_TOO_LARGE'
  | 'RATE_LIMITED'
  | 'LOADER_ERROR'
  | 'ACTION_ERROR'
  | 'PLUGIN_MISSING'
  | 'DEPENDENCY_NOT_ALLOWED'
  | 'TIMEOUT'
  | 'BAD_GATEWAY'
  | 'UNAVAILABLE'
  | 'SUSPENDED'
  | 'NETWORK_ERROR'
  | 'INTERNAL_ERROR';

export interface ErrorDetail {
  /** What the problem is about: a parameter name, a file in an archive, a field of package.json. */
  path?: string;
  message: string;
}

export interface Mikr0Error extends Error {
  readonly [BRAND]: true;
  status: number;
  code: ErrorCode;
  details?: ErrorDetail[];
  /** Extra response headers, e.g. `WWW-Authenticate` or `Retry-After`. */
  headers?: Record<string, string>;
  toJSON(): ErrorEnvelope;
}

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details?: ErrorDetail[] };
}

export interface ErrorInit {
  status: number;
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
  headers?: Record<string, string>;
  cause?: unknown;
}

export function createError(init: ErrorInit): Mikr0Error {
  const error = new Error(init.message, init.cause === undefined ? undefined : { cause: init.cause }) as Mikr0Error;
  Object.defineProperty(error, BRAND, { value: true });
  error.name = 'Mikr0Error';
  error.status = init.status;
  error.code = init.code;
  if (init.details?.length) error.details = init.details;
  if (init.headers) error.headers = init.headers;
  error.toJSON = () => toEnvelope(error);
  return error;
}

export function isMikr0Error(value: unknown): value is Mikr0Error {
  return typeof value === 'object' && value !== null && (value as any)[BRAND] === true;
}

/** The safe body of an error: code, message and details — never a stack. */
export function toEnvelope(error: Pick<Mikr0Error, 'code' | 'message' | 'details'>): ErrorEnvelope {
  const body: ErrorEnvelope['error'] = { code: error.code, message: error.message };
  if (error.details?.length) body.details = error.details;
  return { error: body };
}

/**
 * The one reader of the error envelope, for every client of the registry (browser runtime,
 * CLI, playground): the answer's status with the envelope's code, message and details. An
 * answer that is not an envelope (a proxy's error page, another server) keeps its status,
 * code INTERNAL_ERROR and `message`, which says what answered.
 */
export function errorFromEnvelope(status: number, body: unknown, message: string): Mikr0Error {
  const error = (body as { error?: Record<string, unknown> } | null | undefined)?.error;
  const known = typeof error === 'object' && error !== null && typeof error.message === 'string';
  if (!known) return createError({ status, code: 'INTERNAL_ERROR', message });
  const details = Array.isArray(error.details)
    ? (error.details as unknown[]).filter((d): d is ErrorDetail => typeof (d as ErrorDetail)?.message === 'string')
    : undefined;
  const code = (typeof error.code === 'string' ? error.code : 'INTERNAL_ERROR') as ErrorCode;
  return createError({ status, code, message: error.message as string, details });
}

/** Anything thrown becomes a Mikr0Error; unknown errors become a 500 that reveals nothing. */
export function normalizeError(value: unknown): Mikr0Error {
  if (isMikr0Error(value)) return value;
  return createError({ status: 500, code: 'INTERNAL_ERROR', message: 'Internal error', cause: value });
}

export const badRequest = (message: string, details?: ErrorDetail[]) =>
  createError({ status: 400, code: 'BAD_REQUEST', message, details });

export const validationError = (message: string, details: ErrorDetail[]) =>
  createError({ status: 400, code: 'VALIDATION_ERROR', message, details });

export const notFound = (message: string) => createError({ status: 404, code: 'NOT_FOUND', message });
