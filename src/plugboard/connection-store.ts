/**
 * A seller's Plugboard connection settings: verified against the API root before they are stored,
 * stored per seller with the password sealed by the token cipher and never handed back, and turned
 * into a {@link PlugboardClient} for publishing. A saved password only ever goes with the address,
 * tenant, connection id and username it was saved with: changing any of them needs it typed again.
 */
import type { PrismaClient, PlugboardConnection } from '../generated/prisma/client.js';
import type { TokenCipher } from '../crypto/token-cipher.js';
import type { CacheInvalidation } from '../db/cache-invalidation.js';
import { DomainError } from '../errors.js';
import type { Resolver } from '../net/address-rule.js';
import { PlugboardClient, PlugboardConfigError, PlugboardError, type PlugboardCredentials } from './client.js';
import { sellerErrorOf } from './errors.js';
import type { ShopSettings } from './product-mapping.js';
import {
  InvalidPlugboardSettingsError,
  identityOf,
  parsePreferences,
  sameIdentity,
  type PlugboardSettingsInput,
  type SettingsField,
  type ShopPreferences,
} from './settings-input.js';
import type { PlugboardApiRoot } from './types.js';
import { plugboardLanguage } from './format.js';

export { InvalidPlugboardSettingsError, type PlugboardSettingsInput } from './settings-input.js';

/** The saved settings as pages may show them: no password, only whether one is saved. */
export interface PlugboardSettingsView {
  baseUrl: string;
  tenant: string;
  connectionId: string;
  username: string;
  hasPassword: boolean;
  vatRatePercent: string;
  /** Upper case for display, e.g. "SEK". */
  currency: string;
  languages: string[];
  defaultLanguage: string;
  connectionName: string | null;
  canEditProducts: boolean;
  brand: string | null;
  autoPublish: boolean;
  updatedAt: Date;
}

/** What "Test connection" (and every save) found out. */
export interface ConnectionCheck {
  connectionName: string;
  connectionId: string;
  defaultLanguage: string;
  serverTime: string;
  canEditProducts: boolean;
}

export class PlugboardNotSetUpError extends DomainError {
  constructor() {
    super('not-set-up', 'Enter your Plugboard connection details before publishing items.');
  }
}

export interface PlugboardConnectionStoreOptions {
  userAgent: string;
  timeoutMs: number;
  maxAnswerBytes?: number;
  allowPrivateHosts: boolean;
  /** Name resolution for the clients (tests). */
  resolve?: Resolver;
}

/** Items pages only show whether items are published; a few seconds of staleness there costs nothing. */
const DISPLAY_MEMO_MS = 10_000;
const DISPLAY_MEMO = 'plugboard-settings';

export class PlugboardConnectionStore {
  private readonly displayMemo = new Map<string, { view: PlugboardSettingsView | null; at: number }>();
  /** One client (and so one keep-alive dispatcher) per seller and saved version of their settings. */
  private readonly clients = new Map<string, { version: number; client: PlugboardClient }>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly cipher: TokenCipher,
    private readonly opts: PlugboardConnectionStoreOptions,
    private readonly invalidation: CacheInvalidation | null = null,
  ) {
    // Settings saved in another console process must not be shown stale here.
    invalidation?.register(DISPLAY_MEMO, (userId) => (userId ? this.displayMemo.delete(userId) : this.displayMemo.clear()));
  }

  async get(userId: string): Promise<PlugboardSettingsView | null> {
    const row = await this.prisma.plugboardConnection.findUnique({ where: { userId } });
    return row ? toView(row) : null;
  }

  /** The settings as the items pages show them: read at most every few seconds per seller. */
  async forDisplay(userId: string): Promise<PlugboardSettingsView | null> {
    const memo = this.displayMemo.get(userId);
    if (memo && Date.now() - memo.at < DISPLAY_MEMO_MS) return memo.view;
    const view = await this.get(userId);
    if (this.displayMemo.size > 10_000) this.displayMemo.clear();
    this.displayMemo.set(userId, { view, at: Date.now() });
    return view;
  }

  /**
   * Checks the settings against Plugboard's API root and stores them only when it accepts them;
   * answers what the check found (a missing product.edit is stored and shown as a warning).
   */
  async save(userId: string, input: PlugboardSettingsInput): Promise<{ view: PlugboardSettingsView; check: ConnectionCheck }> {
    const { creds, preferences, root } = await this.verify(userId, input);
    const check = toCheck(root);
    const data = {
      ...identityOf(creds),
      passwordEnc: this.cipher.encrypt(creds.password),
      vatRatePercent: preferences.vatRatePercent,
      currency: preferences.currency,
      languages: preferences.languages,
      brand: preferences.brand,
      autoPublish: preferences.autoPublish,
      defaultLanguage: check.defaultLanguage,
      connectionName: check.connectionName,
      canEditProducts: check.canEditProducts,
    };
    // Another shop (address, tenant or connection): its orders are read from the beginning, not from where the
    // last shop's orders stopped, which would pass over every order older than that.
    const before = await this.prisma.plugboardConnection.findUnique({ where: { userId }, select: { baseUrl: true, tenant: true, connectionId: true } });
    const anotherShop = before !== null && (before.baseUrl !== data.baseUrl || before.tenant !== data.tenant || before.connectionId !== data.connectionId);
    const update = anotherShop ? { ...data, ordersCursor: null, lastOrdersError: null } : data;
    const row = await this.prisma.plugboardConnection.upsert({ where: { userId }, create: { userId, ...data }, update });
    await this.invalidation?.announce(DISPLAY_MEMO, userId);
    return { view: toView(row), check };
  }

  /** Calls the API root with the given settings (the saved password when the field is empty and the identity is unchanged). */
  async test(userId: string, input: PlugboardSettingsInput): Promise<ConnectionCheck> {
    return toCheck((await this.verify(userId, input)).root);
  }

  /** The seller's client and publishing settings; throws when Plugboard is not set up. */
  async connectionFor(userId: string): Promise<{ client: PlugboardClient; settings: PlugboardSettingsView; shop: ShopSettings }> {
    const row = await this.prisma.plugboardConnection.findUnique({ where: { userId } });
    if (!row) throw new PlugboardNotSetUpError();
    const version = row.updatedAt.getTime();
    let cached = this.clients.get(userId);
    if (!cached || cached.version !== version) {
      void cached?.client.close().catch(() => undefined);
      cached = { version, client: this.client({ ...row, password: this.cipher.decrypt(row.passwordEnc) }) };
      if (this.clients.size > 1000) this.clients.clear();
      this.clients.set(userId, cached);
    }
    const settings = toView(row);
    return { client: cached.client, settings, shop: shopSettingsOf(settings) };
  }

  /** Sellers with Plugboard set up, for the background tasks. */
  async sellers(): Promise<string[]> {
    return (await this.prisma.plugboardConnection.findMany({ select: { userId: true } })).map((r) => r.userId);
  }

  private async verify(userId: string, input: PlugboardSettingsInput): Promise<{ creds: PlugboardCredentials; preferences: ShopPreferences; root: PlugboardApiRoot }> {
    const existing = await this.prisma.plugboardConnection.findUnique({ where: { userId } });
    const creds = { ...identityOf(input), password: this.passwordFor(input, existing) };
    let client: PlugboardClient;
    try {
      // The client checks what Plugboard's rules need (HTTPS, header-safe tenant and id, ...).
      client = this.client(creds);
    } catch (err) {
      if (err instanceof PlugboardConfigError) throw new InvalidPlugboardSettingsError(formField(err.field), `${err.message}.`);
      throw err;
    }
    const preferences = parsePreferences(input);
    try {
      const root = await client.apiRoot();
      if (root.connectionId !== creds.connectionId) {
        throw new InvalidPlugboardSettingsError('connectionId', `Plugboard answered for connection ${root.connectionId}, not the one entered.`);
      }
      return { creds, preferences, root };
    } catch (err) {
      if (!(err instanceof PlugboardError)) throw err;
      throw refusal(err);
    } finally {
      await client.close();
    }
  }

  private client(creds: PlugboardCredentials): PlugboardClient {
    const { userAgent, timeoutMs, maxAnswerBytes, allowPrivateHosts, resolve } = this.opts;
    return new PlugboardClient(creds, { userAgent, timeoutMs, maxAnswerBytes, allowPrivateHosts, resolve });
  }

  private passwordFor(input: PlugboardSettingsInput, existing: PlugboardConnection | null): string {
    if (input.password !== '') return input.password;
    if (!existing) throw new InvalidPlugboardSettingsError('password', 'Please enter the Plugboard password.');
    if (!sameIdentity(identityOf(input), identityOf(existing))) {
      throw new InvalidPlugboardSettingsError(
        'password',
        'Enter the password again: the address, tenant, connection id or username changed, and a saved password is only sent to the connection it was saved for.',
      );
    }
    return this.cipher.decrypt(existing.passwordEnc);
  }
}

/** Plugboard's refusal of the settings, said for the form: the credentials field, or the address when nothing answered. */
function refusal(err: PlugboardError): DomainError {
  if (err.kind === 'http' && (err.status === 401 || err.status === 403)) {
    return new InvalidPlugboardSettingsError('password', `Plugboard refused these credentials: ${err.message}`);
  }
  const seller = sellerErrorOf(err);
  return new DomainError(seller.kind, seller.message, { field: 'baseUrl', provider: 'Plugboard', cause: err });
}

function formField(field: string): SettingsField {
  return (['baseUrl', 'tenant', 'connectionId', 'username', 'password'] as const).find((f) => f === field) ?? 'baseUrl';
}

function shopSettingsOf(view: PlugboardSettingsView): ShopSettings {
  return {
    connectionId: view.connectionId,
    // Rows saved before verification stored it fall back to English until saved again.
    defaultLanguage: view.defaultLanguage || 'eng',
    languages: view.languages,
    vatRatePercent: view.vatRatePercent,
    currency: view.currency.toLowerCase(),
    brand: view.brand,
  };
}

function toView(row: PlugboardConnection): PlugboardSettingsView {
  return {
    baseUrl: row.baseUrl,
    tenant: row.tenant,
    connectionId: row.connectionId,
    username: row.username,
    hasPassword: row.passwordEnc !== '',
    vatRatePercent: row.vatRatePercent,
    currency: row.currency.toUpperCase(),
    languages: row.languages ?? [],
    defaultLanguage: row.defaultLanguage,
    connectionName: row.connectionName,
    canEditProducts: row.canEditProducts,
    brand: row.brand,
    autoPublish: row.autoPublish,
    updatedAt: row.updatedAt,
  };
}

function toCheck(root: PlugboardApiRoot): ConnectionCheck {
  const permissions = Array.isArray(root.permissions) ? root.permissions : [];
  return {
    connectionName: String(root.connectionName ?? ''),
    connectionId: root.connectionId,
    // Stored as Plugboard named it when it is a language code at all; the products' plain texts follow it.
    defaultLanguage: plugboardLanguage(root.defaultLanguage) ?? '',
    serverTime: String(root.serverTime ?? ''),
    canEditProducts: permissions.includes('product.edit') || permissions.includes('superuser'),
  };
}
