import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config.js';
import { problemsOf } from './support/config-problems.js';

const secrets = { SESSION_SECRET: randomBytes(32).toString('hex'), TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('hex') };
const production = { ...secrets, SONLET_BASE_URL: 'https://sonlet.com', SONLET_CLIENT_ID: 'id', SONLET_CLIENT_SECRET: 'secret' };


describe('team settings', () => {
  it('sign-up is invite-only for a real Sonlet and open in the sandbox; metrics are off; the audit trail keeps 90 days', () => {
    expect(loadConfig(production)).toMatchObject({ signup: 'invite', auditRetentionDays: 90, metrics: { token: null, port: null } });
    expect(loadConfig(secrets).signup).toBe('open');
    expect(loadConfig({ ...production, SIGNUP: 'closed', METRICS_TOKEN: 'a'.repeat(16), METRICS_PORT: '9464', AUDIT_RETENTION_DAYS: '30' })).toMatchObject({
      signup: 'closed',
      auditRetentionDays: 30,
      metrics: { token: 'a'.repeat(16), port: 9464 },
    });
  });

  it('names every bad team setting at once', () => {
    const problems = problemsOf({ ...production, SIGNUP: 'everyone', METRICS_TOKEN: 'short', METRICS_PORT: 'ninety', AUDIT_RETENTION_DAYS: '0' });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^SIGNUP must be one of invite, open, closed/),
        expect.stringMatching(/^METRICS_TOKEN must be at least 16 characters/),
        expect.stringMatching(/^METRICS_PORT must be a whole number/),
        expect.stringMatching(/^AUDIT_RETENTION_DAYS must be at least 1/),
      ]),
    );
  });
});
