import { inflateRawSync } from 'node:zlib';
import type { ErrorDetail } from '../shared/errors.js';
import { badRequest, validationError } from '../shared/errors.js';
import { MAX_JSON_DEPTH, jsonDepthExceeds } from '../shared/json-limits.js';
import type { ParameterDefinition, ParametersSchema } from '../shared/component.js';

/** Raw parameters: strings from a query string, or typed values from JSON (batch, `d`). */
export type RawParameters = Record<string, unknown>;

const MAX_COMPRESSED_JSON = 1024 * 1024;

/**
 * Checks and coerces `raw` against `schema`: query strings become numbers/booleans,
 * defaults fill gaps, mandatory and enum are enforced. Every problem is collected and
 * reported at once as a 400 VALIDATION_ERROR whose `details` name each parameter.
 * Without a schema the raw values pass through untouched; with one, undeclared
 * parameters are dropped so the loader sees only what the component declared.
 */
export function parseParameters(schema: ParametersSchema | undefined, raw: RawParameters): Record<string, unknown> {
  if (!schema) return { ...raw };
  const result: Record<string, unknown> = {};
  const details: ErrorDetail[] = [];
  for (const [key, definition] of Object.entries(schema)) {
    const given = raw[key];
    if (given === undefined || given === null) {
      if (definition.default !== undefined) result[key] = definition.default;
      else if (definition.mandatory) details.push({ path: key, message: `"${key}" is mandatory` });
      continue;
    }
    const value = coerce(definition, given);
    if (value === undefined) {
      details.push({ path: key, message: `"${key}" must be a ${definition.type}, got ${show(given)}` });
    } else if (definition.enum && !definition.enum.includes(value as never)) {
      const allowed = definition.enum.map((v) => JSON.stringify(v)).join(', ');
      details.push({ path: key, message: `"${key}" must be one of ${allowed}, got ${show(given)}` });
    } else {
      result[key] = value;
    }
  }
  if (details.length) {
    const names = details.map((d) => d.path).join(', ');
    throw validationError(`Invalid parameters: ${names}`, details);
  }
  return result;
}

/**
 * How an error message quotes a given value. Objects and arrays are only named: they
 * come from request JSON, and stringifying them would echo (and recurse through) all of it.
 */
function show(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  return JSON.stringify(value) ?? String(value);
}

function coerce(definition: ParameterDefinition, value: unknown): unknown {
  switch (definition.type) {
    case 'string':
      return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
    case 'number': {
      if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
      if (typeof value !== 'string' || value.trim() === '') return undefined;
      const number = Number(value);
      return Number.isFinite(number) ? number : undefined;
    }
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      return undefined;
    default:
      return undefined;
  }
}

/** Reads parameters from a query string; `d` (compressed JSON) is merged under plain keys. */
export function parametersFromQuery(query: URLSearchParams): RawParameters {
  const raw: RawParameters = {};
  const compressed = query.get('d');
  if (compressed !== null) Object.assign(raw, decodeCompressedParameters(compressed));
  for (const [key, value] of query) if (key !== 'd') raw[key] = value;
  return raw;
}

/** `d` = base64url(deflate-raw(JSON object)), as the browser runtime sends long parameter sets. */
export function decodeCompressedParameters(encoded: string): RawParameters {
  const fix = 'send d as base64url(deflate-raw(JSON.stringify(parameters)))';
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(encoded)) throw badRequest(`Parameter "d" is not base64url: ${fix}`);
  let json: string;
  try {
    json = inflateRawSync(Buffer.from(encoded, 'base64url'), { maxOutputLength: MAX_COMPRESSED_JSON }).toString('utf8');
  } catch (error: any) {
    const reason = error?.code === 'ERR_BUFFER_TOO_LARGE' ? 'inflates to more than 1 MB' : 'is not deflate-raw data';
    throw badRequest(`Parameter "d" ${reason}: ${fix}`);
  }
  if (jsonDepthExceeds(json)) throw badRequest(`Parameter "d" nests deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw badRequest(`Parameter "d" does not hold JSON: ${fix}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badRequest(`Parameter "d" must hold a JSON object of parameters: ${fix}`);
  }
  return value as RawParameters;
}
