/**
 * The context globals: URL and URLSearchParams, compared with Node's own.
 */
import { describe, expect, test } from 'vitest';
import { createGlobalsSandbox } from '../sandbox-context.js';
import { expectSame, insideOnly, js } from './compare.js';

describe('URL', () => {
  const parses: [string, string?][] = [
    ['https://user:pa ss@EXAMPLE.com:443/a/../b/./c?x=1&y=%20z#frag ment'],
    ['/p/q?r#s', 'http://a.com/x/y'],
    ['../up', 'http://a.com/x/y/z'],
    ['?only', 'http://a.com/path?old#h'],
    ['//other.org/x', 'https://a.com'],
    ['mailto:someone@example.com?subject=hi'],
    ['file:///C:/dir/file.txt'],
    ['file://server/share'],
    ['http://[::1]:8080/'],
    ['http://ÑAND.com/ñ?ñ=ñ#ñ'],
    ['http://a.com:80/'],
    ['ws://a.com:80/'],
    ['web+demo:/.//not-a-host/'],
    ['foo://host/p?q#f'],
    ['data:text/plain,hello world'],
    ['blob:https://a.com/uuid'],
    ['http://a.com/\ud800'],
    ['  http://a.com/ \t\n'],
    ['not a url'],
    ['http://a b/'],
    ['http://[::1/'],
    ['http://a.com:99999/'],
    ['relative', 'not a base'],
    [''],
  ];
  test.each(parses)('new URL(%j, %j)', async (input, base) => {
    await expectSame(`
      const r = attempt(() => urlFields(new URL(${js(input)}${base === undefined ? '' : ', ' + js(base)})));
      return [r, URL.canParse(${js(input)}${base === undefined ? '' : ', ' + js(base)})];
    `);
  });

  test('URL objects as input and base; errors carry the input', async () => {
    await expectSame(`
      const base = new URL('http://a.com/dir/');
      const error = (() => { try { new URL('x y', 'nope'); } catch (e) { return [e.name, e.code, e.message, e.input, e instanceof TypeError]; } })();
      return [new URL(base).href, new URL('file', base).href, attempt(() => new URL()), error, Object.prototype.toString.call(base)];
    `);
  });

  const setters: [string, string, string][] = [
    ['http://a.com/', 'protocol', 'https'],
    ['http://a.com/', 'protocol', 'HTTPS:'],
    ['http://a.com/', 'protocol', 'ftp://ignored'],
    ['http://a.com/', 'protocol', 'foo'],
    ['http://a.com/', 'protocol', '1http'],
    ['http://a.com/', 'protocol', 'ht tp'],
    ['http://a.com:443/', 'protocol', 'https'],
    ['http://u@a.com/', 'protocol', 'file'],
    ['http://a.com/x', 'protocol', 'file'],
    ['file:///x', 'protocol', 'http'],
    ['file://host/x', 'protocol', 'http'],
    ['foo://a/b', 'protocol', 'bar+baz'],
    ['foo://a/b', 'protocol', 'http'],
    ['mailto:x@y', 'protocol', 'news'],
    ['http://a.com/', 'username', 'us er@:/?#ñ'],
    ['http://a.com/', 'password', 'p@ss:w/rd%41'],
    ['http://u:p@a.com/', 'username', ''],
    ['http://u:p@a.com/', 'password', ''],
    ['mailto:x@y', 'username', 'u'],
    ['file:///x', 'username', 'u'],
    ['http://a.com:81/p?q#h', 'host', 'b.org'],
    ['http://a.com:81/p?q#h', 'host', 'b.org:8080'],
    ['http://a.com:81/p', 'host', 'b.org:99999'],
    ['http://a.com:81/p', 'host', 'b.org:'],
    ['http://a.com:81/p', 'host', 'b.org:12ab'],
    ['http://a.com/p', 'host', 'b.org/path?x#y'],
    ['http://a.com/p', 'host', 'b.org\\x'],
    ['http://a.com/p', 'host', ''],
    ['http://a.com/p', 'host', 'ex ample'],
    ['http://a.com/p', 'host', 'evil@b.org'],
    ['http://a.com/p', 'host', '[::1]:81'],
    ['http://a.com/p', 'host', 'ÉXAMPLE.org'],
    ['http://a.com/p', 'host', ':80'],
    ['foo://a:1/x', 'host', ''],
    ['foo://a/x', 'host', ''],
    ['foo:/x', 'host', 'h'],
    ['file://a/x', 'host', 'localhost'],
    ['file://a/x', 'host', 'b.org'],
    ['mailto:x@y', 'host', 'h'],
    ['http://a.com:81/p', 'hostname', 'b.org'],
    ['http://a.com:81/p', 'hostname', 'b.org:80'],
    ['http://a.com/p', 'hostname', '[::2]'],
    ['http://a.com/p', 'hostname', ''],
    ['http://a.com/', 'port', '8080'],
    ['http://a.com:81/', 'port', ''],
    ['http://a.com/', 'port', '80'],
    ['http://a.com/', 'port', '8080abc'],
    ['http://a.com:81/', 'port', 'abc'],
    ['http://a.com/', 'port', '99999'],
    ['http://a.com/', 'port', '0'],
    ['http://a.com/', 'port', '0081'],
    ['file:///x', 'port', '81'],
    ['http://a.com/p?q#h', 'pathname', 'a b/c?d#e'],
    ['http://a.com/p', 'pathname', ''],
    ['http://a.com/p', 'pathname', '\\x\\y'],
    ['http://a.com/a/b', 'pathname', '/../../c/./d'],
    ['http://a.com/p', 'pathname', 'ñ/%41'],
    ['foo://h/p', 'pathname', 'x'],
    ['foo://h/p', 'pathname', ''],
    ['foo:/p', 'pathname', '//x'],
    ['foo:/p', 'pathname', ''],
    ['web+demo:/.//not-a-host/', 'pathname', '/plain'],
    ['mailto:x@y', 'pathname', 'z'],
    ['file:///C:/x', 'pathname', '/D:/y'],
    ['http://a.com/p#h', 'search', '?a=1 2&b=ñ'],
    ['http://a.com/p#h', 'search', 'x#y'],
    ['http://a.com/p?q#h', 'search', ''],
    ['http://a.com/p', 'search', '??x'],
    ['http://a.com/p', 'search', '?'],
    ["http://a.com/p", 'search', "a'b"],
    ["foo://a/p", 'search', "a'b"],
    ['http://a.com/p?q', 'hash', '#x y'],
    ['http://a.com/p#h', 'hash', ''],
    ['http://a.com/p', 'hash', 'ñ#<>`'],
    ['http://a.com/p', 'hash', '##'],
    ['http://a.com/p', 'href', 'https://b.org/x?y#z'],
    ['http://a.com/p', 'href', 'not a url'],
    ['http://a.com/p', 'pathname', 'x\ty\nz'],
  ];
  test.each(setters)('new URL(%j).%s = %j', async (href, property, value) => {
    await expectSame(`
      const url = new URL(${js(href)});
      const result = attempt(() => { url[${js(property)}] = ${js(value)}; });
      return [result, urlFields(url)];
    `);
  });

  test('searchParams is live both ways', async () => {
    await expectSame(`
      const url = new URL('http://a.com/p?a=1&b=2#h');
      const params = url.searchParams;
      const steps = [];
      params.append('c d', 'e&f=g');
      steps.push(url.href);
      params.set('a', '€');
      steps.push(url.href, url.search);
      url.search = '?x=1&x=2';
      steps.push(params.getAll('x'), params.has('a'), params === url.searchParams);
      params.delete('x');
      steps.push(url.href, url.search);
      url.href = 'http://b.org/?q=%7E+1';
      steps.push(params.get('q'), [...params]);
      url.hash = 'z';
      params.sort();
      steps.push(url.href);
      url.search = '';
      steps.push(params.size, url.href);
      const opaque = new URL('data:text ?x=1');
      opaque.searchParams.delete('x');
      steps.push(opaque.href);
      return steps;
    `);
  });

  test('static canParse and toJSON', async () => {
    await expectSame(`return [URL.canParse('http://x'), URL.canParse('x'), URL.canParse('x', 'http://a/'), JSON.stringify({ u: new URL('http://a/b') })];`);
  });

  test('static parse (newer than Node 20) returns null rather than throwing', () => {
    const sandbox = createGlobalsSandbox();
    expect(sandbox.run(`[URL.parse('/x', 'http://a.com/y').href, URL.parse('nope')]`)).toEqual(['http://a.com/x', null]);
  });
});

describe('URLSearchParams', () => {
  const inits = [
    "'?a=1&b=2&a=3'",
    "'a+b=c%20d&%zz=%E2%82%AC&x&=y&&&z='",
    "'%C3%28=%E2%82&%F0%9F%98%80=%ED%A0%80'",
    "'q=%7e%21%2A+%2B'",
    "'é=ü&\\ud800=1'",
    "{ a: '1', b: 2, c: undefined, [Symbol('s')]: 'x' }",
    "[['a', '1'], ['b', 2]]",
    "new Map([['m', 'v']])",
    "new URLSearchParams('k=v&k=w')",
    "(function* () { yield ['g', 'h']; })()",
    '12',
    "[['a']]",
    "[['a', 'b', 'c']]",
    "[1]",
    "''",
  ];
  test('new URLSearchParams(null) is the standard\'s "null=", whatever Node runs the registry (Node changed in 24)', async () => {
    const body = 'const r = new URLSearchParams(null); return [[...r], r.toString(), r.size];';
    expect(await insideOnly(body)).toEqual([[['null', '']], 'null=', 1]);
  });

  test.each(inits)('new URLSearchParams(%s)', async (init) => {
    await expectSame(`
      const r = attempt(() => new URLSearchParams(${init}));
      return r.error ? r : [[...r.value], r.value.toString(), r.value.size];
    `);
  });

  test('methods', async () => {
    await expectSame(`
      const p = new URLSearchParams('b=1&a=2&b=3&c=4');
      const out = [];
      p.append('a', 'x y'); out.push(p.toString());
      p.set('b', 'z'); out.push(p.toString());
      p.delete('a', 'x y'); out.push(p.toString());
      out.push(p.has('c'), p.has('c', '4'), p.has('c', '5'), p.get('missing'), p.get('b'), p.getAll('b'));
      p.append('😀', '1'); p.append('\\uffff', '2'); p.append('a', '0'); p.append('A', '0');
      p.sort(); out.push([...p.keys()]);
      p.delete('b'); out.push(p.size, p.toString());
      const seen = [];
      p.forEach(function (value, key, self) { seen.push([key, value, self === p, this.tag]); if (seen.length === 1) p.append('late', 'yes'); }, { tag: 't' });
      out.push(seen);
      out.push([...p.values()], [...p.entries()], Object.prototype.toString.call(p.entries()), Object.prototype.toString.call(p));
      const iterator = p.keys(); p.append('after', '1'); out.push([...iterator].length);
      out.push(attempt(() => p.append('only')), attempt(() => p.get()), attempt(() => p.forEach(1)));
      return out;
    `);
  });

  test('application/x-www-form-urlencoded serialization', async () => {
    await expectSame(`
      const p = new URLSearchParams();
      p.append(" !\\"#$%&'()*+,-./:;<=>?@[\\\\]^_\`{|}~", "€\\n\\r\\t\\u0000é😀");
      p.append('lone', '\\ud800x\\udc00');
      return [p.toString(), [...new URLSearchParams(p.toString())]];
    `);
  });
});
