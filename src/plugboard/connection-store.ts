/**
 * A seller's Plugboard connection settings: stored per seller, password sealed with the token
 * cipher and never handed back (the view only says whether one is saved), turned into a
 * {@link PlugboardClient} when publishing or testing.
 */
import type { PrismaClient, PlugboardConnection } from '../generated/prisma/client.js';
import type { TokenCipher } from '../crypto/token-cipher.js';
import { DomainError } from '../errors.js';
import { PlugboardClient, PlugboardConfigError, type PlugboardCredentials } from './client.js';
import { toCurrency, toDecimalString, toLanguage3 } from './format.js';
import type { PlugboardApiRoot } from './types.js';

/** What the settings form sends; strings as typed (route schemas checked shape and length). */
export interface PlugboardSettingsInput {
  baseUrl: string;
  tenant: string;
  connectionId: string;
  username: string;
  /** Empty: keep the saved password. */
  password: string;
  vatRatePercent: string;
  currency: string;
  /** Empty: the connection's default language. */
  language: string;
}

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
  language: string | null;
  updatedAt: Date;
}

/** What "Test connection" found out. */
export interface ConnectionCheck {
  connectionName: string;
  connectionId: string;
  defaultLanguage: string;
  serverTime: string;
  canEditProducts: boolean;
}

/** The settings form has a value we cannot use; `field` names the input to point at. */
export class InvalidPlugboardSettingsError extends DomainError {
  declare readonly field: keyof PlugboardSettingsInput;
  constructor(field: keyof PlugboardSettingsInput, message: string) {
    super('invalid-input', message, { field });
  }
}

export class PlugboardNotSetUpError extends DomainError {
  constructor() {
    super('not-set-up', 'Enter your Plugboard connection details before publishing items.');
  }
}

export interface PlugboardConnectionStoreOptions {
  userAgent: string;
  timeoutMs: number;
  allowPrivateHosts: boolean;
}

interface Normalised extends Omit<PlugboardCredentials, 'password'> {
  vatRatePercent: string;
  currency: string;
  language: string | null;
}

/** Items pages only show whether items are published; a few seconds of staleness there costs nothing. */
const DISPLAY_MEMO_MS = 10_000;

export class PlugboardConnectionStore {
  private readonly displayMemo = new Map<string, { view: PlugboardSettingsView | null; at: number }>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly cipher: TokenCipher,
    private readonly opts: PlugboardConnectionStoreOptions,
  ) {}

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

  /** Validates and stores the settings; an empty password keeps the saved one. */
  async save(userId: string, input: PlugboardSettingsInput): Promise<PlugboardSettingsView> {
    this.displayMemo.delete(userId);
    const existing = await this.prisma.plugboardConnection.findUnique({ where: { userId } });
    const password = this.passwordFor(input, existing);
    const settings = this.normalise(input, password);
    const data = { ...settings, passwordEnc: this.cipher.encrypt(password) };
    const row = await this.prisma.plugboardConnection.upsert({ where: { userId }, create: { userId, ...data }, update: data });
    return toView(row);
  }

  /**
   * Calls the API root with the given settings (the saved password when the field is empty).
   * Plugboard's refusals come back as PlugboardError for the page to show.
   */
  async test(userId: string, input: PlugboardSettingsInput): Promise<ConnectionCheck> {
    const existing = await this.prisma.plugboardConnection.findUnique({ where: { userId } });
    const password = this.passwordFor(input, existing);
    const settings = this.normalise(input, password);
    const root = await this.client({ ...settings, password }).apiRoot();
    return toCheck(root);
  }

  /** The seller's client and publishing settings; throws when Plugboard is not set up. */
  async connectionFor(userId: string): Promise<{ client: PlugboardClient; settings: PlugboardSettingsView }> {
    const row = await this.prisma.plugboardConnection.findUnique({ where: { userId } });
    if (!row) throw new PlugboardNotSetUpError();
    const client = this.client({ ...row, password: this.cipher.decrypt(row.passwordEnc) });
    return { client, settings: toView(row) };
  }

  private client(creds: PlugboardCredentials): PlugboardClient {
    return new PlugboardClient(creds, { userAgent: this.opts.userAgent, timeoutMs: this.opts.timeoutMs, allowPrivateHosts: this.opts.allowPrivateHosts });
  }

  private passwordFor(input: PlugboardSettingsInput, existing: PlugboardConnection | null): string {
    if (input.password !== '') return input.password;
    if (existing) return this.cipher.decrypt(existing.passwordEnc);
    throw new InvalidPlugboardSettingsError('password', 'Please enter the Plugboard password.');
  }

  private normalise(input: PlugboardSettingsInput, password: string): Normalised {
    const creds = {
      baseUrl: input.baseUrl.trim().replace(/\/+$/, ''),
      tenant: input.tenant.trim(),
      connectionId: input.connectionId.trim(),
      username: input.username,
    };
    try {
      // The client checks what Plugboard's rules need (HTTPS, header-safe tenant and id, ...).
      this.client({ ...creds, password });
    } catch (err) {
      if (err instanceof PlugboardConfigError) throw new InvalidPlugboardSettingsError(err.setting ?? 'baseUrl', `${err.message}.`);
      throw err;
    }
    let vatRatePercent: string;
    try {
      vatRatePercent = toDecimalString(input.vatRatePercent.trim().replace(',', '.'));
    } catch {
      throw new InvalidPlugboardSettingsError('vatRatePercent', 'The VAT rate must be a number of percent, such as 25 or 12.5.');
    }
    if (vatRatePercent.startsWith('-') || Number(vatRatePercent) > 100) {
      throw new InvalidPlugboardSettingsError('vatRatePercent', 'The VAT rate must be between 0 and 100 percent.');
    }
    let currency: string;
    try {
      currency = toCurrency(input.currency.trim());
      if (!KNOWN_CURRENCIES.has(currency)) throw new Error('unknown currency');
    } catch {
      throw new InvalidPlugboardSettingsError('currency', `“${input.currency}” is not an ISO 4217 currency code; use one such as USD, EUR or SEK.`);
    }
    let language: string | null = null;
    if (input.language.trim() !== '') {
      try {
        language = toLanguage3(input.language.trim());
      } catch {
        throw new InvalidPlugboardSettingsError('language', `“${input.language}” is not a language code we know; use one such as eng, swe or sv, or leave it empty.`);
      }
    }
    return { ...creds, vatRatePercent, currency, language };
  }
}

/** ISO 4217 codes the runtime's ICU knows, lower case; any three letters would pass the format check. */
const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency').map((c) => c.toLowerCase()));

function toView(row: PlugboardConnection): PlugboardSettingsView {
  return {
    baseUrl: row.baseUrl,
    tenant: row.tenant,
    connectionId: row.connectionId,
    username: row.username,
    hasPassword: row.passwordEnc !== '',
    vatRatePercent: row.vatRatePercent,
    currency: row.currency.toUpperCase(),
    language: row.language,
    updatedAt: row.updatedAt,
  };
}

function toCheck(root: PlugboardApiRoot): ConnectionCheck {
  const permissions = Array.isArray(root.permissions) ? root.permissions : [];
  return {
    connectionName: String(root.connectionName ?? ''),
    connectionId: root.connectionId,
    defaultLanguage: String(root.defaultLanguage ?? ''),
    serverTime: String(root.serverTime ?? ''),
    canEditProducts: permissions.includes('product.edit') || permissions.includes('superuser'),
  };
}
