/**
 * What the pool does with each message of a sandbox process (protocol.ts): answers its jobs
 * (a failure of the process itself — a run stopped at the timeout, memory — counts against
 * the version; an error thrown by component code does not), sends the sources it asks for,
 * keeps the code caches it makes, runs the registry's plugins for it, and logs its lines.
 */
import { executionError, timeoutError, type FailureInfo } from '../execution-error.js';
import type { Breaker } from './breaker.js';
import type { CodeCache } from './code-cache.js';
import { crashError } from './crashes.js';
import type { Logger } from './index.js';
import type { Jobs } from './jobs.js';
import type { Slot } from './pool.js';
import type { FromProcess } from './protocol.js';
import type { PoolStats } from './stats.js';

export interface MessagesOptions {
  jobs: Jobs;
  stats: PoolStats;
  breaker: Breaker;
  codeCache: CodeCache;
  plugins: Record<string, (...args: any[]) => unknown>;
  logger: Logger;
  timeout: number;
}

export function createMessageHandler({ jobs, stats, breaker, codeCache, plugins, logger, timeout }: MessagesOptions) {
  async function callPlugin(name: string, argsJson: string): Promise<string> {
    const plugin = plugins[name];
    if (typeof plugin !== 'function') throw new Error(`This registry does not provide the plugin "${name}"`);
    const result = await plugin(...(JSON.parse(argsJson) as unknown[]));
    return result === undefined ? '' : JSON.stringify(result);
  }

  return function onMessage(slot: Slot, message: FromProcess) {
    switch (message.t) {
      case 'done': {
        const job = slot.jobs.get(message.id);
        if (!job) return;
        jobs.settle(slot, job);
        stats.answered(message.hit);
        if (message.error === undefined) {
          breaker.success(job.key);
          return job.resolve({ data: message.data, html: message.html });
        }
        const info = JSON.parse(message.error) as FailureInfo;
        if (message.fault === 'timeout') {
          stats.failed(job.key, 'timeouts', 'timeout');
          return job.reject(timeoutError(job.message, timeout));
        }
        if (message.fault === 'memory') {
          stats.failed(job.key, 'memoryKills', 'memory limit');
          return job.reject(crashError(job, info.message));
        }
        return job.reject(executionError(job.message, info, message.load === true, (text) => logger.error(text)));
      }
      case 'source':
        jobs.sendSource(slot, message.key, message.name, message.version);
        return;
      case 'cache':
        codeCache.keep(message.key, message.data);
        return;
      case 'plugin':
        callPlugin(message.name, message.args).then(
          (value) => slot.send({ t: 'plugin', id: message.id, value }),
          (error) => slot.send({ t: 'plugin', id: message.id, error: String(error?.message ?? error) }),
        );
        return;
      case 'log':
        (message.level === 'error' ? logger.error : message.level === 'warn' ? logger.warn : logger.info)(message.text);
        return;
      case 'beat':
        return;
    }
  };
}
