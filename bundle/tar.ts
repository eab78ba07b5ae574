/**
 * Strict tar.gz reader for published component bundles.
 *
 * The body is an untrusted upload, so anything that could escape the storage prefix (absolute
 * paths, `..`, links, devices) or exhaust memory (gzip bombs, huge declared sizes) is rejected
 * with a 400/413 that says what to fix — never silently "repaired".
 */
import { constants as bufferConstants } from 'node:buffer';
import { gunzip } from 'node:zlib';
import { createError } from '../runtime/shared/errors.js';
import type { ArchiveFile } from './types.js';

export type { ArchiveFile };

export interface ArchiveLimits {
  maxUnpackedBytes: number;
  maxFiles: number;
}


const BLOCK = 512;
/** Real pax / GNU long-name payloads are a few hundred bytes; anything bigger is abuse. */
const MAX_META_BYTES = 64 * 1024;
/** Headroom over maxUnpackedBytes for tar headers and padding, so only the bomb check trips on gunzip. */
const TAR_OVERHEAD = 1024 * 1024;
const NOT_GZIP = 'The upload is not a gzip-compressed tar archive; create it with `mikr0 publish` or `npm pack`';

const KINDS: Record<string, string> = {
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a character device',
  '4': 'a block device',
  '6': 'a FIFO',
  '7': 'a contiguous file',
};

const details = (path: string | undefined, message: string) => (path === undefined ? undefined : [{ path, message }]);
const bad = (message: string, path?: string, cause?: unknown) =>
  createError({ status: 400, code: 'BAD_REQUEST', message, details: details(path, message), cause });
const tooLarge = (message: string, path?: string) =>
  createError({ status: 413, code: 'PAYLOAD_TOO_LARGE', message, details: details(path, message) });
const truncated = (path?: string) =>
  bad('The archive is truncated: the data ends in the middle of an entry; upload the complete file', path);

export async function readTarGz(body: Uint8Array, limits: ArchiveLimits): Promise<ArchiveFile[]> {
  // Check the magic first: zlib happily "decompresses" an empty body to nothing.
  if (body.length < 2 || body[0] !== 0x1f || body[1] !== 0x8b) throw bad(NOT_GZIP);
  const maxOutputLength = Math.min(limits.maxUnpackedBytes + TAR_OVERHEAD, bufferConstants.MAX_LENGTH);
  let tar: Buffer;
  try {
    // maxOutputLength makes zlib abort as soon as the output passes the cap, so a bomb costs
    // at most that much memory and time instead of being inflated in full.
    tar = await new Promise<Buffer>((resolve, reject) =>
      gunzip(body, { maxOutputLength }, (error, out) => (error ? reject(error) : resolve(out))),
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw tooLarge(`The archive unpacks to more than ${limits.maxUnpackedBytes} bytes; make the bundle smaller`);
    }
    throw bad(`${NOT_GZIP} (${(error as Error).message})`, undefined, error);
  }
  return parseTar(tar, limits);
}

function parseTar(tar: Buffer, limits: ArchiveLimits): ArchiveFile[] {
  const files: ArchiveFile[] = [];
  const seen = new Set<string>();
  let total = 0;
  // Values from a pax 'x' or GNU 'L' header; they apply to the next real entry only.
  let next: { path?: string; size?: number } = {};
  for (let offset = 0; offset < tar.length; ) {
    if (offset + BLOCK > tar.length) throw truncated();
    const header = tar.subarray(offset, offset + BLOCK);
    // A zero block marks the end; anything after it is never read, so it cannot smuggle entries.
    if (header.every((byte) => byte === 0)) break;
    if (!checksumOk(header)) {
      throw bad(`The archive header at byte ${offset} has a bad checksum; the archive is corrupt or not a tar file`);
    }
    const type = String.fromCharCode(header[156]);
    const meta = type === 'x' || type === 'g' || type === 'L' || type === 'K';
    const name = meta ? '' : (next.path ?? headerName(header));
    const size = (meta ? undefined : next.size) ?? headerSize(header, name);
    const start = offset + BLOCK;
    offset = start + Math.ceil(size / BLOCK) * BLOCK;

    if (meta) {
      if (size > MAX_META_BYTES) throw bad(`The archive has a ${size}-byte extended header; at most ${MAX_META_BYTES} is allowed`);
      if (start + size > tar.length) throw truncated();
      const payload = tar.subarray(start, start + size);
      if (type === 'x') next = { ...next, ...parsePax(payload) };
      else if (type === 'L') next.path = cString(payload);
      continue; // 'g' (global pax) and 'K' (GNU long link name) carry nothing we use
    }
    next = {};

    const path = safePath(name);
    const regular = type === '0' || type === '\0';
    // Old tars mark folders with a trailing slash on a regular entry instead of type '5'.
    if (type === '5' || (regular && name.endsWith('/'))) {
      if (start + size > tar.length) throw truncated(name);
      continue;
    }
    if (!regular) {
      const hint = type === '1' || type === '2' ? 'links are not allowed, include the file itself' : 'only regular files and folders are allowed';
      throw bad(`Archive entry ${JSON.stringify(name)} is ${KINDS[type] ?? `of unsupported type ${JSON.stringify(type)}`}: ${hint}`, name);
    }
    if (!path) throw bad(`Archive entry ${JSON.stringify(name)} has an empty file name`, name);
    // Limits are checked against the declared size, before any data is touched.
    if (files.length >= limits.maxFiles) throw tooLarge(`The archive has more than ${limits.maxFiles} files; publish fewer files`, name);
    total += size;
    if (total > limits.maxUnpackedBytes) {
      throw tooLarge(`The archive's files add up to more than ${limits.maxUnpackedBytes} bytes; make the bundle smaller`, name);
    }
    if (start + size > tar.length) throw truncated(name);
    if (seen.has(path)) throw bad(`Archive entry ${JSON.stringify(path)} appears more than once; each path must be unique`, path);
    seen.add(path);
    files.push({ path, data: new Uint8Array(tar.subarray(start, start + size)) });
  }

  // A file that is also another file's folder ('a' and 'a/b') cannot be stored or extracted.
  for (const path of seen) {
    for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1)) {
      const folder = path.slice(0, i);
      if (seen.has(folder)) throw bad(`Archive path ${JSON.stringify(folder)} is both a file and a folder`, folder);
    }
  }
  // `npm pack` puts everything under `package/`; that folder is packaging, not content.
  if (files.length && files.every((file) => file.path.startsWith('package/'))) {
    for (const file of files) file.path = file.path.slice('package/'.length);
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Validates an entry name and returns it normalised ('./a//b' → 'a/b'; '' for the root folder). */
function safePath(name: string): string {
  const problem =
    name === '' ? 'has an empty name'
    : name.includes('\0') ? 'contains a NUL byte'
    : name.includes('\\') ? 'contains a backslash; use "/" to separate folders'
    : name.startsWith('/') || /^[a-z]:/i.test(name) ? 'is an absolute path; paths must be relative to the package root'
    : name.split('/').includes('..') ? 'contains a ".." segment, which would escape the package folder'
    : '';
  if (problem) throw bad(`Archive entry ${JSON.stringify(name)} ${problem}`, name);
  return name.split('/').filter((segment) => segment !== '' && segment !== '.').join('/');
}

function headerName(header: Buffer): string {
  const name = cString(header.subarray(0, 100));
  // Only POSIX ustar ('ustar\0') has a prefix field; GNU's 'ustar  ' keeps atime/ctime there.
  const prefix = header.toString('latin1', 257, 263) === 'ustar\0' ? cString(header.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function headerSize(header: Buffer, name: string): number {
  // GNU base-256 is only used past the 8 GiB that 11 octal digits can express.
  if (header[124] & 0x80) throw tooLarge(`Archive entry ${JSON.stringify(name)} is larger than 8 GiB`, name);
  const size = octal(header, 124, 12);
  if (Number.isNaN(size)) throw bad(`Archive entry ${JSON.stringify(name)} has an invalid size field; the archive is corrupt`, name);
  return size;
}

/** Octal number field (NUL/space padded); NaN when it is not one. */
function octal(header: Buffer, start: number, length: number): number {
  const text = cString(header.subarray(start, start + length)).trim();
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : NaN;
}

/** Header sum with the checksum field read as spaces; historic tars summed signed bytes, so accept both. */
function checksumOk(header: Buffer): boolean {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : header[i];
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  const stored = octal(header, 148, 8);
  return stored === unsigned || stored === signed;
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.toString('utf8', 0, end < 0 ? bytes.length : end);
}

/** Pax records: "<length> <key>=<value>\n", where length counts the whole record. */
function parsePax(data: Buffer): { path?: string; size?: number } {
  const out: { path?: string; size?: number } = {};
  const malformed = () => bad('The archive has a malformed pax extended header; the archive is corrupt');
  for (let i = 0; i < data.length && data[i] !== 0; ) {
    const space = data.indexOf(0x20, i);
    const lengthText = space < 0 ? '' : data.toString('latin1', i, space);
    const length = Number(lengthText);
    if (!/^\d+$/.test(lengthText) || i + length > data.length || data[i + length - 1] !== 0x0a || space >= i + length) {
      throw malformed();
    }
    const record = data.toString('utf8', space + 1, i + length - 1);
    const eq = record.indexOf('=');
    if (eq < 0) throw malformed();
    const [key, value] = [record.slice(0, eq), record.slice(eq + 1)];
    if (key === 'path') out.path = value || undefined; // an empty value means "use the header's name"
    if (key === 'size') {
      if (!/^\d+$/.test(value)) throw malformed();
      out.size = Number(value);
    }
    i += length;
  }
  return out;
}
