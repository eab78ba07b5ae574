import { describe, expect, test } from 'vitest';
import { createBreaker } from '../../runtime/node/sandbox/breaker.js';

describe('cut-offs', () => {
  test('failures within the window cut a version off; after the cool-down one trial runs; a failed trial doubles it', () => {
    const breaker = createBreaker({ failures: 3, windowMs: 1000, cooldownMs: 100 });
    expect(breaker.failure('a@1.0.0', 'timeout', 0)).toBe(false);
    expect(breaker.failure('a@1.0.0', 'timeout', 10)).toBe(false);
    // The first failure left the window: still two.
    expect(breaker.failure('a@1.0.0', 'crash', 1005)).toBe(false);
    expect(breaker.failure('a@1.0.0', 'crash', 1006)).toBe(true);
    const cut = breaker.check('a@1.0.0', 1050)!;
    expect(cut).toMatchObject({ status: 503, code: 'SUSPENDED', headers: { 'Retry-After': '1' } });
    expect(cut.message).toMatch(/a@1\.0\.0 is cut off for 1 s: .*failed 3 times within 1 s \(last: crash\)/);
    expect(breaker.check('b@1.0.0', 1050)).toBeNull();
    // Cool-down over: one trial, the others still wait.
    expect(breaker.check('a@1.0.0', 1110)).toBeNull();
    expect(breaker.check('a@1.0.0', 1111)?.code).toBe('SUSPENDED');
    expect(breaker.failure('a@1.0.0', 'timeout', 1120)).toBe(true);
    expect(breaker.check('a@1.0.0', 1300)?.code).toBe('SUSPENDED');
    expect(breaker.check('a@1.0.0', 1330)).toBeNull();
    breaker.success('a@1.0.0');
    expect(breaker.check('a@1.0.0', 1331)).toBeNull();
  });

  test('versions whose failures are old are forgotten once many are tracked', () => {
    const breaker = createBreaker({ failures: 2, windowMs: 100, cooldownMs: 100 });
    for (let i = 0; i < 10_000; i++) breaker.failure(`v@1.0.${i}`, 'timeout', 0);
    expect(breaker.tracked()).toBe(10_000);
    // Forgetting happens at the next new version, and keeps nothing that could still count.
    breaker.failure('new@1.0.0', 'timeout', 500);
    expect(breaker.tracked()).toBe(1);
    expect(breaker.failure('v@1.0.0', 'timeout', 510)).toBe(false);
    expect(breaker.failure('new@1.0.0', 'timeout', 510)).toBe(true);
  });
});
