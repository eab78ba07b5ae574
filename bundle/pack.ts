/**
 * Packs a folder into a tar.gz for `mikr0 publish`.
 *
 * Output is reproducible (mtime 0, uid/gid 0, fixed mode, sorted input from collectFiles), so
 * publishing the same build twice produces the same bytes.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzip } from 'node:zlib';
import type { ArchiveFile } from './types.js';

const BLOCK = 512;
/** Largest size 11 octal digits can hold; bigger files would need base-256 or pax sizes. */
const MAX_SIZE = 0o77777777777;
const encoder = new TextEncoder();
const byPath = (a: ArchiveFile, b: ArchiveFile) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

export async function packTarGz(files: ArchiveFile[]): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const add = (header: Uint8Array, data: Uint8Array) =>
    chunks.push(header, data, new Uint8Array((BLOCK - (data.length % BLOCK)) % BLOCK));
  for (const file of files) {
    if (file.data.length > MAX_SIZE) throw new Error(`Cannot pack ${file.path}: files over 8 GiB are not supported`);
    const name = encoder.encode(file.path);
    let split = splitUstar(name);
    if (!split) {
      // Too long for name + prefix: a pax header carries the real path; the ustar name is a fallback.
      const record = paxRecord('path', file.path);
      add(header(encoder.encode('PaxHeader'), new Uint8Array(0), record.length, 'x'), record);
      split = [new Uint8Array(0), name.subarray(0, 100)];
    }
    add(header(split[1], split[0], file.data.length, '0'), file.data);
  }
  chunks.push(new Uint8Array(BLOCK * 2));
  const tar = Buffer.concat(chunks);
  return new Promise((resolve, reject) => gzip(tar, { level: 9 }, (error, out) => (error ? reject(error) : resolve(out))));
}

/** Reads a folder recursively into '/'-separated, sorted paths. Links are refused, not followed. */
export async function collectFiles(dir: string): Promise<ArchiveFile[]> {
  const files: ArchiveFile[] = [];
  const walk = async (absolute: string, relative: string): Promise<void> => {
    for (const entry of await readdir(absolute, { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      const full = join(absolute, entry.name);
      // The registry rejects links and special files, so fail here with a clearer message.
      if (entry.isSymbolicLink()) throw new Error(`Cannot pack ${full}: it is a symbolic link; copy the file it points to instead`);
      if (entry.isDirectory()) await walk(full, path);
      else if (entry.isFile()) files.push({ path, data: await readFile(full) });
      else throw new Error(`Cannot pack ${full}: only regular files and folders can be published`);
    }
  };
  await walk(dir, '');
  return files.sort(byPath);
}

/** [prefix, name] for the ustar header: name ≤ 100 bytes, prefix ≤ 155, split at a '/'. */
function splitUstar(name: Uint8Array): [Uint8Array, Uint8Array] | undefined {
  if (name.length <= 100) return [new Uint8Array(0), name];
  for (let i = Math.max(1, name.length - 101); i <= 155 && i < name.length - 1; i++) {
    if (name[i] === 0x2f) return [name.subarray(0, i), name.subarray(i + 1)];
  }
  return undefined;
}

/** "<length> key=value\n" where length counts its own digits too. */
function paxRecord(key: string, value: string): Uint8Array {
  const body = encoder.encode(` ${key}=${value}\n`);
  let length = body.length;
  while (length !== body.length + String(length).length) length = body.length + String(length).length;
  return encoder.encode(`${length} ${key}=${value}\n`);
}

function header(name: Uint8Array, prefix: Uint8Array, size: number, type: string): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const octal = (offset: number, width: number, value: number) =>
    h.set(encoder.encode(`${value.toString(8).padStart(width - 1, '0')}\0`), offset);
  h.set(name, 0);
  octal(100, 8, 0o644);
  octal(108, 8, 0); // uid
  octal(116, 8, 0); // gid
  octal(124, 12, size);
  octal(136, 12, 0); // mtime: 0 keeps the output reproducible
  h.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  h[156] = type.charCodeAt(0);
  h.set(encoder.encode('ustar\0' + '00'), 257);
  octal(329, 8, 0); // devmajor
  octal(337, 8, 0); // devminor
  h.set(prefix, 345);
  octal(148, 7, h.reduce((sum, byte) => sum + byte, 0)); // six digits, NUL, then the space left in place
  return h;
}
