import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { PlugboardConnectionStore } from '../plugboard/connection-store.js';
import { Publisher } from '../plugboard/publish.js';
import { publishTask } from '../plugboard/publish-task.js';
import { ShopExports } from '../plugboard/shop-exports.js';
import { KeepInStep } from '../plugboard/keep-in-step.js';
import { ShopOrders } from '../plugboard/shop-orders.js';
import { SoldItems } from '../plugboard/sold-items.js';
import { scheduleShopTasks, shopTasks } from '../plugboard/shop-tasks.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Each seller's Plugboard connection settings (the password sealed). */
    plugboardConnections: PlugboardConnectionStore;
    publisher: Publisher;
    shopExports: ShopExports;
    keepInStep: KeepInStep;
    shopOrders: ShopOrders;
    /** Starts (or restarts) a seller's keep-in-step and order polling, e.g. once their settings are saved. */
    scheduleShop: (userId: string) => Promise<void>;
  }
}

/** The web shop through Plugboard: connections, publishing (the publish task), keep-in-step and orders (recurring tasks). */
export const shopPlugin = fp(
  async (app: FastifyInstance) => {
    const { config, prisma, cipher, invalidation, jobs, clock, sonletApiFor } = app;
    const connections = new PlugboardConnectionStore(prisma, cipher, config.plugboard, invalidation);
    const shopExports = new ShopExports({ prisma, connections, sonletApiFor, readPictureFor: (userId) => (url) => sonletApiFor(userId).readMedia(url) });
    const keepInStep = new KeepInStep({ prisma, connections, shopExports, sonletApiFor, jobs }, clock);
    const orders = new ShopOrders(prisma, connections, new SoldItems(prisma, invalidation), clock, app.log);
    jobs?.define(publishTask({ prisma, shopExports }));
    const { syncPeriodMs, ordersPeriodMs } = config.plugboard;
    for (const task of shopTasks({ prisma, keepInStep, orders, syncPeriodMs, ordersPeriodMs })) jobs?.define(task);
    app.decorate('plugboardConnections', connections);
    app.decorate('publisher', new Publisher({ prisma, connections, jobs, clock }));
    app.decorate('shopExports', shopExports);
    app.decorate('keepInStep', keepInStep);
    app.decorate('shopOrders', orders);
    app.decorate('scheduleShop', async (userId: string) => (jobs ? scheduleShopTasks(jobs, [userId]) : undefined));
  },
  { name: 'shop', dependencies: ['clock', 'db', 'jobs', 'sonlet'] },
);
