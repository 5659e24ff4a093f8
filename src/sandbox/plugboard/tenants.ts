/** A tenant of the Plugboard sandbox: its API connection, its web shop, and what it stores. */
import { createHash, randomBytes } from 'node:crypto';
import type { StoredFile } from './files.js';
import type { StoredOrder } from './orders.js';
import type { StoredProduct } from './products.js';
import { ALL_PLUGBOARD_PERMISSIONS, type PlugboardTenantSeed } from './seeds.js';
import { language } from './values.js';

export interface Tenant {
  seed: PlugboardTenantSeed;
  permissions: readonly string[];
  defaultLanguage: string;
  /** The tenant's web shop, a connection of its own: the source of orders placed at the tool page. */
  webshop: { connectionId: string; connectionName: string };
  products: Map<string, StoredProduct>;
  orders: Map<string, StoredOrder>;
  files: Map<string, StoredFile>;
}

export function tenantFromSeed(seed: PlugboardTenantSeed): Tenant {
  const problem = !/^[0-9a-f]{32}$/.test(seed.connectionId)
    ? 'connectionId must be 32 lower-case hex characters'
    : seed.username.includes(':')
      ? 'a Basic auth username cannot contain ":"'
      : language(seed.defaultLanguage) === null
        ? `unknown defaultLanguage ${seed.defaultLanguage}`
        : null;
  if (problem) throw new Error(`Plugboard sandbox tenant ${seed.tenant}: ${problem}`);
  return {
    seed,
    permissions: [...(seed.permissions ?? ALL_PLUGBOARD_PERMISSIONS)],
    defaultLanguage: language(seed.defaultLanguage)!,
    webshop: {
      connectionId: createHash('sha256').update(`webshop:${seed.tenant}`).digest('hex').slice(0, 32),
      connectionName: 'Web shop',
    },
    products: new Map(),
    orders: new Map(),
    files: new Map(),
  };
}

export function hasPermission(t: Tenant, permission: string): boolean {
  return t.permissions.includes(permission) || t.permissions.includes('superuser');
}

/** A fresh localId: 32 hex characters, like the reference's, unique within the tenant. */
export function newLocalId(t: Tenant): string {
  for (;;) {
    const id = randomBytes(16).toString('hex');
    if (!t.products.has(id) && !t.orders.has(id) && !t.files.has(id)) return id;
  }
}

/** lastModified moves on every change, even two within the same millisecond. */
export function nextModified(now: number, previous: number): number {
  return Math.max(now, previous + 1);
}
