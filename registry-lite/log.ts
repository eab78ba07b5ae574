/**
 * The registry's logger, by `logFormat`. 'pretty' prints the text lines it always has (the
 * `logger` option, or the console). 'json' writes one JSON object per line to stdout through
 * pino, for a log collector to index: `level` as pino's number (30 info, 40 warn, 50 error),
 * `time` as ISO 8601 (readable in `kubectl logs`, parsed by every collector), no pid or
 * hostname (the collector labels lines with their pod or host), `msg` the text line.
 */
import { createRequire } from 'node:module';
import type { DestinationStream } from 'pino';
import type { LogFields, Logger } from '../runtime/node/sandbox/index.js';

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface RegistryLog {
  logger: Logger;
  /**
   * Writes out what is still buffered (json), on close: the last lines are out before close()
   * resolves, whatever stops the process next (pino's own exit hook covers process.exit only).
   */
  flush(): void;
}

/**
 * `destination` (json only) replaces stdout, for tests. In json mode the `logger` option is
 * not used: the point of the format is that every line, the sandbox's too, is a JSON object.
 */
export function createLog(format: LogFormat, logger?: Logger, destination?: DestinationStream): RegistryLog {
  if (format === 'json') return jsonLog(destination);
  // console.* would print the fields after the message, which already says them; a logger of
  // the embedder's own gets them (it may be structured).
  const text: Logger = logger ?? {
    info: (message) => console.info(message),
    warn: (message) => console.warn(message),
    error: (message) => console.error(message),
  };
  return { logger: text, flush() {} };
}

/** `(request <id>)` in a text line: ids are only `[A-Za-z0-9._:-]` (request-id.ts). */
const REQUEST_IN_TEXT = /\(request ([A-Za-z0-9._:-]{1,128})\)/;

function jsonLog(destination?: DestinationStream): RegistryLog {
  // Loaded for this format only: pino takes ~30 ms to load, which a pretty registry (vite dev) need not pay.
  const { pino } = createRequire(import.meta.url)('pino') as typeof import('pino');
  // Asynchronous: a request's line never waits for the pipe; flush() writes what is pending.
  const stream = destination ?? pino.destination({ dest: 1, sync: false });
  const log = pino({ base: null, timestamp: pino.stdTimeFunctions.isoTime }, stream);
  // Methods that need no `this`: the sandbox picks one off the logger and calls it alone.
  const at = (level: 'info' | 'warn' | 'error') => (message: string, fields?: LogFields) => {
    const withId = fields?.requestId === undefined ? requestIdOf(message, fields) : fields;
    if (withId) log[level](withId, message);
    else log[level](message);
  };
  return {
    logger: { info: at('info'), warn: at('warn'), error: at('error') },
    flush() {
      const boom = stream as { flushSync?: () => void };
      try {
        boom.flushSync?.();
      } catch {
        // Stdout already gone (the reader hung up): nothing left to save.
      }
    },
  };
}

/**
 * Lines written before they took fields (a batch item's failure, say) name their request only
 * in the text: the id is taken from there, so every line about a request carries `requestId`.
 */
function requestIdOf(message: string, fields: LogFields | undefined): LogFields | undefined {
  const match = REQUEST_IN_TEXT.exec(message);
  return match ? { ...fields, requestId: match[1] } : fields;
}
