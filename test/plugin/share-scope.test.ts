/** The share scope every component's template.js uses (runtime/client/share.ts): ranges, choice, one load. */
import { describe, expect, test, vi } from 'vitest';
import { createShareScope, satisfies } from '../../runtime/client/share.js';

describe('satisfies', () => {
  test.each([
    ['19.3.1', '>=19.0.0 <20.0.0-0', true],
    ['20.0.0', '>=19.0.0 <20.0.0-0', false],
    ['18.3.1', '>=19.0.0 <20.0.0-0', false],
    ['18.3.1', '>=18.2.0 <19.0.0-0||>=19.0.0 <20.0.0-0', true],
    ['19.3.1', '^19.3.0', true],
    ['19.2.9', '^19.3.0', false],
    ['20.0.0', '^19.3.0', false],
    ['0.2.5', '^0.2.3', true],
    ['0.3.0', '^0.2.3', false],
    ['0.0.3', '^0.0.3', true],
    ['0.0.4', '^0.0.3', false],
    ['1.2.9', '~1.2.3', true],
    ['1.3.0', '~1.2.3', false],
    ['1.9.0', '~1', true],
    ['2.0.0', '~1', false],
    ['1.2.3', '1.2.3', true],
    ['1.2.4', '1.2.3', false],
    ['1.2.4', '=1.2.3', false],
    ['1.7.0', '1.x', true],
    ['2.0.0', '1.x', false],
    ['1.2.7', '1.2.x', true],
    ['1.3.0', '1.2', false],
    ['5.0.0', '*', true],
    ['5.0.0', 'x', true],
    ['5.0.0', '', true],
    ['2.0.0', '>1.x', true],
    ['1.9.0', '>1.x', false],
    ['1.9.0', '<=1.x', true],
    ['1.0.0-rc.1', '>=1.0.0', false],
    ['not-a-version', '*', false],
  ])('%s in %s: %s', (version, range, expected) => {
    expect(satisfies(version, range)).toBe(expected);
  });
});

describe('createShareScope', () => {
  const module = (label: string) => ({ label });

  test('the first compatible copy serves everyone after it; concurrent first requests load once', async () => {
    const share = createShareScope();
    const a = vi.fn(async () => module('a'));
    const b = vi.fn(async () => module('b'));
    const [ma, mb] = await Promise.all([share('react', '19.3.1', '>=19.0.0 <20.0.0-0', a), share('react', '19.3.1', '>=19.3.0 <20.0.0-0', b)]);
    expect(ma).toBe(mb);
    expect(a).toHaveBeenCalledTimes(1);
    expect(b).not.toHaveBeenCalled();
  });

  test('what is loaded wins over a higher version not downloaded yet; the highest fit when nothing is loaded', async () => {
    const share = createShareScope();
    const old = vi.fn(async () => module('19.0'));
    expect(await share('react', '19.0.0', '>=19.0.0 <20.0.0-0', old)).toEqual({ label: '19.0' });
    const newer = vi.fn(async () => module('19.3'));
    expect(await share('react', '19.3.1', '>=19.0.0 <20.0.0-0', newer)).toEqual({ label: '19.0' });
    expect(newer).not.toHaveBeenCalled();
    // A range only the registered (not loaded) 19.3.1 fits: that copy is loaded, once.
    expect(await share('react', '19.2.0', '>=19.3.0 <20.0.0-0', async () => module('19.2'))).toEqual({ label: '19.3' });
    expect(newer).toHaveBeenCalledTimes(1);
  });

  test('an incompatible major gets its own copy; the page keeps the other for those it fits', async () => {
    const share = createShareScope();
    const v19 = await share('react', '19.3.1', '>=19.0.0 <20.0.0-0', async () => module('19'));
    const v18 = await share('react', '18.3.1', '>=18.2.0 <19.0.0-0', async () => module('18'));
    expect(v18).toEqual({ label: '18' });
    expect(await share('react', '19.3.1', '>=19.3.0 <20.0.0-0', async () => module('other 19'))).toBe(v19);
    expect(await share('react', '18.3.0', '>=18.0.0 <19.0.0-0', async () => module('other 18'))).toBe(v18);
    // Same version as a registered copy but a range it does not fit (a fixture declaring ^18 on React 19): its own.
    expect(await share('react', '19.3.1', '>=17.0.0 <18.0.0-0', async () => module('own'))).toEqual({ label: 'own' });
  });

  test('a failed load is not kept: the next request tries again', async () => {
    const share = createShareScope();
    let calls = 0;
    const flaky = async () => (++calls === 1 ? Promise.reject(new Error('offline')) : module('3.5'));
    await expect(share('vue', '3.5.0', '>=3.0.0 <4.0.0-0', flaky)).rejects.toThrow('offline');
    expect(await share('vue', '3.5.0', '>=3.0.0 <4.0.0-0', flaky)).toEqual({ label: '3.5' });
    expect(calls).toBe(2);
  });
});
