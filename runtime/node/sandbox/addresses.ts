import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';

/** An IP as a number, so ranges are a shift and a compare whatever the textual form. */
interface Ip {
  family: 4 | 6;
  value: bigint;
}

function ipv4Value(text: string): bigint {
  return text.split('.').reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

function ipv4Text(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => (value >> shift) & 0xffn).join('.');
}

/** Plain dotted IPv4 or IPv6 (with or without brackets or a zone); anything else is null. */
export function parseIp(text: string): Ip | null {
  let ip = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = ip.indexOf('%');
  if (zone !== -1) ip = ip.slice(0, zone);
  if (isIPv4(ip)) return { family: 4, value: ipv4Value(ip) };
  if (!isIPv6(ip)) return null;
  // A dotted tail ("::ffff:1.2.3.4") stands for the last two groups.
  const tail = ip.includes('.') ? ip.slice(ip.lastIndexOf(':') + 1) : null;
  const groups = tail ? `${ip.slice(0, ip.lastIndexOf(':') + 1)}0:0` : ip;
  const [left, right] = groups.split('::') as [string, string | undefined];
  const head = left ? left.split(':') : [];
  const rest = right === undefined ? [] : right ? right.split(':') : [];
  const parts = right === undefined ? head : [...head, ...Array(8 - head.length - rest.length).fill('0'), ...rest];
  let value = parts.reduce((v, part) => (v << 16n) | BigInt(parseInt(part, 16)), 0n);
  if (tail) value = (value & ~0xffffffffn) | ipv4Value(tail);
  return { family: 6, value };
}

function inRange(ip: Ip, network: Ip, prefix: number): boolean {
  if (ip.family !== network.family) return false;
  const shift = BigInt((ip.family === 4 ? 32 : 128) - prefix);
  return ip.value >> shift === network.value >> shift;
}

/** `::ffff:a.b.c.d` is the IPv4 host itself to the kernel, so it is judged as one. */
function unmapped(ip: Ip): Ip {
  return ip.family === 6 && ip.value >> 32n === 0xffffn ? { family: 4, value: ip.value & 0xffffffffn } : ip;
}

const v4 = (text: string, prefix: number, reason: string) => ({ network: parseIp(text)!, prefix, reason });
// Order matters: the first matching row wins, so narrower rows come before wider ones.
const V4_RANGES = [
  v4('0.0.0.0', 8, 'an unspecified ("this network") address'),
  v4('10.0.0.0', 8, 'a private address'),
  v4('100.64.0.0', 10, 'a carrier-grade NAT (shared) address'),
  v4('127.0.0.0', 8, 'a loopback address'),
  v4('169.254.0.0', 16, 'a link-local address'),
  v4('172.16.0.0', 12, 'a private address'),
  v4('192.0.0.0', 24, 'a reserved (IETF protocol) address'),
  v4('192.0.2.0', 24, 'a documentation address'),
  v4('192.88.99.0', 24, 'a reserved (6to4 relay) address'),
  v4('192.168.0.0', 16, 'a private address'),
  v4('198.18.0.0', 15, 'a benchmarking address'),
  v4('198.51.100.0', 24, 'a documentation address'),
  v4('203.0.113.0', 24, 'a documentation address'),
  v4('224.0.0.0', 4, 'a multicast address'),
  v4('255.255.255.255', 32, 'the broadcast address'),
  v4('240.0.0.0', 4, 'a reserved address'),
];

// `embedded` is where an IPv4 address sits inside the IPv6 one: such addresses reach that
// IPv4 host (mapping, NAT64, 6to4), so they are only as public as it is.
const v6 = (text: string, prefix: number, reason: string, embedded?: bigint) => ({ network: parseIp(text)!, prefix, reason, embedded });
const V6_RANGES = [
  v6('::', 128, 'the unspecified address'),
  v6('::1', 128, 'a loopback address'),
  v6('::ffff:0:0', 96, 'an IPv4-mapped address', 0n),
  v6('64:ff9b::', 96, 'a NAT64 address', 0n),
  v6('2002::', 16, 'a 6to4 address', 80n),
  v6('100::', 64, 'a discard-only address'),
  v6('2001:db8::', 32, 'a documentation address'),
  v6('2001::', 23, 'a reserved (IETF protocol) address'),
  v6('fc00::', 7, 'a private (unique local) address'),
  v6('fe80::', 10, 'a link-local address'),
  v6('ff00::', 8, 'a multicast address'),
];
const GLOBAL_UNICAST = parseIp('2000::')!;

/** Why `ip` is not a public address (e.g. "a loopback address"), or null when it is public. */
export function addressProblem(ip: string): string | null {
  const parsed = parseIp(ip);
  if (!parsed) return 'not an IP address';
  if (parsed.family === 4) return V4_RANGES.find((r) => inRange(parsed, r.network, r.prefix))?.reason ?? null;
  const range = V6_RANGES.find((r) => inRange(parsed, r.network, r.prefix));
  if (range?.embedded !== undefined) {
    const inner = ipv4Text((parsed.value >> range.embedded) & 0xffffffffn);
    const problem = addressProblem(inner);
    return problem && `${problem} (${range.reason.replace(/^an? /, '')} of ${inner})`;
  }
  if (range) return range.reason;
  // Only 2000::/3 is allocated for global unicast; everything else is reserved.
  return inRange(parsed, GLOBAL_UNICAST, 3) ? null : 'a reserved address';
}

export function isPublicAddress(ip: string): boolean {
  return addressProblem(ip) === null;
}

/** A parsed `fetch.allow` entry; plain data so a resolved policy can cross to a child process. */
export type AllowEntry =
  | { type: 'host'; host: string; port: number | null; entry: string }
  | { type: 'wildcard'; suffix: string; port: number | null; entry: string }
  | { type: 'cidr'; address: string; prefix: number; port: number | null; entry: string };

const FORMS =
  'a hostname ("api.example.com"), a wildcard ("*.example.com"), an IP ("10.1.2.3", "::1") or a CIDR ("10.0.0.0/8", "fd00::/8"), ' +
  'each optionally followed by ":port" (IPv6 in brackets then: "[::1]:8080", "[fd00::/8]:443")';
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

function invalid(entry: unknown, why: string): TypeError {
  return new TypeError(`fetch.allow entry ${JSON.stringify(entry) ?? String(entry)} is invalid: ${why}. Accepted forms: ${FORMS}.`);
}

/** Lowercase ASCII (punycode) without the trailing dot, as `new URL()` spells hostnames. */
function hostname(text: string): string | null {
  const name = domainToASCII(text.endsWith('.') ? text.slice(0, -1) : text);
  if (!name || name.length > 253 || !name.split('.').every((label) => LABEL.test(label))) return null;
  return name;
}

export function parseAllowEntry(entry: unknown): AllowEntry {
  if (typeof entry !== 'string' || !entry.trim()) throw invalid(entry, 'expected a non-empty string');
  const text = entry.trim().toLowerCase();
  if (text.includes('://')) throw invalid(entry, 'write the host without a scheme or path');
  let host = text;
  let portText: string | undefined;
  const bracketed = text.startsWith('[');
  if (bracketed) {
    const match = /^\[([^\]]+)\](\/[^:]*)?(?::(.*))?$/.exec(text);
    if (!match) throw invalid(entry, 'brackets must hold an IPv6 address, optionally followed by "/prefix" and ":port"');
    host = match[1] + (match[2] ?? '');
    portText = match[3];
  } else if (text.includes(':') && text.indexOf(':') === text.lastIndexOf(':')) {
    [host, portText] = text.split(':') as [string, string];
  }
  let port: number | null = null;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || +portText < 1 || +portText > 65535) throw invalid(entry, `"${portText}" is not a port (1-65535)`);
    port = +portText;
  }
  const [address, prefixText] = host.split('/') as [string, string | undefined];
  const ip = parseIp(address);
  if (bracketed && ip?.family !== 6) throw invalid(entry, `"${address}" is not an IPv6 address`);
  if (prefixText !== undefined || ip) {
    if (!ip) throw invalid(entry, `"${address}" is not an IP address, so it cannot have a "/prefix"`);
    const max = ip.family === 4 ? 32 : 128;
    const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? +prefixText : NaN;
    if (!(prefix <= max)) throw invalid(entry, `the prefix length must be a number from 0 to ${max}`);
    // "::ffff:10.0.0.0/104" is the IPv4 range 10.0.0.0/8, and must match it as such.
    const plain = unmapped(ip);
    if (plain !== ip && prefix >= 96) return { type: 'cidr', address: ipv4Text(plain.value), prefix: prefix - 96, port, entry };
    return { type: 'cidr', address, prefix, port, entry };
  }
  const wildcard = host.startsWith('*.');
  const name = hostname(wildcard ? host.slice(2) : host);
  if (!name) throw invalid(entry, `"${host}" is not a hostname`);
  // The URL parser turns "0x7f.1" or "2130706433" into an IPv4 address, so such a "name" would never match.
  if (/^(?:\d+|0x[0-9a-f]*)$/.test(name.slice(name.lastIndexOf('.') + 1))) {
    throw invalid(entry, `"${host}" ends in a number, which URLs read as an IPv4 address; write IPs as dotted decimal`);
  }
  return wildcard ? { type: 'wildcard', suffix: name, port, entry } : { type: 'host', host: name, port, entry };
}

/** Whether a URL's hostname (already normalised by `new URL()`) is listed by name. */
export function allowsName(allow: AllowEntry[], host: string, port: number): boolean {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  return allow.some(
    (e) =>
      (e.port === null || e.port === port) &&
      ((e.type === 'host' && e.host === name) || (e.type === 'wildcard' && name.endsWith(`.${e.suffix}`))),
  );
}

/** Whether an address (a literal in the URL, or what a hostname resolved to) is in an IP/CIDR entry. */
export function allowsAddress(allow: AllowEntry[], address: string, port: number): boolean {
  const ip = parseIp(address);
  if (!ip) return false;
  const candidates = [ip, unmapped(ip)];
  return allow.some(
    (e) =>
      e.type === 'cidr' &&
      (e.port === null || e.port === port) &&
      candidates.some((candidate) => inRange(candidate, parseIp(e.address)!, e.prefix)),
  );
}
