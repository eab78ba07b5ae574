/**
 * Cut-offs: a component version that keeps timing out or crashing its sandbox is refused for
 * a cool-down (a fast 503 with `Retry-After`), so it stops taking sandbox time from everyone
 * else. After the cool-down one request is let through; if it fails again, the cool-down
 * doubles (up to ten times the first).
 */
import { createError, type Mikr0Error } from '../../shared/errors.js';

export interface BreakerOptions {
  /** Failures (timeouts, crashes, memory kills) that cut a version off (default 3). */
  failures?: number;
  /** Window in which they are counted, ms (default 60 000). */
  windowMs?: number;
  /** First cool-down, ms (default 30 000). */
  cooldownMs?: number;
}

interface State {
  failures: number[];
  openUntil: number;
  cooldown: number;
  trial: boolean;
  last: string;
}

export function createBreaker(options: BreakerOptions = {}) {
  const limit = options.failures ?? 3;
  const windowMs = options.windowMs ?? 60_000;
  const cooldownMs = options.cooldownMs ?? 30_000;
  const states = new Map<string, State>();

  /** Versions with only old failures and no cut-off running are forgotten: memory stays bounded. */
  function forget(now: number) {
    for (const [key, state] of states) {
      if (now >= state.openUntil && !state.trial && state.failures.every((t) => now - t >= windowMs)) states.delete(key);
    }
  }

  return {
    /** A 503 when `key` is cut off; null when it may run. */
    check(key: string, now = Date.now()): Mikr0Error | null {
      const state = states.get(key);
      if (!state || state.openUntil === 0) return null;
      if (now < state.openUntil) {
        const seconds = Math.ceil((state.openUntil - now) / 1000);
        return createError({
          status: 503,
          code: 'SUSPENDED',
          message: `${key} is cut off for ${seconds} s: its server code failed ${limit} times within ${Math.round(windowMs / 1000)} s (last: ${state.last}). Other components are not affected; fix it and publish a new version.`,
          headers: { 'Retry-After': String(seconds) },
        });
      }
      if (state.trial) {
        // The one trial request is already running.
        return createError({ status: 503, code: 'SUSPENDED', message: `${key} is being tried again after a cut-off; retry in a moment`, headers: { 'Retry-After': '1' } });
      }
      state.trial = true;
      return null;
    },

    /** Records a failure; true when it cut the version off. */
    failure(key: string, reason: string, now = Date.now()): boolean {
      if (states.size >= MAX_TRACKED && !states.has(key)) forget(now);
      const state = states.get(key) ?? { failures: [], openUntil: 0, cooldown: cooldownMs, trial: false, last: reason };
      states.set(key, state);
      state.last = reason;
      if (state.trial) {
        state.trial = false;
        state.cooldown = Math.min(state.cooldown * 2, cooldownMs * 10);
        state.openUntil = now + state.cooldown;
        return true;
      }
      state.failures = state.failures.filter((t) => now - t < windowMs);
      state.failures.push(now);
      if (state.failures.length < limit || now < state.openUntil) return false;
      state.openUntil = now + state.cooldown;
      state.failures = [];
      return true;
    },

    /** Versions it keeps state for. */
    tracked: () => states.size,

    success(key: string) {
      const state = states.get(key);
      if (state?.trial) states.delete(key);
    },
  };
}

/** Versions the breaker keeps state for before it forgets the quiet ones. */
const MAX_TRACKED = 10_000;

export type Breaker = ReturnType<typeof createBreaker>;
