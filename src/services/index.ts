import type { FastifyInstance } from 'fastify';
import type { ServiceOptions, ServicePlugin } from './options.js';
import { clockPlugin } from './clock.js';
import { dbPlugin } from './db.js';
import { jobsPlugin } from './jobs.js';
import { auditPlugin } from './audit.js';
import { sonletPlugin } from './sonlet.js';
import { accountsPlugin } from './accounts.js';
import { shopPlugin } from './shop.js';
import { inventoryPlugin } from './inventory.js';
import { backgroundPlugin } from './background.js';

export type { BackgroundWorkOptions, ServiceOptions, ServicePlugin } from './options.js';

/**
 * The composition root: the domain services as named plugins, registered in this order (each after the
 * plugins it names as dependencies). Each decorates the app with what it provides, so routes reach them as
 * `app.uploads`, `app.catalog`… Swap one by name, keeping the order: `{ ...servicePlugins, jobs: another }`.
 */
export const servicePlugins = {
  clock: clockPlugin,
  db: dbPlugin,
  jobs: jobsPlugin,
  audit: auditPlugin,
  sonlet: sonletPlugin,
  accounts: accountsPlugin,
  shop: shopPlugin,
  inventory: inventoryPlugin,
  background: backgroundPlugin,
} satisfies Record<string, ServicePlugin>;

export type ServicePlugins = Record<keyof typeof servicePlugins, ServicePlugin>;

/** Registers the given service plugins (all of them by default) on an app that already has `config`. */
export async function registerServices(app: FastifyInstance, options: ServiceOptions, plugins: Partial<ServicePlugins> = servicePlugins): Promise<void> {
  for (const plugin of Object.values(plugins)) await app.register(plugin, options);
}
