/**
 * Keeps the Plugboard sandbox's products, orders and files across restarts in sandbox mode:
 * records in state.json, each file's bytes in files/<tenant>/<localId>; files 0600 in folders 0700.
 */
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PRIVATE_FILE, privateDir } from '../private-files.js';
import type { StoredFile } from './files.js';
import type { StoredOrder } from './orders.js';
import type { StoredProduct } from './products.js';
import type { Tenant } from './tenants.js';

interface SavedTenant {
  products: StoredProduct[];
  orders: StoredOrder[];
  files: (Omit<StoredFile, 'data'> & { hasData: boolean })[];
}

interface SavedState {
  version: 1;
  tenants: Record<string, SavedTenant>;
}

export interface Persistence {
  /** Saves soon (changes close together are written once). */
  changed(): void;
  /** Writes what is pending now. */
  flush(): Promise<void>;
}

const SAVE_DELAY_MS = 25;

/** Loads what an earlier run saved into `tenants` (unknown tenants are skipped), then saves on change. */
export function persistIn(dataDir: string, tenants: Map<string, Tenant>): Persistence {
  const stateFile = path.join(dataDir, 'state.json');
  const bytesFile = (tenant: string, localId: string) => path.join(dataDir, 'files', tenant, localId);
  const savedBytes = new Map<string, number>();
  load(stateFile, tenants, bytesFile, savedBytes);

  let timer: NodeJS.Timeout | null = null;
  let saving: Promise<void> = Promise.resolve();
  const save = () => {
    const state: SavedState = { version: 1, tenants: {} };
    const pendingBytes: { file: string; key: string; data: Buffer; modified: number }[] = [];
    for (const [name, t] of tenants) {
      state.tenants[name] = {
        products: [...t.products.values()],
        orders: [...t.orders.values()],
        files: [...t.files.values()].map(({ data, ...record }) => ({ ...record, hasData: data !== null })),
      };
      for (const f of t.files.values()) {
        const key = `${name}/${f.localId}`;
        if (f.data && savedBytes.get(key) !== f.lastModified) pendingBytes.push({ file: bytesFile(name, f.localId), key, data: f.data, modified: f.lastModified });
      }
    }
    const json = JSON.stringify(state);
    saving = saving
      .catch(() => undefined)
      .then(async () => {
        for (const b of pendingBytes) {
          await privateDir(path.dirname(b.file));
          await writeFile(b.file, b.data, { mode: PRIVATE_FILE });
          savedBytes.set(b.key, b.modified);
        }
        await privateDir(dataDir);
        const tmp = `${stateFile}.${process.pid}.tmp`;
        await writeFile(tmp, json, { mode: PRIVATE_FILE });
        await rename(tmp, stateFile);
      });
    return saving;
  };
  return {
    changed() {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        void save();
      }, SAVE_DELAY_MS);
      timer.unref();
    },
    async flush() {
      if (timer) clearTimeout(timer);
      timer = null;
      await save();
    },
  };
}

function load(stateFile: string, tenants: Map<string, Tenant>, bytesFile: (t: string, id: string) => string, savedBytes: Map<string, number>): void {
  let state: SavedState;
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as SavedState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new Error(`Plugboard sandbox: cannot read ${stateFile}: ${(err as Error).message}`);
  }
  if (state.version !== 1) return;
  for (const [name, saved] of Object.entries(state.tenants)) {
    const t = tenants.get(name);
    if (!t) continue;
    for (const p of saved.products) t.products.set(p.localId, p);
    for (const o of saved.orders) t.orders.set(o.localId, o);
    for (const { hasData, ...record } of saved.files) {
      let data: Buffer | null = null;
      if (hasData) {
        try {
          data = readFileSync(bytesFile(name, record.localId));
          savedBytes.set(`${name}/${record.localId}`, record.lastModified);
        } catch {
          data = null;
        }
      }
      t.files.set(record.localId, { ...record, data });
    }
  }
}
