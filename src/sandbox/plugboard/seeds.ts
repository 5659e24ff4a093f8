/** Demo tenants of the Plugboard sandbox. Not secrets: they only open the local sandbox. */

export interface PlugboardTenantSeed {
  tenant: string;
  /** The API connection's X-ConnectionId: 32 lower-case hex characters. */
  connectionId: string;
  username: string;
  password: string;
  connectionName: string;
  /** ISO 639-2 three-letter code, e.g. "swe". */
  defaultLanguage: string;
  /** Defaults to {@link ALL_PLUGBOARD_PERMISSIONS}. */
  permissions?: string[];
}

/** The permissions of the reference's API root example. */
export const ALL_PLUGBOARD_PERMISSIONS: readonly string[] = Object.freeze([
  'attribute.edit',
  'attribute.view',
  'connection.edit',
  'connection.transfer.trigger',
  'connection.view',
  'contentgroup.edit',
  'contentgroup.view',
  'file.edit',
  'file.view',
  'fileimport.export',
  'fileimport.export.products',
  'fileimport.import',
  'fileimport.import.products',
  'log.view',
  'order.edit',
  'order.view',
  'pricelist.edit',
  'pricelist.view',
  'product.edit',
  'product.view',
  'productcategory.edit',
  'productcategory.view',
  'stats.view',
  'superuser',
  'user.create',
  'user.delete',
  'user.edit',
]);

export const VIEW_ONLY_PERMISSIONS: readonly string[] = Object.freeze(ALL_PLUGBOARD_PERMISSIONS.filter((p) => p.endsWith('.view')));

export const DEMO_PLUGBOARD_TENANTS: readonly PlugboardTenantSeed[] = Object.freeze([
  {
    tenant: 'demo',
    connectionId: '000772bee96aae826403d0ed08590008',
    username: 'demo',
    password: 'demo-password',
    connectionName: 'API',
    defaultLanguage: 'swe',
  },
  {
    tenant: 'nordic',
    connectionId: '4485568eb7e165e3b1bcbb4cc57b0001',
    username: 'nordic',
    password: 'hemlös-lösen',
    connectionName: 'Nordic API',
    defaultLanguage: 'eng',
  },
  {
    tenant: 'viewonly',
    connectionId: '2cd2568eb7e165e3b38b30b3e8c40003',
    username: 'viewer',
    password: 'viewer-password',
    connectionName: 'Read-only API',
    defaultLanguage: 'swe',
    permissions: [...VIEW_ONLY_PERMISSIONS],
  },
]);
