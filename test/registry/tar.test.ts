import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { link, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync, createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectFiles, packTarGz } from '../../bundle/pack.js';
import { readTarGz, type ArchiveFile, type ArchiveLimits } from '../../bundle/tar.js';

const LIMITS: ArchiveLimits = { maxUnpackedBytes: 10 * 1024 * 1024, maxFiles: 100 };
const text = (s: string) => new TextEncoder().encode(s);
const asText = (files: ArchiveFile[]) => Object.fromEntries(files.map((f) => [f.path, new TextDecoder().decode(f.data)]));

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'mikr0-tar-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Writes files into a fresh folder under tmp and returns it. */
async function folder(name: string, files: Record<string, string>): Promise<string> {
  const dir = join(tmp, name);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Archives `dir` with the system (GNU) tar and returns the .tgz bytes. */
async function systemTar(dir: string, args: string[] = []): Promise<Uint8Array> {
  const out = `${dir}.tgz`;
  execFileSync('tar', ['-czf', out, ...args, '-C', dir, '.']);
  return readFile(out);
}

/** A raw tar header with any name/typeflag/size, for archives the tar CLI refuses to make. */
function rawHeader(name: string, opts: { type?: string; size?: number; linkname?: string; prefix?: string } = {}): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${(opts.size ?? 0).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.fill(0x20, 148, 156);
  h.write(opts.type ?? '0', 156, 'latin1');
  if (opts.linkname) h.write(opts.linkname, 157, 100, 'utf8');
  h.write('ustar\x0000', 257, 'latin1');
  if (opts.prefix) h.write(opts.prefix, 345, 155, 'utf8');
  return fixChecksum(h);
}

function fixChecksum(h: Buffer): Buffer {
  h.fill(0x20, 148, 156);
  h.write(`${h.reduce((a, b) => a + b, 0).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

/** Header + data padded to 512. */
function entry(name: string, data: string | Uint8Array = '', opts: { type?: string; prefix?: string } = {}): Uint8Array {
  const bytes = typeof data === 'string' ? text(data) : data;
  const padded = Buffer.alloc(Math.ceil(bytes.length / 512) * 512);
  padded.set(bytes);
  return Buffer.concat([rawHeader(name, { ...opts, size: bytes.length }), padded]);
}

const tgz = (...blocks: Uint8Array[]) => gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]));

/** Asserts a rejection with the given status and a message that names the cause. */
async function rejects(promise: Promise<unknown>, status: number, message: RegExp) {
  const error = await promise.then(
    () => expect.fail('expected the archive to be rejected'),
    (e: any) => e,
  );
  expect(error.status).toBe(status);
  expect(error.code).toBe(status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST');
  expect(error.message).toMatch(message);
  return error;
}

describe('packTarGz → readTarGz', () => {
  const binary = new Uint8Array(70_000).map((_, i) => (i * 7919) % 256);
  const long100 = `${'a'.repeat(60)}/${'b'.repeat(60)}/file.js`; // > 100 bytes: ustar prefix
  const long255 = `${'c'.repeat(120)}/${'d'.repeat(120)}/${'e'.repeat(40)}.js`; // > 255 bytes: pax path
  const files: ArchiveFile[] = [
    { path: 'server.js', data: text('export default 1;\n') },
    { path: 'static/img/logo.bin', data: binary },
    { path: 'empty.txt', data: new Uint8Array(0) },
    { path: 'ünïcødé/файл.txt', data: text('utf-8 names') },
    { path: long100, data: text('long') },
    { path: long255, data: text('longer') },
  ];
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : 1));

  it('round-trips binary content, nested, unicode and long paths, sorted', async () => {
    expect(long100.length).toBeGreaterThan(100);
    expect(long255.length).toBeGreaterThan(255);
    const read = await readTarGz(await packTarGz(files), LIMITS);
    expect(read.map((f) => f.path)).toEqual(sorted.map((f) => f.path));
    for (const [i, file] of read.entries()) expect(Buffer.from(file.data).equals(Buffer.from(sorted[i].data))).toBe(true);
  });

  it('writes reproducible ustar that GNU tar extracts', async () => {
    const archive = await packTarGz(files);
    expect(Buffer.from(await packTarGz(files)).equals(Buffer.from(archive))).toBe(true);
    const tar = gunzipSync(archive);
    expect(tar.length % 512).toBe(0);
    expect(tar.subarray(257, 265).toString('latin1')).toBe('ustar\x0000');
    expect(tar.subarray(-1024).every((b) => b === 0)).toBe(true);
    const dir = join(tmp, 'extract');
    await mkdir(dir);
    await writeFile(`${dir}.tgz`, archive);
    execFileSync('tar', ['-xzf', `${dir}.tgz`, '-C', dir]);
    const listing = execFileSync('tar', ['-tvzf', `${dir}.tgz`]).toString();
    expect(listing).toMatch(/-rw-r--r-- 0\/0 .* 1970-01-01/);
    const extracted = await collectFiles(dir);
    expect(extracted.map((f) => f.path)).toEqual(sorted.map((f) => f.path));
    expect(Buffer.from(extracted.find((f) => f.path === long255)!.data).toString()).toBe('longer');
    expect(Buffer.from(extracted.find((f) => f.path === 'static/img/logo.bin')!.data).equals(Buffer.from(binary))).toBe(true);
  });

  it('collectFiles reads a folder recursively and refuses symlinks', async () => {
    const dir = await folder('collect', { 'b.js': 'b', 'a/z.js': 'z', 'a/b/c.js': 'c' });
    expect((await collectFiles(dir)).map((f) => f.path)).toEqual(['a/b/c.js', 'a/z.js', 'b.js']);
    await symlink(join(dir, 'b.js'), join(dir, 'a', 'link.js'));
    await expect(collectFiles(dir)).rejects.toThrow(/link\.js.*symbolic link/);
  });
});

describe('readTarGz', () => {
  it('strips a package/ folder that holds every file', async () => {
    const archive = await packTarGz([
      { path: 'package/package.json', data: text('{}') },
      { path: 'package/dist/index.js', data: text('x') },
    ]);
    expect(asText(await readTarGz(archive, LIMITS))).toEqual({ 'dist/index.js': 'x', 'package.json': '{}' });
  });

  it('keeps other single folders and a partial package/ folder', async () => {
    const dist = await packTarGz([{ path: 'dist/index.js', data: text('x') }]);
    expect((await readTarGz(dist, LIMITS)).map((f) => f.path)).toEqual(['dist/index.js']);
    const mixed = await packTarGz([
      { path: 'package/a.js', data: text('a') },
      { path: 'b.js', data: text('b') },
    ]);
    expect((await readTarGz(mixed, LIMITS)).map((f) => f.path)).toEqual(['b.js', 'package/a.js']);
  });

  it('normalises ./ and repeated slashes and skips folders', async () => {
    const archive = tgz(entry('./', '', { type: '5' }), entry('./a//b.js', 'b'), entry('dir/', '', { type: '5' }), entry('c', 'c', { prefix: 'x/./y' }));
    expect(asText(await readTarGz(archive, LIMITS))).toEqual({ 'a/b.js': 'b', 'x/y/c': 'c' });
  });

  it('reads a default (GNU) archive made by system tar, with ./ entries', async () => {
    const dir = await folder('gnu-default', { 'index.js': 'i', 'nested/deep/a.css': 'a' });
    expect(asText(await readTarGz(await systemTar(dir), LIMITS))).toEqual({ 'index.js': 'i', 'nested/deep/a.css': 'a' });
  });

  it('reads a --format=pax archive made by system tar', async () => {
    const long = `${'p'.repeat(150)}/${'q'.repeat(150)}.js`;
    const dir = await folder('pax', { [long]: 'long', 'small.js': 's', 'ünï.txt': 'u' });
    const archive = await systemTar(dir, ['--format=pax']);
    expect(gunzipSync(archive).toString('latin1')).toContain(' path=');
    expect(asText(await readTarGz(archive, LIMITS))).toEqual({ [long]: 'long', 'small.js': 's', 'ünï.txt': 'u' });
  });

  it('reads GNU long names (--format=gnu)', async () => {
    const long = `${'g'.repeat(90)}/${'h'.repeat(90)}.js`;
    const dir = await folder('gnu-long', { [long]: 'long' });
    const archive = await systemTar(dir, ['--format=gnu']);
    expect(gunzipSync(archive).toString('latin1')).toContain('././@LongLink');
    expect(asText(await readTarGz(archive, LIMITS))).toEqual({ [long]: 'long' });
  });

  it('reads a --format=ustar archive that uses the prefix field', async () => {
    const long = `${'u'.repeat(80)}/${'v'.repeat(80)}.js`;
    const dir = await folder('ustar', { [long]: 'long' });
    expect(asText(await readTarGz(await systemTar(dir, ['--format=ustar']), LIMITS))).toEqual({ [long]: 'long' });
  });

  it('returns an empty list for an empty archive', async () => {
    expect(await readTarGz(tgz(), LIMITS)).toEqual([]);
  });
});

describe('readTarGz rejects', () => {
  it('../ traversal', async () => {
    const error = await rejects(readTarGz(tgz(entry('../x', 'evil')), LIMITS), 400, /"\.\.\/x".*"\.\." segment/);
    expect(error.details).toEqual([{ path: '../x', message: error.message }]);
  });

  it('traversal in the middle of a path', async () => {
    await rejects(readTarGz(tgz(entry('a/../../x', 'evil')), LIMITS), 400, /a\/\.\.\/\.\.\/x.*"\.\." segment/);
  });

  it('traversal hidden in a ustar prefix, a pax path and a folder entry', async () => {
    await rejects(readTarGz(tgz(entry('x', 'e', { prefix: '..' })), LIMITS), 400, /"\.\." segment/);
    const pax = entry('PaxHeader', '20 path=a/../../etc\n', { type: 'x' });
    await rejects(readTarGz(tgz(pax, entry('harmless', 'e')), LIMITS), 400, /a\/\.\.\/\.\.\/etc.*"\.\." segment/);
    await rejects(readTarGz(tgz(entry('../d/', '', { type: '5' })), LIMITS), 400, /"\.\." segment/);
  });

  it('absolute paths', async () => {
    await rejects(readTarGz(tgz(entry('/etc/passwd', 'x')), LIMITS), 400, /\/etc\/passwd.*absolute path/);
    await rejects(readTarGz(tgz(entry('C:/x', 'x')), LIMITS), 400, /absolute path/);
    await rejects(readTarGz(tgz(entry('C:\\x', 'x')), LIMITS), 400, /backslash/);
    await rejects(readTarGz(tgz(entry('\\\\server\\x', 'x')), LIMITS), 400, /backslash/);
  });

  it('empty names and NUL bytes', async () => {
    await rejects(readTarGz(tgz(entry('', 'x')), LIMITS), 400, /empty name/);
    await rejects(readTarGz(tgz(entry('./.', 'x')), LIMITS), 400, /"\.\/\." has an empty file name/);
    const pax = entry('PaxHeader', '15 path=a\0b.js\n', { type: 'x' });
    await rejects(readTarGz(tgz(pax, entry('f', 'x')), LIMITS), 400, /NUL byte/);
  });

  it('symlinks (made by system tar from a real symlink)', async () => {
    const dir = await folder('symlink', { 'real.js': 'r' });
    await symlink('real.js', join(dir, 'link.js'));
    await rejects(readTarGz(await systemTar(dir), LIMITS), 400, /link\.js.*symbolic link.*links are not allowed/);
  });

  it('hard links (made by system tar from a real hard link)', async () => {
    const dir = await folder('hardlink', { 'a.js': 'a' });
    await link(join(dir, 'a.js'), join(dir, 'b.js'));
    await rejects(readTarGz(await systemTar(dir), LIMITS), 400, /hard link.*links are not allowed/);
  });

  it('character devices, block devices, FIFOs and unknown types', async () => {
    await rejects(readTarGz(tgz(entry('dev/tty', '', { type: '3' })), LIMITS), 400, /dev\/tty.*character device/);
    await rejects(readTarGz(tgz(entry('dev/sda', '', { type: '4' })), LIMITS), 400, /block device/);
    await rejects(readTarGz(tgz(entry('pipe', '', { type: '6' })), LIMITS), 400, /pipe.*FIFO/);
    await rejects(readTarGz(tgz(entry('big', 'x', { type: '7' })), LIMITS), 400, /contiguous file/);
    await rejects(readTarGz(tgz(entry('sparse', 'x', { type: 'S' })), LIMITS), 400, /unsupported type "S"/);
  });

  it('a bad checksum', async () => {
    const tar = gunzipSync(await packTarGz([{ path: 'a.js', data: text('a') }]));
    tar[0] = 'b'.charCodeAt(0); // rename without fixing the checksum
    await rejects(readTarGz(gzipSync(tar), LIMITS), 400, /checksum/);
  });

  it('a truncated tar inside a valid gzip', async () => {
    const tar = gunzipSync(await packTarGz([{ path: 'a.bin', data: randomBytes(5000) }]));
    await rejects(readTarGz(gzipSync(tar.subarray(0, 2000)), LIMITS), 400, /truncated/);
    await rejects(readTarGz(gzipSync(tar.subarray(0, 300)), LIMITS), 400, /truncated/);
  });

  it('a truncated gzip stream', async () => {
    const archive = await packTarGz([{ path: 'a.bin', data: randomBytes(5000) }]);
    await rejects(readTarGz(archive.subarray(0, archive.length / 2), LIMITS), 400, /not a gzip-compressed tar.*unexpected end/);
  });

  it('something that is not gzip at all', async () => {
    await rejects(readTarGz(text('hello, world'), LIMITS), 400, /not a gzip-compressed tar/);
    await rejects(readTarGz(new Uint8Array(0), LIMITS), 400, /not a gzip-compressed tar/);
    // gzip magic followed by garbage
    await rejects(readTarGz(new Uint8Array([0x1f, 0x8b, ...randomBytes(100)]), LIMITS), 400, /not a gzip-compressed tar/);
  });

  it('gzip of random bytes', async () => {
    await rejects(readTarGz(gzipSync(randomBytes(4096)), LIMITS), 400, /checksum.*not a tar file/);
  });

  it('too many files (413)', async () => {
    const files = Array.from({ length: 4 }, (_, i) => ({ path: `f${i}.js`, data: text('x') }));
    await rejects(readTarGz(await packTarGz(files), { ...LIMITS, maxFiles: 3 }), 413, /more than 3 files/);
    expect(await readTarGz(await packTarGz(files), { ...LIMITS, maxFiles: 4 })).toHaveLength(4);
  });

  it('unpacked size over the limit (413)', async () => {
    const files = [
      { path: 'a.bin', data: new Uint8Array(600) },
      { path: 'b.bin', data: new Uint8Array(600) },
    ];
    await rejects(readTarGz(await packTarGz(files), { ...LIMITS, maxUnpackedBytes: 1000 }), 413, /more than 1000 bytes/);
  });

  it('a declared size over the limit before reading data (413, not "truncated")', async () => {
    const header = rawHeader('huge.bin', { size: 0o77777777777 });
    await rejects(readTarGz(gzipSync(header), LIMITS), 413, /more than \d+ bytes/);
    const base256 = rawHeader('huger.bin');
    base256.fill(0, 124, 136);
    base256[124] = 0x80; // GNU base-256 marker
    base256[131] = 0x02; // 2^32 bytes
    await rejects(readTarGz(gzipSync(fixChecksum(base256)), LIMITS), 413, /huger\.bin.*larger than 8 GiB/);
  });

  it('a gzip bomb (200 MB of zeros, 50 MB limit) quickly (413)', async () => {
    const gzip = createGzip({ level: 1 });
    const chunks: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
    const done = new Promise((resolve) => gzip.on('end', resolve));
    const mb = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 200; i++) gzip.write(mb);
    gzip.end();
    await done;
    const bomb = Buffer.concat(chunks);
    expect(bomb.length).toBeLessThan(2 * 1024 * 1024);
    const started = performance.now();
    await rejects(readTarGz(bomb, { maxFiles: 100, maxUnpackedBytes: 50 * 1024 * 1024 }), 413, /unpacks to more than 52428800 bytes/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('duplicate paths', async () => {
    await rejects(readTarGz(tgz(entry('a.js', '1'), entry('./a.js', '2')), LIMITS), 400, /"a\.js" appears more than once/);
  });

  it('a path that is both a file and a folder', async () => {
    await rejects(readTarGz(tgz(entry('a', '1'), entry('a/b.js', '2')), LIMITS), 400, /"a" is both a file and a folder/);
  });

  it('a malformed pax header', async () => {
    const pax = entry('PaxHeader', '99 path=x\n', { type: 'x' });
    await rejects(readTarGz(tgz(pax, entry('f', 'x')), LIMITS), 400, /malformed pax/);
  });
});
