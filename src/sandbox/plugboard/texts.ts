/**
 * The reference's patch rules shared by products and orders: language-tagged fields ("_lang"),
 * customData keys, and the calling connection's remoteId.
 */
import { badRequest, isObject } from './refusal.js';
import { language } from './values.js';
import type { CustomDataEntry, RemoteIdMap, Translations } from './wire.js';

/**
 * Applies `field` (the connection's default language) and `field_lang` (others) to `target`.
 * A translation sent as null is removed; one left out is untouched.
 */
export function patchTranslations(target: Translations, body: Record<string, unknown>, field: string, defaultLanguage: string): void {
  if (field in body) {
    const v = body[field];
    if (v === null) delete target[defaultLanguage];
    else if (typeof v === 'string') target[defaultLanguage] = v;
    else throw badRequest(`${field} must be a string or null`);
  }
  const tagged = `${field}_lang`;
  if (!(tagged in body)) return;
  const patch = body[tagged];
  if (!isObject(patch)) throw badRequest(`${tagged} must be an object keyed by language code`);
  for (const [code, v] of Object.entries(patch)) {
    const lang = language(code);
    if (!lang) throw badRequest(`${tagged}: unknown language code ${JSON.stringify(code)} (ISO 639-2 such as "swe", or ISO 639-1)`);
    // The plain field IS the default language: two different texts for it are a client's mistake.
    if (lang === defaultLanguage && field in body && body[field] !== v) {
      throw badRequest(`${field} and ${tagged}.${code} are both the default language (${defaultLanguage}) but disagree`);
    }
    if (v === null) delete target[lang];
    else if (typeof v === 'string') target[lang] = v;
    else throw badRequest(`${tagged}.${code} must be a string, or null to remove the translation`);
  }
}

const CONNECTION_ID = /^[0-9a-f]{32}$/;
/** Modules that are not custom ("test" appears in the reference's example). */
const BUILT_IN_MODULES = new Set(['test']);
const ENTRY_FIELDS = ['connectionId', 'moduleId', 'key', 'type', 'value'];

/** customData: keyed by connectionId|moduleId|key; a key sent as null is removed, one left out untouched. */
export function patchCustomData(target: Record<string, CustomDataEntry>, patch: unknown): void {
  if (!isObject(patch)) throw badRequest('customData must be an object keyed by "connectionId|moduleId|key"');
  for (const [dictKey, entry] of Object.entries(patch)) {
    const where = `customData[${JSON.stringify(dictKey)}]`;
    const parts = dictKey.split('|');
    if (parts.length !== 3 || parts.includes('')) throw badRequest(`${where}: the key must be connectionId|moduleId|key, none of them containing "|"`);
    const [connectionId, moduleId, key] = parts as [string, string, string];
    if (!CONNECTION_ID.test(connectionId)) throw badRequest(`${where}: ${JSON.stringify(connectionId)} is not a connectionId`);
    if (!moduleId.startsWith('x-') && !BUILT_IN_MODULES.has(moduleId)) throw badRequest(`${where}: a custom moduleId MUST begin with "x-"`);
    if (entry === null) {
      delete target[dictKey];
      continue;
    }
    if (!isObject(entry)) throw badRequest(`${where} must be an object, or null to remove the key`);
    const unknown = Object.keys(entry).filter((k) => !ENTRY_FIELDS.includes(k));
    if (unknown.length) throw badRequest(`${where}: unknown field(s) ${unknown.join(', ')}`);
    if (!('value' in entry)) throw badRequest(`${where}.value is required`);
    if (typeof entry.type !== 'string' || entry.type === '') throw badRequest(`${where}.type must be a non-empty string`);
    // Case sensitive, as the reference insists: "X-Shop" is not "x-shop".
    if (entry.connectionId !== connectionId || entry.moduleId !== moduleId || entry.key !== key) {
      throw badRequest(`${where}: connectionId, moduleId and key must match the dictionary key exactly (case sensitive)`);
    }
    target[dictKey] = { connectionId, moduleId, key, type: entry.type, value: structuredClone(entry.value) };
  }
}

/** The remoteId the body sets for the calling connection: undefined = untouched, null = removed. */
export function remoteIdIn(body: Record<string, unknown>): string | null | undefined {
  if (!('remoteId' in body)) return undefined;
  const v = body.remoteId;
  if (v === null) return null;
  if (typeof v !== 'string' || v.trim() === '') throw badRequest('remoteId must be a non-empty string or null');
  if (v.length > 255) throw badRequest('remoteId is longer than 255 characters');
  return v;
}

export function setRemoteId(map: RemoteIdMap, connectionId: string, remoteId: string | null): void {
  if (remoteId === null) delete map[connectionId];
  else map[connectionId] = { connectionId, remoteId };
}

/** The record of `records` that carries `remoteId` for this connection. */
export function withRemoteId<T extends { localId: string; remoteIdMap: RemoteIdMap }>(
  records: Iterable<T>,
  connectionId: string,
  remoteId: string,
): T | undefined {
  for (const r of records) if (r.remoteIdMap[connectionId]?.remoteId === remoteId) return r;
  return undefined;
}
