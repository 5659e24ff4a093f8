/**
 * The Plugboard settings form, parsed: what the seller typed, checked field by field, each refusal
 * naming its field. Pure.
 */
import { DomainError } from '../errors.js';
import { toCurrency, toDecimalString, toLanguage3 } from './format.js';

/** What the settings form sends; strings as typed (route schemas checked shape and length). */
export interface PlugboardSettingsInput {
  baseUrl: string;
  tenant: string;
  connectionId: string;
  username: string;
  /** Empty: keep the saved password (only while the host and identity stay the same). */
  password: string;
  vatRatePercent: string;
  currency: string;
  /** Further languages, e.g. "eng, deu"; empty: only the connection's default language. */
  languages: string;
  brand: string;
  /** "on" when ticked. */
  autoPublish?: string;
}

export type SettingsField = keyof PlugboardSettingsInput;

/** The settings form has a value we cannot use, or Plugboard refused it; `field` names the input to point at. */
export class InvalidPlugboardSettingsError extends DomainError {
  declare readonly field: SettingsField;
  constructor(field: SettingsField, message: string) {
    super('invalid-input', message, { field });
  }
}

/** Everything but the credentials, normalised. */
export interface ShopPreferences {
  vatRatePercent: string;
  currency: string;
  languages: string[];
  brand: string | null;
  autoPublish: boolean;
}

/** Who the password belongs to: a saved password is only ever sent with exactly these. */
export interface CredentialIdentity {
  baseUrl: string;
  tenant: string;
  connectionId: string;
  username: string;
}

export function identityOf(input: Pick<PlugboardSettingsInput, keyof CredentialIdentity>): CredentialIdentity {
  return {
    baseUrl: input.baseUrl.trim().replace(/\/+$/, ''),
    tenant: input.tenant.trim(),
    connectionId: input.connectionId.trim(),
    username: input.username,
  };
}

export function sameIdentity(a: CredentialIdentity, b: CredentialIdentity): boolean {
  return a.baseUrl === b.baseUrl && a.tenant === b.tenant && a.connectionId === b.connectionId && a.username === b.username;
}

/** ISO 4217 codes the runtime's ICU knows, lower case; any three letters would pass the format check. */
const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency').map((c) => c.toLowerCase()));

export function parsePreferences(input: PlugboardSettingsInput): ShopPreferences {
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
  const languages: string[] = [];
  for (const code of (input.languages ?? '').split(/[\s,;]+/).filter(Boolean)) {
    try {
      const language3 = toLanguage3(code);
      if (!languages.includes(language3)) languages.push(language3);
    } catch {
      throw new InvalidPlugboardSettingsError('languages', `“${code}” is not a language code we know; use codes such as eng, swe or de, separated by commas.`);
    }
  }
  if (languages.length > 10) throw new InvalidPlugboardSettingsError('languages', 'Choose at most 10 languages.');
  const brand = (input.brand ?? '').trim();
  return { vatRatePercent, currency, languages, brand: brand === '' ? null : brand, autoPublish: input.autoPublish === 'on' };
}
