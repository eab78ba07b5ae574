/**
 * What a failed loader or action becomes, wherever it ran (the registry's sandbox or the dev
 * server's module runner): the same status, code and message, so dev and production agree.
 */
import { createError, type Mikr0Error } from '../shared/errors.js';
import type { FailureInfo } from './sandbox/failure.js';
import type { ExecuteJob } from './render.js';

export { failureInfo, type FailureInfo } from './sandbox/failure.js';

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
