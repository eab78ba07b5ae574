/**
 * Everything the CLI prints goes through here, so every command looks the same: results on
 * stdout (safe to pipe or capture), progress and notes on stderr, one `error: ...` style.
 */
import { formatBytes } from '../runtime/shared/bytes.js';

export { formatBytes };

type Stream = NodeJS.WriteStream;

// NO_COLOR (https://no-color.org) wins even on a TTY; pipes and files never get escape codes.
const colorable = (stream: Stream) => Boolean(stream.isTTY) && process.env.NO_COLOR === undefined;
const paint = (stream: Stream, code: number) => (text: string) => (colorable(stream) ? `\x1b[${code}m${text}\x1b[0m` : text);

export const color = {
  bold: paint(process.stdout, 1),
  dim: paint(process.stdout, 2),
  red: paint(process.stdout, 31),
  green: paint(process.stdout, 32),
  yellow: paint(process.stdout, 33),
  cyan: paint(process.stdout, 36),
};
const errColor = { red: paint(process.stderr, 31), dim: paint(process.stderr, 2) };

/** A result line (stdout). */
export function print(line = ''): void {
  process.stdout.write(line + '\n');
}

/** A progress or explanation line (stderr), so captured stdout stays clean. */
export function note(line: string): void {
  process.stderr.write(errColor.dim(line) + '\n');
}

/** An error the user can act on: message plus an optional hint naming the fix. */
export interface CliError extends Error {
  cliError: true;
  hint?: string;
  /** HTTP status when the error came from the registry. */
  status?: number;
  /** The envelope's code (RECENTLY_RENDERED, ...) when the error came from the registry. */
  code?: string;
}

export function cliError(message: string, hint?: string, status?: number, code?: string): CliError {
  const error = new Error(message) as CliError;
  error.cliError = true;
  if (hint) error.hint = hint;
  if (status !== undefined) error.status = status;
  if (code !== undefined) error.code = code;
  return error;
}

export const isCliError = (value: unknown): value is CliError =>
  typeof value === 'object' && value !== null && (value as CliError).cliError === true;

/** Prints `error: <message>` (+ hint) and makes the process exit non-zero once it is done. */
export function fail(message: string, hint?: string): void {
  process.stderr.write(`${errColor.red('error:')} ${message}\n`);
  if (hint) process.stderr.write(`${hint}\n`);
  process.exitCode = 1;
}

/** Reports anything a command threw: our own errors as they are, others by their message. */
export function report(error: unknown): void {
  if (isCliError(error)) return fail(error.message, error.hint);
  const message = error instanceof Error ? error.message : String(error);
  fail(message);
  // Unexpected failures keep their stack behind a flag, not in every user's face.
  if (process.env.MIKR0_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
}

/** An ISO time as `YYYY-MM-DD HH:MM:SS` (UTC, as the registry stores it); `-` for none. */
export const formatTime = (iso: string | null | undefined): string => (iso ? iso.slice(0, 19).replace('T', ' ') : '-');

/** A plain left-aligned table; the header is bold on a TTY. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(Math.max(0, widths[i] - visibleLength(cell)))))
      .join('  ')
      .trimEnd();
  return [color.bold(line(header)), ...rows.map(line)].join('\n');
}

/** Columns a cell takes on screen: a coloured cell's escape codes take none. */
const visibleLength = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '').length;

/** A progress line rewritten in place on a TTY; elsewhere only the first and the last step. */
export function progress(label: string) {
  const tty = Boolean(process.stderr.isTTY);
  let last = -1;
  return (done: number, total: number) => {
    const percent = total === 0 ? 100 : Math.floor((done / total) * 100);
    if (percent === last) return;
    if (tty) {
      process.stderr.write(`\r\x1b[K${label} ${String(percent).padStart(3)}% (${formatBytes(done)} / ${formatBytes(total)})`);
      if (percent === 100) process.stderr.write('\n');
    } else if (last === -1 || percent === 100) {
      process.stderr.write(`${label} ${percent}%\n`);
    }
    last = percent;
  };
}
