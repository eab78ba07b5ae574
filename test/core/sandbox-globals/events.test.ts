/**
 * The context globals: Event, EventTarget, AbortController and AbortSignal, compared with Node's own
 * (and with the DOM standard where Node departs from it).
 */
import { describe, expect, test } from 'vitest';
import { createGlobalsSandbox } from '../sandbox-context.js';
import { expectSame } from './compare.js';

describe('Event and EventTarget', () => {
  test('order, once, capture, handleEvent objects and dedupe', async () => {
    await expectSame(`
      const t = new EventTarget();
      const log = [];
      const a = (e) => log.push(['a', e.type, e.target === t]);
      t.addEventListener('x', a);
      t.addEventListener('x', a);
      t.addEventListener('x', { handleEvent(e) { log.push(['object', this !== t, e.type]); } });
      t.addEventListener('x', () => log.push('once'), { once: true });
      t.addEventListener('x', a, true);
      const e = new Event('x', { cancelable: true });
      const first = t.dispatchEvent(e);
      t.dispatchEvent(new Event('x'));
      t.removeEventListener('x', a);
      t.dispatchEvent(new Event('x'));
      t.removeEventListener('x', a, { capture: true });
      t.dispatchEvent(new Event('x'));
      return { log, first, after: [e.eventPhase, e.currentTarget, e.target === t, e.composedPath().length] };
    `);
  });

  test('removal and addition during dispatch, preventDefault and stopImmediatePropagation', async () => {
    await expectSame(`
      const t = new EventTarget();
      const log = [];
      const second = () => log.push('second');
      const late = () => log.push('late');
      t.addEventListener('y', () => { log.push('first'); t.removeEventListener('y', second); t.addEventListener('y', late); });
      t.addEventListener('y', second);
      t.addEventListener('y', (e) => { e.preventDefault(); log.push(['active', e.defaultPrevented, e.returnValue]); e.stopImmediatePropagation(); });
      t.addEventListener('y', () => log.push('never'));
      const cancelled = t.dispatchEvent(new Event('y', { cancelable: true }));
      const notCancelable = new Event('y');
      const result = t.dispatchEvent(notCancelable);
      return { log, cancelled, result, prevented: notCancelable.defaultPrevented };
    `);
  });

  test('where Node departs from the DOM standard, the standard is followed', () => {
    // Node reports eventPhase 0 and no currentTarget to every listener after the first, ignores
    // `passive`, and lacks the phase constants on Event.prototype.
    const sandbox = createGlobalsSandbox();
    const result = sandbox.run(`(() => {
      const t = new EventTarget();
      const log = [];
      const seen = (e) => log.push([e.eventPhase, e.currentTarget === t, e.composedPath().length]);
      t.addEventListener('x', seen);
      t.addEventListener('x', seen, true);
      t.addEventListener('x', (e) => { e.preventDefault(); log.push(['passive', e.defaultPrevented]); }, { passive: true });
      t.addEventListener('x', (e) => log.push(['after passive', e.defaultPrevented]));
      const notPrevented = t.dispatchEvent(new Event('x', { cancelable: true }));
      const viaReturnValue = new Event('y', { cancelable: true });
      viaReturnValue.returnValue = false;
      return JSON.stringify([log, notPrevented, new Event('x').BUBBLING_PHASE, viaReturnValue.defaultPrevented]);
    })()`);
    // Node also ignores assignments to returnValue.
    expect(JSON.parse(result)).toEqual([[[2, true, 1], [2, true, 1], ['passive', false], ['after passive', false]], true, 3, true]);
  });
  test('a signal removes its listeners', async () => {
    await expectSame(`
      const controller = new AbortController();
      const t = new EventTarget();
      const log = [];
      t.addEventListener('z', () => log.push(1), { signal: controller.signal });
      t.dispatchEvent(new Event('z'));
      controller.abort();
      t.dispatchEvent(new Event('z'));
      t.addEventListener('z', () => log.push(2), { signal: controller.signal });
      t.dispatchEvent(new Event('z'));
      return [log, attempt(() => t.addEventListener('z', () => {}, { signal: {} })).error.name];
    `);
  });

  test('Event properties, constants and argument errors', async () => {
    await expectSame(`
      const e = new Event('q', { bubbles: true, cancelable: true, composed: true });
      const t = new EventTarget();
      return [e.type, e.bubbles, e.cancelable, e.composed, e.defaultPrevented, e.eventPhase, e.isTrusted, e.target, e.srcElement,
        e.returnValue, e.cancelBubble, typeof e.timeStamp, Event.NONE, Event.CAPTURING_PHASE, Event.AT_TARGET, Event.BUBBLING_PHASE,
        Object.prototype.toString.call(e), Object.prototype.toString.call(t),
        attempt(() => new Event()).error.name, attempt(() => t.dispatchEvent({ type: 'q' })).error.name,
        attempt(() => t.addEventListener('q')).error.name, attempt(() => t.addEventListener('q', 1)).error.name];
    `);
  });

  test('a throwing listener is reported and the others still run', () => {
    const sandbox = createGlobalsSandbox();
    const log = sandbox.run(`(() => {
      const t = new EventTarget();
      const log = [];
      t.addEventListener('x', () => { throw new Error('boom'); });
      t.addEventListener('x', null);
      t.addEventListener('x', () => log.push('ran'));
      log.push(t.dispatchEvent(new Event('x')));
      return log;
    })()`);
    expect([...log]).toEqual(['ran', true]);
    expect(sandbox.logs).toHaveLength(1);
    expect(sandbox.logs[0]).toMatch(/^error: Error: boom/);
  });

  test('re-dispatching an event that is being dispatched throws InvalidStateError', () => {
    const sandbox = createGlobalsSandbox();
    const result = sandbox.run(`(() => {
      const t = new EventTarget();
      let inner;
      t.addEventListener('x', (e) => { try { t.dispatchEvent(e); } catch (error) { inner = [error.name, error.code]; } });
      t.dispatchEvent(new Event('x'));
      return inner;
    })()`);
    expect([...result]).toEqual(['InvalidStateError', 11]);
  });
});

describe('AbortController and AbortSignal', () => {
  test('abort, reason, onabort and listeners', async () => {
    await expectSame(`
      const controller = new AbortController();
      const signal = controller.signal;
      const log = [];
      signal.onabort = (e) => log.push(['onabort', e.type, e instanceof Event, e.target === signal]);
      signal.addEventListener('abort', () => log.push('listener'));
      const before = [signal.aborted, signal.reason, attempt(() => signal.throwIfAborted())];
      controller.abort();
      controller.abort('again');
      const r = signal.reason;
      return { before, after: signal.aborted, log, reason: [r.name, r.message, r.code, r instanceof DOMException, r instanceof Error],
        thrown: attempt(() => signal.throwIfAborted()), handler: typeof signal.onabort, same: controller.signal === signal,
        tags: [Object.prototype.toString.call(controller), Object.prototype.toString.call(signal)] };
    `);
  });

  test('custom reasons, AbortSignal.abort, AbortSignal.any and the illegal constructor', async () => {
    await expectSame(`
      const controller = new AbortController();
      controller.abort({ why: 'custom' });
      const abortedNow = AbortSignal.abort('now');
      const a = new AbortController(), b = new AbortController();
      const any = AbortSignal.any([a.signal, b.signal]);
      const log = [];
      any.onabort = () => log.push(['any', any.reason]);
      b.abort('b first');
      a.abort('a second');
      const anyAborted = AbortSignal.any([new AbortController().signal, AbortSignal.abort('already')]);
      let thrown;
      try { abortedNow.throwIfAborted(); } catch (e) { thrown = e; }
      return [controller.signal.reason, abortedNow.aborted, abortedNow.reason, AbortSignal.abort().reason.name, thrown,
        log, any.reason, anyAborted.aborted, anyAborted.reason, attempt(() => new AbortSignal()).error];
    `);
  });

  test('AbortSignal.timeout aborts with a TimeoutError', async () => {
    await expectSame(`
      const signal = AbortSignal.timeout(5);
      const before = signal.aborted;
      await new Promise((resolve) => signal.addEventListener('abort', resolve));
      return [before, signal.aborted, signal.reason.name, signal.reason.message, signal.reason.code];
    `);
  });

  test('AbortSignal.timeout rejects a negative delay', () => {
    // WebIDL's [EnforceRange] makes this a TypeError (Node throws a RangeError).
    const sandbox = createGlobalsSandbox();
    expect(sandbox.run(`(() => { try { AbortSignal.timeout(-1); } catch (e) { return e.name; } })()`)).toBe('TypeError');
  });

  test('AbortSignal.timeout is absent without the delay bridge op', () => {
    const sandbox = createGlobalsSandbox({ delay: false });
    expect(sandbox.run('typeof AbortSignal.timeout')).toBe('undefined');
    expect(sandbox.run('AbortSignal.abort().aborted')).toBe(true);
  });
});
