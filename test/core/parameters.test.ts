import { deflateRawSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { decodeCompressedParameters, parametersFromQuery, parseParameters } from '../../runtime/node/parameters.js';
import { isMikr0Error } from '../../runtime/shared/errors.js';
import type { ParametersSchema } from '../../runtime/shared/component.js';

const schema: ParametersSchema = {
  name: { type: 'string', mandatory: true },
  count: { type: 'number', default: 2 },
  flag: { type: 'boolean' },
  size: { type: 'string', enum: ['s', 'm', 'l'] },
  level: { type: 'number', enum: [1, 2, 3] },
};

const encode = (value: unknown) => deflateRawSync(Buffer.from(JSON.stringify(value))).toString('base64url');

function problems(fn: () => unknown) {
  try {
    fn();
  } catch (error: any) {
    expect(isMikr0Error(error)).toBe(true);
    expect(error.status).toBe(400);
    return error;
  }
  throw new Error('expected a 400');
}

describe('parseParameters', () => {
  test.each([
    ['query strings are coerced', { name: 'a', count: '5', flag: 'true' }, { name: 'a', count: 5, flag: true }],
    ['"1"/"0" are booleans', { name: 'a', flag: '0' }, { name: 'a', count: 2, flag: false }],
    ['typed JSON values pass', { name: 'a', count: 7, flag: false }, { name: 'a', count: 7, flag: false }],
    ['defaults fill gaps', { name: 'a' }, { name: 'a', count: 2 }],
    ['numbers coerce to declared strings', { name: 12 }, { name: '12', count: 2 }],
    ['enum values are accepted', { name: 'a', size: 'm', level: '2' }, { name: 'a', count: 2, size: 'm', level: 2 }],
    ['undeclared parameters are dropped', { name: 'a', extra: 'x' }, { name: 'a', count: 2 }],
    ['negative and decimal numbers', { name: 'a', count: '-1.5' }, { name: 'a', count: -1.5 }],
  ])('%s', (_label, raw, expected) => {
    expect(parseParameters(schema, raw)).toEqual(expected);
  });

  test('every problem is reported at once, each naming its parameter', () => {
    const error = problems(() => parseParameters(schema, { count: 'many', flag: 'yes', size: 'xl', level: '9' }));
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.details.map((d: any) => d.path)).toEqual(['name', 'count', 'flag', 'size', 'level']);
    expect(error.details[0].message).toMatch(/mandatory/);
    expect(error.details[1].message).toMatch(/number/);
    expect(error.details[3].message).toMatch(/"s", "m", "l"/);
  });

  test.each([[''], [' '], ['1e999'], ['NaN'], ['12px']])('%j is not a number', (value) => {
    const error = problems(() => parseParameters(schema, { name: 'a', count: value }));
    expect(error.details).toHaveLength(1);
  });

  test('without a schema everything passes through', () => {
    expect(parseParameters(undefined, { a: '1', b: 'x' })).toEqual({ a: '1', b: 'x' });
  });
});

describe('compressed parameters (d)', () => {
  test('round trip, plain keys win over d', () => {
    const query = new URLSearchParams({ d: encode({ name: 'from-d', count: 3, long: 'x'.repeat(5000) }), count: '4' });
    expect(parametersFromQuery(query)).toEqual({ name: 'from-d', count: '4', long: 'x'.repeat(5000) });
  });

  test.each([
    ['not base64url', '***', /base64url/],
    ['not deflate', Buffer.from('hello').toString('base64url'), /deflate-raw/],
    ['not JSON', deflateRawSync(Buffer.from('{nope')).toString('base64url'), /JSON/],
    ['not an object', encode([1, 2]), /object/],
    ['a deflate bomb', deflateRawSync(Buffer.alloc(5 * 1024 * 1024, 32)).toString('base64url'), /1 MB/],
  ])('%s → 400', (_label, d, message) => {
    const error = problems(() => decodeCompressedParameters(d));
    expect(error.message).toMatch(message);
  });
});
