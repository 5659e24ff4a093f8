import type { PrismaClient } from '../generated/prisma/client.js';
import type { TokenCipher } from '../crypto/token-cipher.js';
import { SonletApi, type SonletContext } from './api-client.js';
import { SonletHttp } from './http.js';
import { TokenVault, type Clock, type VaultEvents } from './token-vault.js';

export interface SonletSettings {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  refreshLeewaySeconds: number;
  /** Largest JSON answer read from Sonlet. */
  maxAnswerBytes: number;
  /** Largest media file read from Sonlet (the photo size limit). */
  maxMediaBytes: number;
  /** Most pages any walk of `next` links reads. */
  maxWalkPages: number;
}

/** Sonlet for one console process: one HTTP stack, one token vault, a client per seller on top. */
export function createSonlet(settings: SonletSettings, prisma: PrismaClient, cipher: TokenCipher, clock: Clock = Date, events: VaultEvents = {}) {
  const http = new SonletHttp({ timeoutMs: settings.timeoutMs, maxAnswerBytes: settings.maxAnswerBytes, maxMediaBytes: settings.maxMediaBytes });
  const vault = new TokenVault(prisma, cipher, http, settings, clock, events);
  const context: SonletContext = { http, vault, baseUrl: settings.baseUrl, maxWalkPages: settings.maxWalkPages, shapes: new Map() };
  return {
    http,
    vault,
    apiFor: (userId: string) => new SonletApi(context, userId),
  };
}
