import { describe, expect, test } from 'vitest';
import { createPlacement } from '../../runtime/node/sandbox/placement.js';
import type { Job, Slot } from '../../runtime/node/sandbox/pool.js';

/** A started process as the pool records it: idle unless told otherwise. */
function slot(state: Partial<Slot> = {}): Slot {
  return { ready: true, jobs: new Map(), lastHeard: performance.now(), homes: 0, probation: false, sources: new Map(), ...state } as Slot;
}

const oneJob = () => new Map([[1, {} as Job]]);

describe('placement', () => {
  test.each([
    // Its last job was answered at the deadline (a 504), but its code may still hold the
    // process (and fill its heap): until the process answers the ping, it is not free.
    ['still held by code whose job timed out (ping unanswered)', { pingAt: performance.now() }],
    ['interrupted, not answering yet', { interruptedAt: performance.now() }],
    ['being ended by the pool', { ending: 'went over the sandbox memory limit (96 MB)' }],
  ])('a process %s takes no new version, even when it looks the least loaded', (_, state) => {
    const troubled = slot(state);
    const loaded = slot({ homes: 5, jobs: oneJob() });
    expect(createPlacement([troubled, loaded]).pick('b@1.0.0')).toBe(loaded);
  });

  test('a version leaves its home while another version’s code holds it, or while the pool ends it', () => {
    const first = slot();
    const second = slot({ homes: 1 });
    const placement = createPlacement([first, second]);
    expect(placement.pick('a@1.0.0')).toBe(first);
    Object.assign(first, { pingAt: performance.now(), running: 'x@1.0.0' });
    expect(placement.pick('a@1.0.0')).toBe(second);
    // Back home once its new home is being ended.
    first.pingAt = undefined;
    second.ending = 'stopped answering';
    expect(placement.pick('a@1.0.0')).toBe(first);
  });

  test('the version whose own run holds its home stays there (it would hold up another process too)', () => {
    const home = slot();
    const other = slot();
    const placement = createPlacement([home, other]);
    expect(placement.pick('a@1.0.0')).toBe(home);
    Object.assign(home, { pingAt: performance.now(), running: 'a@1.0.0' });
    expect(placement.pick('a@1.0.0')).toBe(home);
  });
});
