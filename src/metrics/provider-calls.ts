import { systemClock } from '../clock.js';
import { providerCallDuration, providerCallFailures, tokenRefreshFailures, tokenRefreshes, uploadBytes } from './registry.js';
import { ProviderWindow } from './provider-window.js';

export type ProviderName = 'sonlet' | 'plugboard';

/** The last hour in this process, for the admin page. */
export const providerWindow = new ProviderWindow(systemClock);

/**
 * The one hook each provider's HTTP stack calls around a request: times it, and counts it as failed
 * when it rejects or `failed` says so (e.g. a 5xx answer). Operation names are fixed strings
 * ("items.list", "token.refresh"), never an id from the request.
 */
export async function observeProviderCall<T>(provider: ProviderName, operation: string, call: Promise<T>, failed: (value: T) => boolean = () => false): Promise<T> {
  const started = performance.now();
  let ok = false;
  try {
    const value = await call;
    ok = !failed(value);
    return value;
  } finally {
    const seconds = (performance.now() - started) / 1000;
    providerCallDuration.observe({ provider, operation, outcome: ok ? 'ok' : 'failed' }, seconds);
    if (!ok) providerCallFailures.inc({ provider, operation });
    providerWindow.record(provider, seconds, ok);
  }
}

/**
 * "GET items/{id}": a request's method and path with ids folded (any segment holding a digit, or a
 * long one), so operations stay a short list whatever the ids.
 */
export function operationName(method: string, path: string): string {
  const segments = path.split(/[?#]/)[0]!.split('/').filter(Boolean);
  return `${method} ${segments.map((s) => (/\d/.test(s) || s.length > 24 ? '{id}' : s)).join('/') || '/'}`;
}

/** Called by the token vault after each refresh attempt. */
export function observeTokenRefresh(outcome: 'ok' | 'refused' | 'unavailable'): void {
  tokenRefreshes.inc({ provider: 'sonlet' });
  if (outcome !== 'ok') tokenRefreshFailures.inc({ provider: 'sonlet', reason: outcome });
}

/** Called once per photo received, with its size. */
export function observeUploadBytes(bytes: number): void {
  uploadBytes.inc(bytes);
}
