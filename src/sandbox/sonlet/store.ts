/** Mutable state of the Sonlet sandbox, with optional persistence to a JSON file in dataDir. */
import { randomInt } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PRIVATE_FILE, privateDir } from '../private-files.js';
import type {
  AccessTokenRecord,
  GrantRecord,
  ImageRecord,
  ItemRecord,
  RefreshTokenRecord,
  SessionRecord,
} from './model.js';
import { SEED_SIZES, SEED_STYLES, type SeedSize, type SeedStyle } from './seed-catalog.js';
import { generateSeed } from './seed-items.js';

const TOKEN_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** An opaque random string like oauthlib's generate_token (30 chars by default). */
export function randomToken(length = 30): string {
  let out = '';
  for (let i = 0; i < length; i++) out += TOKEN_CHARS[randomInt(TOKEN_CHARS.length)];
  return out;
}

export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

interface PersistedState {
  version: 1;
  nextImagePk: number;
  nextItemPk: number;
  images: ImageRecord[];
  items: ItemRecord[];
  grants: GrantRecord[];
  accessTokens: AccessTokenRecord[];
  refreshTokens: RefreshTokenRecord[];
  sessions: SessionRecord[];
  idempotency: [string, [string, number][]][];
  /** Quantities of seeded items changed with the tools page (seeded items themselves are not saved). */
  seedQuantities?: [number, number][];
  /** Seeded items removed with the tools page (the seed would bring them back otherwise). */
  removedSeedItems?: number[];
}

function byNewest(a: { created: string; pk: number }, b: { created: string; pk: number }): number {
  return a.created < b.created ? 1 : a.created > b.created ? -1 : b.pk - a.pk;
}

export class SandboxStore {
  readonly styles = new Map<number, SeedStyle>(SEED_STYLES.map((s) => [s.pk, s]));
  readonly sizes = new Map<number, SeedSize>(SEED_SIZES.map((s) => [s.pk, s]));
  readonly images = new Map<number, ImageRecord>();
  readonly items = new Map<number, ItemRecord>();
  readonly grants = new Map<string, GrantRecord>();
  readonly accessTokens = new Map<string, AccessTokenRecord>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly sessions = new Map<string, SessionRecord>();
  /** username -> key -> first seen (ms). */
  readonly idempotency = new Map<string, Map<string, number>>();
  nextImagePk = 1;
  nextItemPk = 1;

  private readonly seedImagePks = new Set<number>();
  private readonly seedItemPks = new Set<number>();
  private readonly changedSeedQuantities = new Set<number>();
  private readonly removedSeedItems = new Set<number>();
  private itemsBySeller = new Map<string, ItemRecord[]>();
  private imagesBySeller = new Map<string, ImageRecord[]>();
  private saveTimer: NodeJS.Timeout | null = null;
  private saving: Promise<void> = Promise.resolve();

  private constructor(private readonly stateFile: string | null) {}

  static async open(stateFile: string | null): Promise<SandboxStore> {
    const store = new SandboxStore(stateFile);
    const seed = generateSeed();
    for (const img of seed.images) {
      store.images.set(img.pk, img);
      store.seedImagePks.add(img.pk);
    }
    for (const item of seed.items) {
      store.items.set(item.pk, item);
      store.seedItemPks.add(item.pk);
    }
    store.nextImagePk = Math.max(...seed.images.map((i) => i.pk)) + 1;
    store.nextItemPk = Math.max(...seed.items.map((i) => i.pk)) + 1;
    if (stateFile) await store.load(stateFile);
    store.reindex();
    return store;
  }

  private async load(file: string): Promise<void> {
    let raw: string;
    try {
      raw = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    const state = JSON.parse(raw) as PersistedState;
    if (state.version !== 1) return;
    for (const img of state.images) this.images.set(img.pk, img);
    for (const item of state.items) this.items.set(item.pk, item);
    for (const g of state.grants) this.grants.set(g.code, g);
    for (const t of state.accessTokens) this.accessTokens.set(t.token, t);
    for (const t of state.refreshTokens) this.refreshTokens.set(t.token, t);
    for (const s of state.sessions) this.sessions.set(s.id, s);
    for (const [user, keys] of state.idempotency) this.idempotency.set(user, new Map(keys));
    for (const [pk, quantity] of state.seedQuantities ?? []) {
      const item = this.items.get(pk);
      if (!item || !this.seedItemPks.has(pk)) continue;
      item.quantity = quantity;
      this.changedSeedQuantities.add(pk);
    }
    for (const pk of state.removedSeedItems ?? []) {
      if (!this.seedItemPks.has(pk)) continue;
      this.items.delete(pk);
      this.removedSeedItems.add(pk);
    }
    this.nextImagePk = Math.max(this.nextImagePk, state.nextImagePk);
    this.nextItemPk = Math.max(this.nextItemPk, state.nextItemPk);
  }

  private reindex(): void {
    this.itemsBySeller = new Map();
    this.imagesBySeller = new Map();
    for (const item of this.items.values()) {
      const list = this.itemsBySeller.get(item.owner) ?? [];
      list.push(item);
      this.itemsBySeller.set(item.owner, list);
    }
    for (const img of this.images.values()) {
      const list = this.imagesBySeller.get(img.owner) ?? [];
      list.push(img);
      this.imagesBySeller.set(img.owner, list);
    }
    for (const list of this.itemsBySeller.values()) list.sort(byNewest);
    for (const list of this.imagesBySeller.values()) list.sort(byNewest);
  }

  /** The seller's items, newest first. Do not mutate. */
  sellerItems(username: string): readonly ItemRecord[] {
    return this.itemsBySeller.get(username) ?? [];
  }

  /** The seller's images, newest first. Do not mutate. */
  sellerImages(username: string): readonly ImageRecord[] {
    return this.imagesBySeller.get(username) ?? [];
  }

  addImage(img: Omit<ImageRecord, 'pk'>): ImageRecord {
    const record: ImageRecord = { ...img, pk: this.nextImagePk++ };
    this.images.set(record.pk, record);
    const list = this.imagesBySeller.get(record.owner) ?? [];
    list.push(record);
    list.sort(byNewest);
    this.imagesBySeller.set(record.owner, list);
    this.changed();
    return record;
  }

  addItem(item: Omit<ItemRecord, 'pk'>): ItemRecord {
    const record: ItemRecord = { ...item, pk: this.nextItemPk++ };
    this.items.set(record.pk, record);
    const list = this.itemsBySeller.get(record.owner) ?? [];
    list.push(record);
    list.sort(byNewest);
    this.itemsBySeller.set(record.owner, list);
    this.changed();
    return record;
  }

  /** The sandbox's own tool (Sonlet's API has no item update): an item's quantity, e.g. 0 for sold out. */
  setQuantity(pk: number, quantity: number): void {
    const item = this.items.get(pk);
    if (!item) throw new Error(`No item ${pk}`);
    item.quantity = quantity;
    if (this.seedItemPks.has(pk)) this.changedSeedQuantities.add(pk);
    this.changed();
  }

  /** The sandbox's own tool: an item as after the seller deletes it in Sonlet (the API then answers 404 for it). */
  removeItem(pk: number): void {
    const item = this.items.get(pk);
    if (!item) throw new Error(`No item ${pk}`);
    this.items.delete(pk);
    const list = this.itemsBySeller.get(item.owner);
    if (list) this.itemsBySeller.set(item.owner, list.filter((i) => i.pk !== pk));
    if (this.seedItemPks.has(pk)) {
      this.removedSeedItems.add(pk);
      this.changedSeedQuantities.delete(pk);
    }
    this.changed();
  }

  /**
   * Records an idempotency key for a user. Returns false when the key was already seen within
   * the 24-hour window (a duplicate request).
   */
  spendIdempotencyKey(username: string, key: string, now = Date.now()): boolean {
    let keys = this.idempotency.get(username);
    if (!keys) {
      keys = new Map();
      this.idempotency.set(username, keys);
    }
    const seen = keys.get(key);
    if (seen !== undefined && now - seen < IDEMPOTENCY_WINDOW_MS) return false;
    keys.set(key, now);
    for (const [k, t] of keys) if (now - t >= IDEMPOTENCY_WINDOW_MS) keys.delete(k);
    this.changed();
    return true;
  }

  /** Marks the state as modified; persisted shortly after (coalesced) when a state file is set. */
  changed(): void {
    if (!this.stateFile || this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = null;
      void this.save();
    }, 25);
    this.saveTimer.unref();
  }

  private save(): Promise<void> {
    const file = this.stateFile;
    if (!file) return Promise.resolve();
    const now = Date.now();
    const state: PersistedState = {
      version: 1,
      nextImagePk: this.nextImagePk,
      nextItemPk: this.nextItemPk,
      images: [...this.images.values()].filter((i) => !this.seedImagePks.has(i.pk)),
      items: [...this.items.values()].filter((i) => !this.seedItemPks.has(i.pk)),
      grants: [...this.grants.values()].filter((g) => g.expiresAt > now),
      accessTokens: [...this.accessTokens.values()],
      refreshTokens: [...this.refreshTokens.values()],
      sessions: [...this.sessions.values()],
      idempotency: [...this.idempotency].map(([user, keys]) => [user, [...keys]]),
      seedQuantities: [...this.changedSeedQuantities].map((pk) => [pk, this.items.get(pk)!.quantity]),
      removedSeedItems: [...this.removedSeedItems],
    };
    const json = JSON.stringify(state);
    this.saving = this.saving
      .catch(() => undefined)
      .then(async () => {
        await privateDir(path.dirname(file));
        const tmp = `${file}.${process.pid}.tmp`;
        await writeFile(tmp, json, { mode: PRIVATE_FILE });
        await rename(tmp, file);
      });
    return this.saving;
  }

  /** Writes pending changes now. */
  async flush(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = null;
    }
    if (this.stateFile) await this.save();
  }
}
