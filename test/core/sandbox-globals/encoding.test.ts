/**
 * The context globals: TextEncoder, TextDecoder, atob and btoa, compared with Node's own.
 */
import { describe, expect, test } from 'vitest';
import { createGlobalsSandbox } from '../sandbox-context.js';
import { expectSame, js } from './compare.js';

describe('TextEncoder', () => {
  const texts = ['', 'hello', 'héllo wörld', '€', '𝄞', 'a😀b', '\ud800', 'a\udc00b', 'end\ud83d', '\udc00\ud800', '😀\ud83d', '\u0000\u007f\u0080\u07ff\u0800\uffff'];
  test.each(texts)('encode(%j)', async (text) => {
    await expectSame(`return Array.from(new TextEncoder().encode(${js(text)}));`);
  });

  test.each([
    ['a€𝄞', 0],
    ['a€𝄞', 1],
    ['a€𝄞', 3],
    ['a€𝄞', 4],
    ['a€𝄞', 7],
    ['a€𝄞', 8],
    ['\ud800x', 4],
    ['😀', 3],
  ] as const)('encodeInto(%j, %i bytes)', async (text, size) => {
    await expectSame(`
      const destination = new Uint8Array(${size});
      const { read, written } = new TextEncoder().encodeInto(${js(text)}, destination);
      return { read, written, bytes: Array.from(destination) };
    `);
  });

  test('encoding, defaults and the context Uint8Array', async () => {
    await expectSame(`
      const encoder = new TextEncoder();
      return [encoder.encoding, encoder.encode().length, Array.from(encoder.encode(undefined)), Array.from(encoder.encode(null)),
        encoder.encode('x') instanceof Uint8Array, Object.prototype.toString.call(encoder),
        attempt(() => encoder.encodeInto('x', new Uint16Array(2)))];
    `);
  });
});

describe('TextDecoder', () => {
  const cases: [number[], object?][] = [
    [[0x68, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9d, 0x84, 0x9e]],
    [[0xff]],
    [[0x80, 0x41]],
    [[0xc0, 0x80]],
    [[0xc2]],
    [[0xe0, 0x80, 0x80]],
    [[0xe0, 0xa0]],
    [[0xed, 0xa0, 0x80]],
    [[0xf4, 0x90, 0x80, 0x80]],
    [[0xf5, 0x80]],
    [[0xf0, 0x9f, 0x98]],
    [[0xe2, 0x82, 0x41]],
    [[0xef, 0xbb, 0xbf, 0x41]],
    [[0xef, 0xbb, 0xbf, 0x41], { ignoreBOM: true }],
    [[0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]],
    [[0xff], { fatal: true }],
    [[0xf0, 0x9f], { fatal: true }],
    [[0xe2, 0x82, 0xac], { fatal: true }],
  ];
  test.each(cases)('decode(%j, %j)', async (bytes, options) => {
    await expectSame(`
      const decoder = new TextDecoder('utf-8', ${js(options ?? {})});
      const result = attempt(() => decoder.decode(new Uint8Array(${js(bytes)})));
      return result.error ? result : codePoints(result.value);
    `);
  });

  test('streaming: every way of splitting a sequence into three chunks', async () => {
    // A BOM, 2-, 3- and 4-byte characters, an incomplete sequence and a stray continuation.
    const bytes = [0xef, 0xbb, 0xbf, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9d, 0x84, 0x9e, 0xe2, 0x82, 0x41, 0x80, 0xf0, 0x9f, 0x98, 0x80];
    const inside = await expectSame(`
      const all = ${js(bytes)};
      const out = [];
      for (let i = 0; i <= all.length; i++) {
        for (let j = i; j <= all.length; j++) {
          const decoder = new TextDecoder();
          const text = decoder.decode(new Uint8Array(all.slice(0, i)), { stream: true })
            + decoder.decode(new Uint8Array(all.slice(i, j)), { stream: true })
            + decoder.decode(new Uint8Array(all.slice(j)));
          out.push(codePoints(text).join(' '));
        }
      }
      return out;
    `);
    expect(new Set(inside).size).toBe(1);
    expect(inside[0]).toBe('233 8364 119070 65533 65 65533 128512');
  });

  test('streaming: flush, reuse and the BOM of each new stream', async () => {
    await expectSame(`
      const decoder = new TextDecoder();
      const parts = [
        decoder.decode(new Uint8Array([0xe2, 0x82]), { stream: true }),
        decoder.decode(),
        decoder.decode(new Uint8Array([0xef, 0xbb]), { stream: true }),
        decoder.decode(new Uint8Array([0xbf, 0x41]), { stream: true }),
        decoder.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x42])),
        decoder.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x43])),
      ];
      const fatal = new TextDecoder('utf-8', { fatal: true });
      fatal.decode(new Uint8Array([0xf0, 0x9f]), { stream: true });
      const streamed = attempt(() => fatal.decode(new Uint8Array([0x98, 0x80])));
      return [parts.map(codePoints), codePoints(streamed.value), attempt(() => {
        fatal.decode(new Uint8Array([0xf0, 0x9f]), { stream: true });
        return fatal.decode();
      })];
    `);
  });

  test('long inputs: ASCII runs, multi-byte characters across internal chunk boundaries', async () => {
    const inside = await expectSame(`
      const text = ('a'.repeat(100) + 'é€😀' + 'b'.repeat(7)).repeat(300) + 'x'.repeat(9000) + '😀' + '\\ud800';
      const bytes = new TextEncoder().encode(text);
      const whole = new TextDecoder().decode(bytes);
      const decoder = new TextDecoder();
      let streamed = '';
      for (let i = 0; i < bytes.length; i += 999) streamed += decoder.decode(bytes.subarray(i, i + 999), { stream: true });
      streamed += decoder.decode();
      const expected = text.slice(0, -1) + '\\ufffd';
      return [bytes.length, whole === expected, streamed === expected, whole.length];
    `);
    expect(inside.slice(1, 3)).toEqual([true, true]);
  });

  test('accepts ArrayBuffer, any typed array and DataView, with offsets', async () => {
    await expectSame(`
      const decoder = new TextDecoder();
      const bytes = new TextEncoder().encode('xhello€y');
      const buffer = bytes.buffer;
      return [
        decoder.decode(buffer),
        decoder.decode(bytes.subarray(1, 6)),
        decoder.decode(new DataView(buffer, 1, 5)),
        decoder.decode(new Uint16Array([0x6968])),
        decoder.decode(new Int8Array(buffer, 6, 3)),
        decoder.decode(),
        decoder.decode(undefined),
        attempt(() => decoder.decode('text')),
        attempt(() => decoder.decode(null)),
        attempt(() => decoder.decode([104])),
      ];
    `);
  });

  test('labels and options', async () => {
    await expectSame(`
      return [' UTF8 ', 'unicode-1-1-utf-8', 'utf-8', 'Utf-8', 'x-unicode20utf8'].map((label) => {
        const d = new TextDecoder(label, { fatal: 1, ignoreBOM: 'yes' });
        return [d.encoding, d.fatal, d.ignoreBOM];
      }).concat([[new TextDecoder().fatal, new TextDecoder().ignoreBOM], attempt(() => new TextDecoder('nope'))]);
    `);
    const sandbox = createGlobalsSandbox();
    // Only UTF-8 here, where Node also knows legacy encodings.
    expect(sandbox.run(`(() => { try { new TextDecoder('utf-16le'); } catch (e) { return e.name + ' ' + e.code; } })()`)).toBe(
      'RangeError ERR_ENCODING_NOT_SUPPORTED',
    );
  });
});

describe('atob and btoa', () => {
  test.each(['', 'hello', 'a', 'ab', 'abc', '\u00ff\u00fe\u0000', '€', 'a\ud800', '<>?~'])('btoa(%j)', async (text) => {
    await expectSame(`return attempt(() => btoa(${js(text)}));`);
  });
  test.each(['aGVsbG8=', 'aGVsbG8', ' aGVs\nbG8= ', 'YQ==', 'YQ', 'YQ=', 'a', 'ab=c', 'ab===', '//79', 'YWJj\tZA==', '€', '', '====', 'Y-Q'])(
    'atob(%j)',
    async (text) => {
      await expectSame(`const r = attempt(() => atob(${js(text)})); return r.error ? r : codePoints(r.value);`);
    },
  );
  test('conversions and missing arguments', async () => {
    await expectSame(`return [attempt(() => atob(null)), attempt(() => atob(undefined)), attempt(() => btoa(12)),
      attempt(() => btoa()), attempt(() => atob())].map((r) => r.error ? { name: r.error.name } : r);`);
  });
  test('errors are InvalidCharacterError DOMExceptions with the platform messages', async () => {
    await expectSame(`
      const message = (fn) => { try { fn(); } catch (e) { return [e.name, e.code, e.message, e instanceof DOMException, e instanceof Error]; } };
      return [message(() => btoa('€')), message(() => atob('*'))];
    `);
  });
});
