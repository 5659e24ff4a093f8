import { DEMO_PLUGBOARD_TENANTS } from '../../src/sandbox/plugboard/index.js';

type Tenant = (typeof DEMO_PLUGBOARD_TENANTS)[number];

/** The Plugboard settings form as a seller fills it in for one of the sandbox tenants. */
export function plugboardSettingsFor(baseUrl: string, tenant: Tenant = DEMO_PLUGBOARD_TENANTS[0]!, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    baseUrl,
    tenant: tenant.tenant,
    connectionId: tenant.connectionId,
    username: tenant.username,
    password: tenant.password,
    vatRatePercent: '25',
    currency: 'SEK',
    language: '',
    ...overrides,
  };
}
