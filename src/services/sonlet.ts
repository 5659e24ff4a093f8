import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createSonlet } from '../sonlet/sonlet.js';
import type { TokenVault } from '../sonlet/token-vault.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Sellers' Sonlet tokens: in memory, refreshed once across processes, revoked on disconnect. */
    vault: TokenVault;
    /** A Sonlet API client acting for one seller. */
    sonletApiFor: ReturnType<typeof createSonlet>['apiFor'];
  }
}

export const sonletPlugin = fp(
  async (app: FastifyInstance) => {
    const { config, prisma, cipher, audit } = app;
    const sonlet = createSonlet({ ...config.sonlet, maxMediaBytes: config.uploads.maxBytes }, prisma, cipher, Date, {
      reconnectNeeded: (userId) => audit.recordFor('sonlet-reconnect-needed', userId),
    });
    app.decorate('vault', sonlet.vault);
    app.decorate('sonletApiFor', sonlet.apiFor);
  },
  { name: 'sonlet', dependencies: ['db', 'audit'] },
);
