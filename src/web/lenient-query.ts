/**
 * Browsing pages take their query from links and from GET forms, and a browser sends every field of
 * a GET form, empty or not (`?style=10&size=`). Such values are treated as absent, and a value that
 * cannot be what the route's schema asks for (`page=abc`, `page=0`, a field sent twice) falls back to
 * the schema's default: the seller sees the page, never a "wrong type" error.
 *
 * Driven by each route's own querystring schema, so the schema stays the one statement of what a
 * page accepts. Routes that speak a protocol rather than show a page (the OAuth callback) opt out
 * with `config: { strictQuery: true }`.
 */
import type { FastifyRequest } from 'fastify';
import { syncHook } from './sync-hooks.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Refuse odd query values (400) instead of treating them as absent. */
    strictQuery?: boolean;
  }
}

interface PropertySchema {
  type?: string | string[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  enum?: unknown[];
}

const patterns = new Map<string, RegExp>();

export const lenientQuery = syncHook((request: FastifyRequest) => {
  if (request.method !== 'GET' && request.method !== 'HEAD') return;
  const { schema, config } = request.routeOptions;
  const properties = (schema?.querystring as { properties?: Record<string, PropertySchema> } | undefined)?.properties;
  if (!properties || config?.strictQuery) return;
  const query = request.query as Record<string, unknown>;
  for (const [name, rule] of Object.entries(properties)) {
    if (!(name in query)) continue;
    const value = usable(query[name], rule);
    if (value === undefined) delete query[name];
    else query[name] = value;
  }
});

/** The value the schema can accept, or undefined to treat it as absent. */
function usable(raw: unknown, rule: PropertySchema): unknown {
  // A choice among fixed words (Type.Enum) carries no `type`: it is a string.
  const types = [rule.type ?? (rule.enum ? 'string' : [])].flat();
  if (types.length === 0 || types.includes('array')) return raw;
  // A field sent twice: the last one wins, as in a form the seller filled in.
  const value = Array.isArray(raw) ? raw.at(-1) : raw;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (rule.enum && !rule.enum.includes(text)) return undefined;
  if (types.includes('integer') || types.includes('number')) {
    if (!/^[+-]?\d+(\.\d+)?$/.test(text)) return undefined;
    const n = Number(text);
    if (!Number.isFinite(n) || (types.includes('integer') && !Number.isInteger(n))) return undefined;
    if ((rule.minimum !== undefined && n < rule.minimum) || (rule.maximum !== undefined && n > rule.maximum)) return undefined;
    return text;
  }
  if (rule.maxLength !== undefined && text.length > rule.maxLength) return undefined;
  if (rule.minLength !== undefined && text.length < rule.minLength) return undefined;
  if (rule.pattern !== undefined) {
    let pattern = patterns.get(rule.pattern);
    if (!pattern) patterns.set(rule.pattern, (pattern = new RegExp(rule.pattern, 'u')));
    if (!pattern.test(text)) return undefined;
  }
  return text;
}
