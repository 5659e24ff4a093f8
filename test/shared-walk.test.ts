import { describe, expect, it } from 'vitest';
import { SharedWalks } from '../src/inventory/shared-walk.js';
import { AbandonedError } from '../src/sonlet/http.js';

/** A walk the test finishes by hand, recording whether it was told to stop. */
function heldWalk() {
  const started: AbortSignal[] = [];
  let finish!: (value: string) => void;
  const walk = (signal: AbortSignal) => {
    started.push(signal);
    return new Promise<string>((resolve) => (finish = resolve));
  };
  return { walk, started, finish: (value: string) => finish(value) };
}

describe('a walk shared by several waiters', () => {
  it('runs once for everyone waiting at the same time', async () => {
    const shared = new SharedWalks<string>();
    const held = heldWalk();
    const a = shared.join('seller', new AbortController().signal, held.walk);
    const b = shared.join('seller', new AbortController().signal, held.walk);
    held.finish('summary');
    expect(await Promise.all([a, b])).toEqual(['summary', 'summary']);
    expect(held.started).toHaveLength(1);
  });

  it('goes on while one waiter is left, and stops when the last one leaves', async () => {
    const shared = new SharedWalks<string>();
    const held = heldWalk();
    const first = new AbortController();
    const second = new AbortController();
    const a = shared.join('seller', first.signal, held.walk);
    const b = shared.join('seller', second.signal, held.walk);
    first.abort();
    await expect(a).rejects.toBeInstanceOf(AbandonedError);
    expect(held.started[0].aborted).toBe(false);
    second.abort();
    await expect(b).rejects.toBeInstanceOf(AbandonedError);
    expect(held.started[0].aborted).toBe(true);

    // The next caller starts afresh rather than joining the stopped walk.
    const again = heldWalk();
    const c = shared.join('seller', undefined, again.walk);
    again.finish('fresh');
    expect(await c).toBe('fresh');
  });

  it('a waiter without a signal (a cache that wants the result) keeps the walk going', async () => {
    const shared = new SharedWalks<string>();
    const held = heldWalk();
    const page = new AbortController();
    const fromPage = shared.join('seller', page.signal, held.walk);
    const forCache = shared.join('seller', undefined, held.walk);
    page.abort();
    await expect(fromPage).rejects.toBeInstanceOf(AbandonedError);
    expect(held.started[0].aborted).toBe(false);
    held.finish('kept');
    expect(await forCache).toBe('kept');
  });

  it('walks of different keys are separate, and a caller already gone does not start one', async () => {
    const shared = new SharedWalks<string>();
    const held = heldWalk();
    const gone = AbortSignal.abort();
    await expect(shared.join('a', gone, held.walk)).rejects.toBeInstanceOf(AbandonedError);
    expect(held.started).toHaveLength(0);
    const other = heldWalk();
    const b = shared.join('b', undefined, other.walk);
    other.finish('b');
    expect(await b).toBe('b');
  });
});
