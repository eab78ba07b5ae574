/**
 * Failed sign-ins in the audit log are bounded per address: a client spraying guesses gets 50
 * entries (the last saying the rest are not recorded), not a database write per guess; another
 * address is recorded as usual. Fake timers stand in for the slow-down (100 ms a failure, up to 2 s).
 */
import { afterEach, expect, test, vi } from 'vitest';
import { createAuth } from '../../registry-lite/auth.js';
import { createMetadata } from '../../registry-lite/metadata/index.js';
import { memoryBackend } from '../../registry-lite/metadata/memory.js';
import type { Req } from '../../registry-lite/http.js';

afterEach(() => void vi.useRealTimers());

const request = (address: string, n: number) =>
  ({ headers: { authorization: `Bearer mikr0_${String(n).padStart(12, 'a')}_${'b'.repeat(32)}` }, socket: { remoteAddress: address }, method: 'PUT', url: '/x' }) as unknown as Req;

test('failed sign-ins from one address are audited up to 50, then no more; another address still is', async () => {
  vi.useFakeTimers({ toFake: ['setTimeout'] });
  const metadata = createMetadata(memoryBackend());
  const auth = createAuth(metadata.tokens, metadata.audit, {}, { info() {}, warn() {}, error() {} });
  const fail = async (address: string, n: number) => {
    const refused = auth.require(request(address, n), 'publish').catch((error) => error);
    await vi.advanceTimersByTimeAsync(2000);
    expect((await refused).status).toBe(401);
  };
  // Different credentials each time: no lockout, only the address adds up.
  for (let n = 0; n < 60; n++) await fail('10.0.0.1', n);
  await fail('10.0.0.2', 99);
  const entries = await metadata.audit.list({ actions: ['auth.failure'], limit: 1000 });
  expect(entries.filter((e) => e.address === '10.0.0.1')).toHaveLength(50);
  expect(entries.find((e) => e.address === '10.0.0.1')!.detail).toContain('further failures from this address are not recorded');
  expect(entries.filter((e) => e.address === '10.0.0.2')).toHaveLength(1);
  await metadata.close();
});
