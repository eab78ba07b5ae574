/** Hand-made tar.gz archives for the bad-publish tests (entries the tar CLI refuses to write). */
import { gzipSync } from 'node:zlib';

export interface RawEntry {
  name: string;
  /** Tar typeflag: '0' file, '1' hard link, '2' symlink, '3' char device, '5' folder, '6' fifo. */
  type?: string;
  data?: string | Uint8Array;
  linkname?: string;
}

function header(entry: RawEntry, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(entry.name, 0, 100, 'utf8');
  h.write('0000644\0', 100, 'latin1');
  h.write('0000000\0', 108, 'latin1');
  h.write('0000000\0', 116, 'latin1');
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  h.write('00000000000\0', 136, 'latin1');
  h.write(entry.type ?? '0', 156, 'latin1');
  if (entry.linkname) h.write(entry.linkname, 157, 100, 'utf8');
  h.write('ustar\x0000', 257, 'latin1');
  h.fill(0x20, 148, 156);
  h.write(`${h.reduce((a, b) => a + b, 0).toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

export function rawTarGz(entries: RawEntry[]): Uint8Array {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data = typeof entry.data === 'string' ? Buffer.from(entry.data) : Buffer.from(entry.data ?? []);
    blocks.push(header(entry, data.length), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** A valid minimal bundle's entries for `name@version`, to which a bad entry can be added. */
export function bundleEntries(name: string, version: string): RawEntry[] {
  return [
    { name: 'package.json', data: JSON.stringify({ name, version, mikr0: { files: { template: 'template.js' } } }) },
    { name: 'template.js', data: 'export function mount() {}' },
  ];
}
