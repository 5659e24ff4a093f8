/**
 * Creating something at Sonlet exactly once, by Sonlet's rules (reference: "Idempotency"):
 *
 * - Every create carries an X-Idempotency-Key. A repeat of a key within 24 hours answers
 *   403 "Duplicate request detected." (DuplicateRequestError), which only says an earlier request
 *   *reached* Sonlet, not that it succeeded: the caller's `find` looks for what it would have made.
 * - A send with no answer (timeout, dropped connection, 5xx) may still commit at Sonlet after we gave
 *   up. Until IN_FLIGHT_WINDOW_MS after such a send, "duplicate, and nothing found" means "look again
 *   later", never "send again with a fresh key".
 * - Sonlet forgets a key after 24 hours, and then a repeat would create a second object. A key made
 *   more than KEY_REUSE_LIMIT_MS ago is never sent again blindly: look first, then use a fresh key.
 *
 * The inputs are keys, times and two functions, nothing of the console's own rows: `remember` is how
 * the caller stores the key state so the next attempt (perhaps in another process) carries on from it.
 */
import { randomUUID } from 'node:crypto';
import { DomainError, isTransient, ProviderUnavailableError } from '../errors.js';
import { DuplicateRequestError, type SonletApi } from './api-client.js';
import type { Clock } from '../clock.js';
import type { SonletPage } from './types.js';

/** An idempotency key and what is known about its sends. */
export interface CreateKey {
  key: string;
  /** When the key was made (it is sent right after), so Sonlet remembers it until at least 24 h later. */
  issuedAt: Date;
  /** When a send with this key last had an unknown outcome; null when none is pending. */
  inFlightSince: Date | null;
}

export interface CreateOnce<T> {
  key: CreateKey;
  create: (key: string) => Promise<T>;
  /** What an earlier request with this step's key may have created; null when there is none. */
  find: () => Promise<T | null>;
  /** Stores a changed key state (a fresh key, or a send whose outcome is unknown). */
  remember: (key: CreateKey) => Promise<void>;
  clock: Clock;
  sleep?: (ms: number) => Promise<void>;
}

/** Sonlet remembers a key for 24 hours; an hour's margin for clocks and queues. */
export const KEY_REUSE_LIMIT_MS = 23 * 3600_000;
export const IN_FLIGHT_WINDOW_MS = 90_000;
/** Quick retries with the same key inside one attempt, before the task's slower backoff takes over. */
const QUICK_RETRY_DELAYS_MS = [200, 600, 1500];
/** How many times one attempt may start over with a fresh key. */
const MAX_FRESH_KEYS = 3;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function freshKey(clock: Clock): CreateKey {
  return { key: randomUUID(), issuedAt: new Date(clock.now()), inFlightSince: null };
}

export async function createOnce<T>({ key, create, find, remember, clock, sleep = realSleep }: CreateOnce<T>): Promise<T> {
  let current = key;
  const renew = async () => {
    current = freshKey(clock);
    await remember(current);
  };
  if (clock.now() - current.issuedAt.getTime() > KEY_REUSE_LIMIT_MS) {
    const found = await find();
    if (found !== null) return found;
    await renew();
  }
  let quick = 0;
  let fresh = 0;
  for (;;) {
    try {
      return await create(current.key);
    } catch (err) {
      if (err instanceof DuplicateRequestError) {
        const found = await find();
        if (found !== null) return found;
        if (current.inFlightSince && clock.now() - current.inFlightSince.getTime() < IN_FLIGHT_WINDOW_MS) {
          throw new ProviderUnavailableError('Sonlet', 'has not finished an earlier attempt at this yet; the console will look again shortly');
        }
        if (++fresh > MAX_FRESH_KEYS) throw new ProviderUnavailableError('Sonlet', 'keeps refusing this as a duplicate');
        await renew();
        continue;
      }
      if (!isTransient(err)) throw err;
      // No answer, or a 5xx: Sonlet may have committed it anyway.
      if (!current.inFlightSince) {
        current = { ...current, inFlightSince: new Date(clock.now()) };
        await remember(current);
      }
      if (quick >= QUICK_RETRY_DELAYS_MS.length) throw err;
      await sleep(QUICK_RETRY_DELAYS_MS[quick++]!);
    }
  }
}

/** Sonlet's clock and ours may disagree a little when matching "created after we started". */
export const CLOCK_SKEW_MS = 2 * 60_000;
/** After a 403 Duplicate, the answer may still be committing: look now, then once more a moment later. */
const LOOK_DELAYS_MS = [150, 1000];
/** Pages of a list looked at when searching for what was created lately. */
const RECENT_PAGES = 5;

/** Digests of Sonlet's images (which never change), remembered across searches. */
export class ImageDigests {
  private readonly known = new Map<number, string>();

  constructor(private readonly limit = 5000) {}

  async of(api: SonletApi, image: { pk: number; url: string }, bytes: number): Promise<string | null> {
    const known = this.known.get(image.pk);
    if (known) return known;
    const digest = await api.mediaDigest(image.url, bytes);
    if (digest) {
      this.known.set(image.pk, digest);
      if (this.known.size > this.limit) this.known.delete(this.known.keys().next().value!);
    }
    return digest;
  }
}

export interface ImageMatch {
  sha256: string;
  bytes: number;
  /** Earliest creation time an earlier attempt's image can have (epoch ms). */
  since: number;
  /** Of these image pks, the ones other uploads already own. */
  taken: (pks: number[]) => Promise<Set<number>>;
}

/**
 * The image an earlier attempt created: same bytes (SHA-256 of Sonlet's copy), created since
 * `since`, owned by no one else. Oldest first, so of two identical photos each takes the earlier free copy.
 */
export async function findImageByContent(api: SonletApi, digests: ImageDigests, match: ImageMatch, sleep = realSleep): Promise<number | null> {
  for (const delay of LOOK_DELAYS_MS) {
    await sleep(delay);
    const candidates: Array<{ pk: number; url: string }> = [];
    for await (const images of recentPages((page) => api.listImages(page), match.since)) {
      for (const image of images) if (Date.parse(image.created) >= match.since) candidates.push({ pk: image.pk, url: image.image_full });
    }
    if (!candidates.length) continue;
    const taken = await match.taken(candidates.map((c) => c.pk));
    for (const candidate of candidates.filter((c) => !taken.has(c.pk)).sort((a, b) => a.pk - b.pk)) {
      if ((await digests.of(api, candidate, match.bytes)) === match.sha256) return candidate.pk;
    }
  }
  return null;
}

export interface ItemMatch {
  imageId: number;
  itemchoiceId: number;
  sizeId: number;
  since: number;
  /** Whether another upload already owns this item pk. */
  taken: (pk: number) => Promise<boolean>;
}

/** The item an earlier attempt created: on our image (ours alone), of our style and size. */
export async function findItemOnImage(api: SonletApi, match: ItemMatch, sleep = realSleep): Promise<number | null> {
  for (const delay of LOOK_DELAYS_MS) {
    await sleep(delay);
    for await (const items of recentPages((page) => api.listItems({ page, itemchoiceId: match.itemchoiceId, sizeId: match.sizeId }), match.since)) {
      const found = items.find((item) => item.image?.pk === match.imageId);
      if (found && !(await match.taken(found.pk))) return found.pk;
    }
  }
  return null;
}

function newestFirst(results: Array<{ created: string }>): boolean {
  return results.length < 2 || Date.parse(results[0]!.created) >= Date.parse(results[results.length - 1]!.created);
}

/**
 * The pages of a seller's list most likely to hold what was created since `since`, most recent
 * first, at most RECENT_PAGES of them. Sonlet's docs do not say how lists are ordered: newest first
 * is walked from page 1 until pages get older than `since`; oldest first from the last page back.
 */
export async function* recentPages<T extends { created: string }>(
  fetchPage: (page: number) => Promise<SonletPage<T>>,
  since: number,
): AsyncGenerator<T[]> {
  const read = (page: number) =>
    fetchPage(page).catch((err: unknown) => {
      if (err instanceof DomainError && (err.kind === 'not-found' || err.kind === 'invalid-page')) return null;
      throw err;
    });
  const first = await read(1);
  if (!first) return;
  const descending = newestFirst(first.results);
  const pageSize = first.results.length || 1;
  const lastPage = Math.max(1, Math.ceil(first.count / pageSize));
  let page = descending ? 1 : lastPage;
  let current: SonletPage<T> | null = page === 1 ? first : await read(page);
  for (let seen = 1; current; seen++) {
    yield current.results;
    const older = current.results.some((r) => Date.parse(r.created) < since);
    page += descending ? 1 : -1;
    if (older || seen >= RECENT_PAGES || page < 1 || page > lastPage || (descending && !current.next)) return;
    current = await read(page);
  }
}
