import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { systemClock, type Clock } from '../clock.js';
import type { ServiceOptions } from './options.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The time of background work, the web shop and the catalog (a test's own clock moves it). */
    clock: Clock;
  }
}

export const clockPlugin = fp(async (app: FastifyInstance, { background }: ServiceOptions) => {
  app.decorate('clock', background?.clock ?? systemClock);
}, { name: 'clock' });
