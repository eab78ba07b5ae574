/**
 * The fetch policy's rules (runtime/node/sandbox/fetch-policy.ts): which addresses are public,
 * how allow entries match, and the options they are parsed from.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { allowsAddress, allowsName, createPolicyFetch, isPublicAddress, parseAllowEntry, resolveFetchPolicy } from '../../../runtime/node/sandbox/fetch-policy.js';
import { closeServers, hello } from './servers.js';

afterEach(closeServers);

describe('isPublicAddress', () => {
  test.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700:4700::1111', '2a00:1450:4001::200e', '2002:808:808::1', '64:ff9b::808:808'])(
    '%s is public',
    (ip) => expect(isPublicAddress(ip)).toBe(true),
  );

  test.each([
    ...['0.0.0.0', '0.1.2.3', '10.1.2.3', '100.64.0.1', '127.0.0.1', '127.255.255.254', '169.254.169.254', '172.16.0.1', '172.31.255.255'],
    ...['192.0.0.8', '192.0.2.1', '192.88.99.1', '192.168.1.1', '198.18.0.1', '198.19.255.255', '198.51.100.7', '203.0.113.9'],
    ...['224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255'],
    ...['::', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:a9fe:a9fe', '64:ff9b::7f00:1', '2002:7f00:1::1'],
    ...['::127.0.0.1', '100::1', '2001::1', '2001:db8::1', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'fe80::1%eth0', 'ff02::1', 'fec0::1', '4000::1'],
    ...['localhost', 'example.com', '', '[::1]', '1.2.3'],
  ])('%s is not public', (ip) => expect(isPublicAddress(ip)).toBe(false));
});

describe('allow entries', () => {
  const allow = (...entries: string[]) => entries.map(parseAllowEntry);

  test('wildcards match subdomains only', () => {
    const list = allow('*.example.com');
    expect(allowsName(list, 'a.example.com', 443)).toBe(true);
    expect(allowsName(list, 'a.b.example.com', 80)).toBe(true);
    expect(allowsName(list, 'a.example.com.', 80)).toBe(true);
    expect(allowsName(list, 'example.com', 443)).toBe(false);
    expect(allowsName(list, 'badexample.com', 443)).toBe(false);
    expect(allowsName(list, 'example.com.evil.net', 443)).toBe(false);
  });

  test('hostnames match exactly, case-insensitively, with their port if given', () => {
    const list = allow('API.Example.com', 'internal.corp:8443', 'bücher.de');
    expect(allowsName(list, 'api.example.com', 443)).toBe(true);
    expect(allowsName(list, 'x.api.example.com', 443)).toBe(false);
    expect(allowsName(list, 'internal.corp', 8443)).toBe(true);
    expect(allowsName(list, 'internal.corp', 443)).toBe(false);
    expect(allowsName(list, new URL('https://bücher.de/').hostname, 443)).toBe(true);
  });

  test('IPs and CIDRs match addresses, mapped IPv6 included', () => {
    const list = allow('10.0.0.0/8', '192.168.1.10:8080', 'fd00::/8', '[::1]:9000', '::ffff:172.16.0.0/108');
    expect(allowsAddress(list, '10.200.3.4', 80)).toBe(true);
    expect(allowsAddress(list, '::ffff:10.200.3.4', 80)).toBe(true);
    expect(allowsAddress(list, '11.0.0.1', 80)).toBe(false);
    expect(allowsAddress(list, '192.168.1.10', 8080)).toBe(true);
    expect(allowsAddress(list, '192.168.1.10', 80)).toBe(false);
    expect(allowsAddress(list, 'fd12::1', 443)).toBe(true);
    expect(allowsAddress(list, 'fe80::1', 443)).toBe(false);
    expect(allowsAddress(list, '::1', 9000)).toBe(true);
    expect(allowsAddress(list, '::1', 9001)).toBe(false);
    expect(allowsAddress(list, '172.20.1.1', 80)).toBe(true);
    expect(allowsAddress(list, '172.32.0.1', 80)).toBe(false);
    expect(allowsName(list, '10.1.2.3', 80)).toBe(false);
  });

  test.each([
    ['http://example.com', /without a scheme or path/],
    ['example.com/api', /not an IP address/],
    ['example.com:99999', /"99999" is not a port/],
    ['example.com:', /"" is not a port/],
    ['10.0.0.0/33', /prefix length must be a number from 0 to 32/],
    ['fd00::/129', /from 0 to 128/],
    ['fd00::/8:443', /prefix length/],
    ['example.com/8', /not an IP address/],
    ['[example.com]:80', /not an IPv6 address/],
    ['[::1', /brackets/],
    ['*.', /not a hostname/],
    ['*', /not a hostname/],
    ['a.*.com', /not a hostname/],
    ['exa mple.com', /not a hostname/],
    ['0x7f.1', /ends in a number/],
    ['2130706433', /ends in a number/],
    ['', /non-empty string/],
  ])('%j is rejected', (entry, why) => {
    expect(() => resolveFetchPolicy({ allow: ['ok.example.com', entry] })).toThrow(TypeError);
    expect(() => resolveFetchPolicy({ allow: [entry] })).toThrow(why);
    expect(() => resolveFetchPolicy({ allow: [entry] })).toThrow(`fetch.allow entry ${JSON.stringify(entry)} is invalid`);
    expect(() => resolveFetchPolicy({ allow: [entry] })).toThrow(/Accepted forms: a hostname .*"\*\.example\.com".*CIDR/);
  });

  test('other bad options are TypeErrors too', () => {
    expect(() => resolveFetchPolicy({ allow: [42 as any] })).toThrow(/entry 42 is invalid/);
    expect(() => resolveFetchPolicy({ allow: 'example.com' as any })).toThrow(TypeError);
    expect(() => resolveFetchPolicy({ timeout: -1 })).toThrow(/fetch.timeout/);
    expect(() => resolveFetchPolicy({ maxBytes: 1.5 })).toThrow(/fetch.maxBytes/);
    expect(() => resolveFetchPolicy({ maxRedirects: '2' as any })).toThrow(/fetch.maxRedirects/);
  });

  test('a resolved policy is plain data that survives JSON', async () => {
    const { port } = await hello();
    const policy = resolveFetchPolicy({ allow: ['127.0.0.0/8', '*.example.com:443', 'localhost'], timeout: 1000 });
    const copy = JSON.parse(JSON.stringify(policy));
    expect(copy).toEqual(policy);
    expect((await createPolicyFetch(copy)({ url: `http://127.0.0.1:${port}/` })).body).toBe('hello');
  });
});
