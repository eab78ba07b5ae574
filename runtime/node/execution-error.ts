/**
 * What a failed loader or action becomes, wherever it ran (the registry's sandbox or the dev
 * server's module runner): the same status, code and message, so dev and production agree.
 */
import { createError, type ErrorDetail, type Mikr0Error } from '../shared/errors.js';
import type { ExecuteJob } from './render.js';

/** A failure as the executor saw it: plain data, so it can cross a worker boundary. */
export interface FailureInfo {
  message: string;
  stack?: string;
  code?: string;
  status?: number;
  details?: ErrorDetail[];
}

const BRAND = Symbol.for('mikr0.error');

/** Reads an error thrown by component code (any realm) into plain data. */
export function failureInfo(error: any): FailureInfo {
  const branded = error?.[BRAND] === true;
  return {
    message: typeof error?.message === 'string' ? error.message : String(error),
    stack: typeof error?.stack === 'string' ? error.stack : undefined,
    code: typeof error?.code === 'string' ? error.code : undefined,
    status: branded && typeof error.status === 'number' ? error.status : undefined,
    details: branded ? error.details : undefined,
  };
}

export function executionError(
  job: Pick<ExecuteJob, 'name' | 'version' | 'kind' | 'action'>,
  info: FailureInfo,
  load: boolean,
  log: (message: string) => void,
): Mikr0Error {
  const { name, version, kind, action } = job;
  const what = kind === 'loader' ? 'Loader' : `Action "${action}"`;
  if (info.code === 'UNKNOWN_ACTION') {
    return createError({ status: 404, code: 'NOT_FOUND', message: `${name}@${version} has no action "${action}"` });
  }
  if (info.status && info.status >= 400 && info.status < 500) {
    // A component may reject its input on purpose with a branded 4xx error.
    return createError({ status: info.status, code: (info.code as any) ?? 'BAD_REQUEST', message: info.message, details: info.details });
  }
  log(`mikr0: ${what.toLowerCase()} of ${name}@${version} failed${load ? ' to load' : ''}: ${info.stack ?? info.message}`);
  const code =
    info.code === 'PLUGIN_MISSING' || info.code === 'DEPENDENCY_NOT_ALLOWED' ? info.code : kind === 'loader' ? 'LOADER_ERROR' : 'ACTION_ERROR';
  const message = load ? `Server code of ${name}@${version} failed to load: ${info.message}` : `${what} of ${name}@${version} failed: ${info.message}`;
  return createError({ status: 500, code, message });
}

export function timeoutError(job: Pick<ExecuteJob, 'name' | 'version' | 'kind' | 'action'>, timeout: number): Mikr0Error {
  const what = job.kind === 'loader' ? 'Loader' : `Action "${job.action}"`;
  return createError({ status: 504, code: 'TIMEOUT', message: `${what} of ${job.name}@${job.version} took longer than ${timeout} ms` });
}
