/**
 * `URL` for a sandbox vm context (composed by `contextGlobals`).
 *
 * Self-contained like every `context*` factory here: its source text is evaluated inside the
 * context. Parsing is the host's WHATWG parser, reached through `parseUrlText`, a context
 * function (made by `contextGlobals` from the bridge) that only exchanges strings. Everything
 * else — the record and the setters — lives here; `searchParams` is a URLSearchParams of
 * globals-search-params.ts, kept in step with the query through `searchParams`' hooks.
 *
 * The host parser has no "state override", so setters rebuild an href with the new part
 * (escaped so that it cannot spill into a neighbouring part) and parse that: what the
 * parser rejects leaves the URL unchanged, as the setters' specification does.
 */
import type { ContextKit } from './globals.js';
import type { ContextSearchParams } from './globals-search-params.js';

export interface ContextUrl {
  URL: unknown;
  /** Tells the objects structuredClone must refuse. */
  isPlatformObject: (value: unknown) => boolean;
}

export function contextUrl(
  parseUrlText: (input: string, base: string | undefined) => string,
  searchParams: ContextSearchParams,
  kit: ContextKit,
): ContextUrl {
  'use strict';
  const { defineProperty, freeze, setPrototypeOf } = Object;
  // uncurry(f)(self, ...args) is f.call(self, ...args) with the call captured now, so a later
  // patch of Function.prototype.call is not seen (and no argument array is allocated).
  const uncurry: (fn: Function) => (self: unknown, ...args: any[]) => any = Function.prototype.bind.bind(Function.prototype.call);
  const jsonParse = JSON.parse;
  const OwnTypeError = TypeError;
  const encodeURIComponentOwn = encodeURIComponent;
  const fromCharCode = String.fromCharCode;
  const stringSlice = uncurry(String.prototype.slice);
  const stringIndexOf = uncurry(String.prototype.indexOf);
  const charCodeAt = uncurry(String.prototype.charCodeAt);
  const toWellFormed = uncurry((String.prototype as any).toWellFormed);
  const { record, missingArgs } = kit;
  const { URLSearchParams, pairsOf, linkToUrl, parseQuery } = searchParams;
  /** WebIDL USVString: ToString (which throws for symbols), lone surrogates to U+FFFD. */
  const usv = (value: unknown): string => toWellFormed(`${value}`);
  const HEX = '0123456789ABCDEF';

  interface UrlRecord {
    href: string;
    origin: string;
    protocol: string;
    username: string;
    password: string;
    host: string;
    hostname: string;
    port: string;
    pathname: string;
    search: string;
    hash: string;
  }
  const URL_FIELDS = ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash'];

  /** Returns the parsed record, or the parser's error message. */
  const parseUrl = (input: string, base: string | undefined): UrlRecord | string => {
    const answer = parseUrlText(input, base);
    if (charCodeAt(answer, 0) === 0x21) return stringSlice(answer, 1) || 'Invalid URL';
    const parsed = jsonParse(answer);
    const result = record();
    for (let i = 0; i < URL_FIELDS.length; i++) result[URL_FIELDS[i]] = `${parsed[URL_FIELDS[i]] ?? ''}`;
    return result;
  };
  const invalidUrl = (message: string, input: string) => {
    const error: any = new OwnTypeError(message);
    error.code = 'ERR_INVALID_URL';
    error.input = input;
    return error;
  };

  const SPECIAL_SCHEMES = setPrototypeOf({ 'ftp:': 1, 'file:': 1, 'http:': 1, 'https:': 1, 'ws:': 1, 'wss:': 1 }, null);
  const isSpecial = (protocol: string) => SPECIAL_SCHEMES[protocol] === 1;
  const hasHost = (r: UrlRecord) => stringSlice(r.href, r.protocol.length, r.protocol.length + 2) === '//';
  const hasOpaquePath = (r: UrlRecord) => !hasHost(r) && charCodeAt(r.pathname, 0) !== 0x2f;
  const cannotHaveCredentials = (r: UrlRecord) => !hasHost(r) || r.hostname === '' || r.protocol === 'file:';

  /**
   * Splits href at the path, query and fragment. The first "#" starts the fragment and the
   * first "?" before it starts the query: serialization percent-encodes both everywhere else.
   */
  const split = (r: UrlRecord) => {
    const href = r.href;
    let hashAt = stringIndexOf(href, '#');
    if (hashAt === -1) hashAt = href.length;
    let queryAt = stringIndexOf(href, '?');
    if (queryAt === -1 || queryAt > hashAt) queryAt = hashAt;
    const pathAt = queryAt - r.pathname.length;
    return {
      head: stringSlice(href, 0, pathAt),
      path: stringSlice(href, pathAt, queryAt),
      query: stringSlice(href, queryAt, hashAt),
      fragment: stringSlice(href, hashAt),
    };
  };
  const authority = (r: UrlRecord, user: string, pass: string, hostname: string, port: string) =>
    r.protocol + '//' + (user || pass ? user + (pass ? ':' + pass : '') + '@' : '') + hostname + (port ? ':' + port : '');

  /** The basic URL parser drops ASCII tab and newline from setter input too. */
  const stripTabsAndNewlines = (value: string) => {
    let out = '';
    let plain = 0;
    for (let i = 0; i < value.length; i++) {
      const c = charCodeAt(value, i);
      if (c === 0x09 || c === 0x0a || c === 0x0d) {
        out += stringSlice(value, plain, i);
        plain = i + 1;
      }
    }
    return plain === 0 ? value : out + stringSlice(value, plain);
  };
  /** Percent-encodes C0 controls, non-ASCII and the characters in `set` (UTF-8 bytes). */
  const percentEncode = (value: string, set: string) => {
    let out = '';
    for (let i = 0; i < value.length; i++) {
      const c = charCodeAt(value, i);
      if (c >= 0x7f) {
        const pair = c >= 0xd800 && c <= 0xdbff ? 2 : 1;
        out += encodeURIComponentOwn(stringSlice(value, i, i + pair));
        i += pair - 1;
      } else if (c < 0x20 || stringIndexOf(set, value[i]) !== -1) out += '%' + HEX[c >> 4] + HEX[c & 15];
      else out += value[i];
    }
    return out;
  };
  const USERINFO_SET = ' "#<>?`{}/:;=@[\\]^|';
  const leadingDigits = (value: string) => {
    let end = 0;
    while (end < value.length && charCodeAt(value, end) >= 0x30 && charCodeAt(value, end) <= 0x39) end++;
    return stringSlice(value, 0, end);
  };

  let isUrl: (value: unknown) => boolean;

  class URL {
    #r: UrlRecord;
    #params: object;

    constructor(url: unknown, base: unknown = undefined) {
      missingArgs(arguments.length, 1, '"url"');
      const input = usv(url);
      const parsed = parseUrl(input, base === undefined ? undefined : usv(base));
      if (typeof parsed === 'string') throw invalidUrl(parsed, input);
      this.#r = parsed;
      this.#params = new URLSearchParams(parsed.search);
      linkToUrl(this.#params, (query) => this.#setQuery(query));
    }

    static canParse(url: unknown, base: unknown = undefined) {
      missingArgs(arguments.length, 1, '"url"');
      return typeof parseUrl(usv(url), base === undefined ? undefined : usv(base)) !== 'string';
    }
    static parse(url: unknown, base: unknown = undefined) {
      missingArgs(arguments.length, 1, '"url"');
      try {
        return new URL(url, base);
      } catch {
        return null;
      }
    }

    /** Adopts `href` if it parses; setters whose input the parser rejects change nothing. */
    #reparse(href: string) {
      const parsed = parseUrl(href, undefined);
      if (typeof parsed === 'string') return false;
      this.#r = parsed;
      return true;
    }
    /** Called when searchParams changes: the list stays as it is, only the query follows. */
    #setQuery(query: string) {
      const { head, path, fragment } = split(this.#r);
      this.#reparse(head + path + (query ? '?' + query : '') + fragment);
    }
    #setHost(value: unknown, hostnameOnly: boolean) {
      const r = this.#r;
      if (hasOpaquePath(r)) return;
      const special = isSpecial(r.protocol);
      let input = stripTabsAndNewlines(usv(value));
      // The host ends where a path, query or fragment would begin.
      for (let i = 0; i < input.length; i++) {
        const c = charCodeAt(input, i);
        if (c === 0x2f || c === 0x3f || c === 0x23 || (special && c === 0x5c)) {
          input = stringSlice(input, 0, i);
          break;
        }
      }
      // "@" would make the host part of the credentials when the href is parsed again.
      if (stringIndexOf(input, '@') !== -1) return;
      const { path, query, fragment } = split(r);
      if (r.protocol === 'file:') {
        this.#reparse('file://' + input + path + query + fragment);
        return;
      }
      let hostname = input;
      let port = r.port;
      let inBrackets = false;
      for (let i = 0; i < input.length; i++) {
        const c = charCodeAt(input, i);
        if (c === 0x5b) inBrackets = true;
        else if (c === 0x5d) inBrackets = false;
        else if (c === 0x3a && !inBrackets) {
          if (hostnameOnly) return;
          hostname = stringSlice(input, 0, i);
          const digits = leadingDigits(stringSlice(input, i + 1));
          if (digits) port = +digits > 65535 ? port : digits;
          break;
        }
      }
      if (hostname === '' && (special || stringIndexOf(input, ':') !== -1)) return;
      if (hostname === '' && (r.username || r.password || r.port)) return;
      this.#reparse(authority(r, r.username, r.password, hostname, port) + path + query + fragment);
    }

    get href() {
      return this.#r.href;
    }
    set href(value: unknown) {
      const input = usv(value);
      const parsed = parseUrl(input, undefined);
      if (typeof parsed === 'string') throw invalidUrl(parsed, input);
      this.#r = parsed;
      parseQuery(pairsOf(this.#params), stringSlice(parsed.search, 1));
    }
    get origin() {
      return this.#r.origin;
    }
    get protocol() {
      return this.#r.protocol;
    }
    set protocol(value: unknown) {
      const r = this.#r;
      // The setter parses value + ":" in the scheme state: a letter, then [a-z0-9+.-] up to ":".
      const input = stripTabsAndNewlines(usv(value)) + ':';
      let scheme = '';
      for (let i = 0; ; i++) {
        const c = charCodeAt(input, i);
        if (c === 0x3a) break;
        const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
        if (!alpha && (i === 0 || !((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e))) return;
        scheme += fromCharCode(alpha && c <= 0x5a ? c + 0x20 : c);
      }
      if (scheme === '') return;
      const protocol = scheme + ':';
      if (isSpecial(protocol) !== isSpecial(r.protocol)) return;
      if (protocol === 'file:' && (r.username || r.password || r.port)) return;
      if (r.protocol === 'file:' && r.hostname === '') return;
      this.#reparse(protocol + stringSlice(r.href, r.protocol.length));
    }
    get username() {
      return this.#r.username;
    }
    set username(value: unknown) {
      const r = this.#r;
      if (cannotHaveCredentials(r)) return;
      const { path, query, fragment } = split(r);
      const user = percentEncode(usv(value), USERINFO_SET);
      this.#reparse(authority(r, user, r.password, r.hostname, r.port) + path + query + fragment);
    }
    get password() {
      return this.#r.password;
    }
    set password(value: unknown) {
      const r = this.#r;
      if (cannotHaveCredentials(r)) return;
      const { path, query, fragment } = split(r);
      const pass = percentEncode(usv(value), USERINFO_SET);
      this.#reparse(authority(r, r.username, pass, r.hostname, r.port) + path + query + fragment);
    }
    get host() {
      return this.#r.host;
    }
    set host(value: unknown) {
      this.#setHost(value, false);
    }
    get hostname() {
      return this.#r.hostname;
    }
    set hostname(value: unknown) {
      this.#setHost(value, true);
    }
    get port() {
      return this.#r.port;
    }
    set port(value: unknown) {
      const r = this.#r;
      if (cannotHaveCredentials(r)) return;
      const input = stripTabsAndNewlines(usv(value));
      let port = '';
      if (input !== '') {
        port = leadingDigits(input);
        if (port === '' || +port > 65535) return;
      }
      const { path, query, fragment } = split(r);
      this.#reparse(authority(r, r.username, r.password, r.hostname, port) + path + query + fragment);
    }
    get pathname() {
      return this.#r.pathname;
    }
    set pathname(value: unknown) {
      const r = this.#r;
      if (hasOpaquePath(r)) return;
      const special = isSpecial(r.protocol);
      // With the setter's state override, "?" and "#" belong to the path, encoded.
      let path = percentEncode(stripTabsAndNewlines(usv(value)), '?#');
      const first = charCodeAt(path, 0);
      if (path === '' ? special || !hasHost(r) : first !== 0x2f && !(special && first === 0x5c)) path = '/' + path;
      const { head, query, fragment } = split(r);
      // Without a host, "//" would read as an authority: the serializer's "/." keeps it a path.
      const start = hasHost(r) ? head : r.protocol + (stringSlice(path, 0, 2) === '//' ? '/.' : '');
      this.#reparse(start + path + query + fragment);
    }
    get search() {
      return this.#r.search;
    }
    set search(value: unknown) {
      let input = stripTabsAndNewlines(usv(value));
      // "" removes the query; "?" leaves an empty one.
      const remove = input === '';
      if (charCodeAt(input, 0) === 0x3f) input = stringSlice(input, 1);
      const { head, path, fragment } = split(this.#r);
      if (!this.#reparse(head + path + (remove ? '' : '?' + percentEncode(input, '#')) + fragment)) return;
      parseQuery(pairsOf(this.#params), stringSlice(this.#r.search, 1));
    }
    get searchParams() {
      return this.#params;
    }
    get hash() {
      return this.#r.hash;
    }
    set hash(value: unknown) {
      let input = stripTabsAndNewlines(usv(value));
      if (charCodeAt(input, 0) === 0x23) input = stringSlice(input, 1);
      const { head, path, query } = split(this.#r);
      this.#reparse(head + path + query + (input === '' ? '' : '#' + input));
    }
    toString() {
      return this.#r.href;
    }
    toJSON() {
      return this.#r.href;
    }
    static {
      isUrl = (value) => typeof value === 'object' && value !== null && #r in value;
    }
  }
  defineProperty(URL.prototype, Symbol.toStringTag, { value: 'URL', configurable: true });

  return freeze({ URL, isPlatformObject: (value: unknown) => isUrl(value) });
}
