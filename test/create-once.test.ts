/**
 * Sonlet's create-once rules as pure logic: the create and the search are plain functions here and
 * time is a clock the test moves; nothing sleeps. (Against the real sandbox: test/uploads.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { createOnce, IN_FLIGHT_WINDOW_MS, KEY_REUSE_LIMIT_MS, recentPages, type CreateKey } from '../src/sonlet/create-once.js';
import { DuplicateRequestError, SonletRejectedError } from '../src/sonlet/api-client.js';
import { InvalidPageError } from '../src/sonlet/api-client.js';
import { ProviderUnavailableError } from '../src/errors.js';
import type { SonletPage } from '../src/sonlet/types.js';

const T0 = Date.parse('2026-06-01T12:00:00Z');

/** A Sonlet stand-in for one create: answers in the order given; records what it was sent. */
function scenario(answers: Array<'ok' | 'duplicate' | 'timeout' | 'rejected'>, opts: { found?: number | null; issuedAgoMs?: number; inFlightAgoMs?: number | null } = {}) {
  const clock = { t: T0, now() { return this.t; } };
  const sent: string[] = [];
  const remembered: CreateKey[] = [];
  const events: string[] = [];
  const slept: number[] = [];
  const key: CreateKey = {
    key: 'key-1',
    issuedAt: new Date(T0 - (opts.issuedAgoMs ?? 0)),
    inFlightSince: opts.inFlightAgoMs == null ? null : new Date(T0 - opts.inFlightAgoMs),
  };
  const run = () =>
    createOnce({
      key,
      clock,
      sleep: async (ms) => {
        slept.push(ms);
        clock.t += ms;
      },
      create: async (k) => {
        sent.push(k);
        events.push(`create ${k === 'key-1' ? 'old' : 'fresh'}`);
        const answer = answers.shift() ?? 'ok';
        if (answer === 'duplicate') throw new DuplicateRequestError();
        if (answer === 'timeout') throw new ProviderUnavailableError('Sonlet', 'did not answer in time', { timedOut: true });
        if (answer === 'rejected') throw new SonletRejectedError(400, 'size_id: invalid');
        return 100 + sent.length;
      },
      find: async () => {
        events.push('find');
        return opts.found ?? null;
      },
      remember: async (k) => void remembered.push(k),
    });
  return { run, sent, remembered, events, slept, clock };
}

describe('creating once at Sonlet', () => {
  it('sends the stored key; a first answer is the created object', async () => {
    const s = scenario(['ok']);
    expect(await s.run()).toBe(101);
    expect(s.sent).toEqual(['key-1']);
    expect(s.remembered).toEqual([]);
  });

  it('a 403 Duplicate is an earlier attempt that got there: the object it made is found, nothing is sent again', async () => {
    const s = scenario(['duplicate'], { found: 77 });
    expect(await s.run()).toBe(77);
    expect(s.events).toEqual(['create old', 'find']);
  });

  it('a 403 Duplicate with nothing to find and no send in flight: a fresh key, remembered before it is sent', async () => {
    const s = scenario(['duplicate', 'ok']);
    expect(await s.run()).toBe(102);
    expect(s.sent[1]).not.toBe('key-1');
    expect(s.remembered).toEqual([{ key: s.sent[1], issuedAt: new Date(T0), inFlightSince: null }]);
  });

  it('no answer: the same key again after short pauses; the unknown outcome is remembered for later runs', async () => {
    const s = scenario(['timeout', 'timeout', 'ok']);
    expect(await s.run()).toBe(103);
    expect(s.sent).toEqual(['key-1', 'key-1', 'key-1']);
    expect(s.slept).toEqual([200, 600]);
    expect(s.remembered).toEqual([{ key: 'key-1', issuedAt: new Date(T0), inFlightSince: new Date(T0) }]);
  });

  it('while an unknown outcome may still land, "duplicate and nothing found" means look again later, never a fresh key', async () => {
    const s = scenario(['timeout', 'duplicate']);
    await expect(s.run()).rejects.toThrow(/has not finished an earlier attempt/);
    expect(s.sent).toEqual(['key-1', 'key-1']);
    // The next run (a moment later, from the row) still does not mint a new key.
    const later = scenario(['duplicate'], { inFlightAgoMs: IN_FLIGHT_WINDOW_MS - 1 });
    await expect(later.run()).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(later.sent).toEqual(['key-1']);
  });

  it('once the in-flight window has passed with nothing to find, a fresh key is used', async () => {
    const s = scenario(['duplicate', 'ok'], { inFlightAgoMs: IN_FLIGHT_WINDOW_MS + 1 });
    expect(await s.run()).toBe(102);
    expect(s.sent).toEqual(['key-1', expect.not.stringMatching(/^key-1$/)]);
  });

  it('a key made more than 23 hours ago is never reused blindly: look first, then a fresh key', async () => {
    const s = scenario(['ok'], { issuedAgoMs: KEY_REUSE_LIMIT_MS + 1 });
    expect(await s.run()).toBe(101);
    expect(s.events).toEqual(['find', 'create fresh']);
    expect(s.sent).not.toContain('key-1');
    expect(s.remembered[0]).toMatchObject({ issuedAt: new Date(T0), inFlightSince: null });

    const found = scenario(['ok'], { issuedAgoMs: 30 * 3600_000, found: 55 });
    expect(await found.run()).toBe(55);
    expect(found.sent).toEqual([]);
  });

  it('a key younger than that is sent as it is', async () => {
    const s = scenario(['ok'], { issuedAgoMs: KEY_REUSE_LIMIT_MS - 1 });
    await s.run();
    expect(s.events).toEqual(['create old']);
  });

  it('gives up (for the task to try later) when every fresh key is refused as a duplicate too', async () => {
    const s = scenario(['duplicate', 'duplicate', 'duplicate', 'duplicate', 'ok']);
    await expect(s.run()).rejects.toThrow(/keeps refusing this as a duplicate/);
    expect(s.sent).toHaveLength(4);
  });

  it('a refusal is not retried', async () => {
    const s = scenario(['rejected']);
    await expect(s.run()).rejects.toBeInstanceOf(SonletRejectedError);
    expect(s.sent).toHaveLength(1);
  });
});

/** A seller's list at Sonlet: `total` things created a minute apart, in pages of 20. */
function sonletList(total: number, order: 'newest' | 'oldest') {
  const all = Array.from({ length: total }, (_, i) => ({ pk: i + 1, created: new Date(T0 + i * 60_000).toISOString() }));
  if (order === 'newest') all.reverse();
  const reads: number[] = [];
  const fetchPage = async (page: number): Promise<SonletPage<{ pk: number; created: string }>> => {
    reads.push(page);
    const results = all.slice((page - 1) * 20, page * 20);
    if (!results.length && page > 1) throw new InvalidPageError();
    return { count: total, next: page * 20 < total ? `?page=${page + 1}` : null, previous: null, results };
  };
  return { fetchPage, reads, createdAt: (pk: number) => T0 + (pk - 1) * 60_000 };
}

async function scan(list: ReturnType<typeof sonletList>, since: number) {
  const pages: number[][] = [];
  for await (const page of recentPages(list.fetchPage, since)) pages.push(page.map((r) => r.pk));
  return pages;
}

describe('scanning the recent pages of a list', () => {
  it('newest first: from page 1 until a page reaches back past `since`', async () => {
    const list = sonletList(100, 'newest');
    const pages = await scan(list, list.createdAt(75));
    expect(list.reads).toEqual([1, 2]);
    expect(pages.flat()).toContain(75);
  });

  it('oldest first: from the last page backwards', async () => {
    const list = sonletList(100, 'oldest');
    const pages = await scan(list, list.createdAt(70));
    expect(list.reads).toEqual([1, 5, 4]);
    expect(pages[0]).toEqual(Array.from({ length: 20 }, (_, i) => 81 + i));
    expect(pages.flat()).toContain(70);
  });

  it('looks at five pages at the most', async () => {
    const list = sonletList(400, 'newest');
    const pages = await scan(list, 0);
    expect(pages).toHaveLength(5);
    expect(list.reads).toEqual([1, 2, 3, 4, 5]);
  });

  it('a short list, an empty one, and a page that has gone meanwhile', async () => {
    const short = sonletList(7, 'newest');
    expect(await scan(short, 0)).toEqual([[7, 6, 5, 4, 3, 2, 1]]);
    expect(await scan(sonletList(0, 'newest'), 0)).toEqual([[]]);
    const shrinking = sonletList(100, 'oldest');
    const fetchPage = shrinking.fetchPage;
    // The last page disappears between reading page 1 and reading it.
    const gone = { ...shrinking, fetchPage: (page: number) => (page === 5 ? Promise.reject(new InvalidPageError()) : fetchPage(page)) };
    expect(await scan(gone, 0)).toEqual([]);
  });
});
