import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The console's Prometheus metrics, one registry per process. Label values are only route patterns,
 * status classes, provider and operation names, task kinds and states: never a seller id or email.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const httpRequestDuration = new Histogram({
  name: 'console_http_request_duration_seconds',
  help: 'Time to answer a request, by route pattern and status class.',
  labelNames: ['method', 'route', 'status_class'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

export const providerCallDuration = new Histogram({
  name: 'console_provider_call_duration_seconds',
  help: 'Duration of calls to Sonlet and Plugboard, by provider, operation and outcome.',
  labelNames: ['provider', 'operation', 'outcome'] as const,
  buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20],
  registers: [registry],
});

export const providerCallFailures = new Counter({
  name: 'console_provider_call_failures_total',
  help: 'Calls to a provider that failed (no answer, timeout, 5xx), by provider and operation.',
  labelNames: ['provider', 'operation'] as const,
  registers: [registry],
});

export const tokenRefreshes = new Counter({
  name: 'console_token_refreshes_total',
  help: 'Sonlet access-token refreshes attempted.',
  labelNames: ['provider'] as const,
  registers: [registry],
});

export const tokenRefreshFailures = new Counter({
  name: 'console_token_refresh_failures_total',
  help: 'Token refreshes that failed: refused (the seller must reconnect) or unavailable (tried again later).',
  labelNames: ['provider', 'reason'] as const,
  registers: [registry],
});

export const uploadBytes = new Counter({
  name: 'console_upload_bytes_total',
  help: 'Bytes of photos received from sellers.',
  registers: [registry],
});

export interface TaskCount {
  kind: string;
  state: 'waiting' | 'running' | 'failed' | 'stalled';
  count: number;
}

export type TaskCountSource = () => Promise<TaskCount[]>;

let taskSource: TaskCountSource | null = null;

/**
 * Background tasks are counted from the database at scrape time, so every process reports the same.
 * Answers how to stop (only if no later app took over: tests run several apps in one process).
 */
export function countTasksWith(source: TaskCountSource): () => void {
  taskSource = source;
  return () => {
    if (taskSource === source) taskSource = null;
  };
}

export const backgroundTasks = new Gauge({
  name: 'console_background_tasks',
  help: 'Background tasks by kind and state (waiting, running, failed, stalled).',
  labelNames: ['kind', 'state'] as const,
  registers: [registry],
  async collect() {
    this.reset();
    if (!taskSource) return;
    for (const { kind, state, count } of await taskSource()) this.set({ kind, state }, count);
  },
});
