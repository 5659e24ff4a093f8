import type { Clock } from '../clock.js';

/** One provider's calls over the last hour, as the admin page shows them at a glance. */
export interface ProviderGlance {
  provider: string;
  lastSuccessAt: Date | null;
  calls: number;
  errorRate: number | null;
  p95Seconds: number | null;
}

const MINUTE = 60_000;
const WINDOW_MINUTES = 60;
/** Durations kept per provider and minute; a busy minute keeps a uniform sample (reservoir). */
const SAMPLES_PER_MINUTE = 200;

interface Bucket {
  minute: number;
  calls: number;
  failures: number;
  seen: number;
  durations: number[];
}

/**
 * The last hour of provider calls in this process, in minute buckets. Prometheus has the full
 * history; this only answers "how is it going right now?" without a Prometheus server.
 */
export class ProviderWindow {
  private readonly buckets = new Map<string, Bucket[]>();
  private readonly lastSuccess = new Map<string, number>();

  constructor(private readonly clock: Clock) {}

  record(provider: string, seconds: number, ok: boolean): void {
    const now = this.clock.now();
    const minute = Math.floor(now / MINUTE);
    const list = this.buckets.get(provider) ?? [];
    let bucket = list[list.length - 1];
    if (!bucket || bucket.minute !== minute) {
      bucket = { minute, calls: 0, failures: 0, seen: 0, durations: [] };
      list.push(bucket);
      while (list.length > 0 && list[0]!.minute <= minute - WINDOW_MINUTES) list.shift();
      this.buckets.set(provider, list);
    }
    bucket.calls++;
    if (!ok) bucket.failures++;
    else this.lastSuccess.set(provider, now);
    bucket.seen++;
    if (bucket.durations.length < SAMPLES_PER_MINUTE) bucket.durations.push(seconds);
    else {
      const slot = Math.floor(Math.random() * bucket.seen);
      if (slot < SAMPLES_PER_MINUTE) bucket.durations[slot] = seconds;
    }
  }

  glance(providers: readonly string[]): ProviderGlance[] {
    const from = Math.floor(this.clock.now() / MINUTE) - WINDOW_MINUTES;
    return providers.map((provider) => {
      const live = (this.buckets.get(provider) ?? []).filter((b) => b.minute > from);
      const calls = live.reduce((n, b) => n + b.calls, 0);
      const failures = live.reduce((n, b) => n + b.failures, 0);
      const durations = live.flatMap((b) => b.durations).sort((a, b) => a - b);
      const last = this.lastSuccess.get(provider);
      return {
        provider,
        lastSuccessAt: last === undefined ? null : new Date(last),
        calls,
        errorRate: calls ? failures / calls : null,
        p95Seconds: durations.length ? durations[Math.min(durations.length - 1, Math.ceil(durations.length * 0.95) - 1)]! : null,
      };
    });
  }
}
