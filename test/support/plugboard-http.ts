/**
 * Talks to a Plugboard sandbox the way a third-party client with the reference in hand would:
 * plain fetch, Basic auth, X-Tenant and X-ConnectionId. Nothing from src/plugboard.
 */
import { expect } from 'vitest';

export interface Credentials {
  tenant: string;
  connectionId: string;
  username: string;
  password: string;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // Answers are JSON documents of many shapes; tests read the fields they check.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

/** A test clock: the sandbox reads it, the test moves it. */
export function testClock(start = Date.parse('2026-03-01T10:00:00Z')) {
  return {
    ms: start,
    now() {
      return this.ms;
    },
    advance(seconds: number) {
      this.ms += seconds * 1000;
    },
  };
}

export function plugboardCaller(baseUrl: () => string, who: Credentials) {
  const headersFor = (over: Record<string, string | undefined>, hasBody: boolean) => {
    const h: Record<string, string | undefined> = {
      Accept: 'application/json',
      Authorization: basic(who.username, who.password),
      'X-Tenant': who.tenant,
      'X-ConnectionId': who.connectionId,
      'User-Agent': 'sandbox-test/1.0 (test@example.com)',
      ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
      ...over,
    };
    return Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>;
  };
  return async function call(method: string, path: string, body?: unknown, over: Record<string, string | undefined> = {}): Promise<Answer> {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: headersFor(over, body !== undefined),
      body: body === undefined ? undefined : typeof body === 'string' ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    return { status: res.status, headers: res.headers, text, json };
  };
}

/** The reference's error body: {error, time, code, message}, code = the status. */
export function expectErrorBody(r: Answer, status: number, message?: RegExp): void {
  expect({ status: r.status, message: r.json?.message }).toMatchObject({ status });
  expect(Object.keys(r.json).sort()).toEqual(['code', 'error', 'message', 'time']);
  expect(r.json.error).toBe(true);
  expect(r.json.code).toBe(status);
  expect(r.json.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/);
  if (message) expect(r.json.message).toMatch(message);
}
