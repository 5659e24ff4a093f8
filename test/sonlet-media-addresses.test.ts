/**
 * Photo addresses come from Sonlet's answers, and the console reads them server-side (to match an upload, to
 * publish a picture). A hostile Sonlet must not be able to point one into the console's own network: media on
 * any origin but the configured Sonlet's is refused unless it resolves to a public address, before any
 * connection is made. Sonlet's own origin keeps working though it is on 127.0.0.1 here.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHostileProvider, type HostileProvider } from './support/hostile-provider.js';
import { connectedSeller, sonletOnDouble, type SonletOnDouble } from './support/sonlet-on-double.js';
import { ProviderUnavailableError } from '../src/errors.js';
import type { SonletApi } from '../src/sonlet/api-client.js';

/** An internal service that would answer with an "image" if it were ever reached; it counts connections. */
interface Trap {
  url: string;
  port: number;
  connections: number;
  close(): Promise<void>;
}

async function startTrap(host: string): Promise<Trap> {
  const server: Server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'image/jpeg' }).end('internal secrets');
  });
  const trap = { url: '', port: 0, connections: 0, close: () => new Promise<void>((done) => server.close(() => done())) };
  server.on('connection', () => void trap.connections++);
  await new Promise<void>((done) => server.listen(0, host, done));
  trap.port = (server.address() as AddressInfo).port;
  trap.url = `http://${host}:${trap.port}`;
  return trap;
}

let double: HostileProvider;
let sonlet: SonletOnDouble;
let api: SonletApi;
let elsewhere: Trap;
let besideSonlet: Trap;

beforeAll(async () => {
  double = await startHostileProvider();
  sonlet = sonletOnDouble(double, { timeoutMs: 1500 });
  api = sonlet.apiFor(await connectedSeller(sonlet, double, 'photographer'));
  elsewhere = await startTrap('127.0.0.2');
  // Same address as Sonlet, another port: another origin all the same.
  besideSonlet = await startTrap('127.0.0.1');
});
afterAll(async () => {
  await sonlet.http.close();
  await sonlet.prisma.$disconnect();
  await Promise.all([double.close(), elsewhere.close(), besideSonlet.close()]);
});
beforeEach(() => {
  double.sonlet.off();
  double.resetCounts();
  elsewhere.connections = 0;
  besideSonlet.connections = 0;
});

describe('a photo address on another host must be public', () => {
  it('an image_full on 127.0.0.2 is refused as an unreachable Sonlet, and the host is never connected to', async () => {
    const err = await api.readMedia(`${elsewhere.url}/latest/meta-data/photo.jpg`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect((err as ProviderUnavailableError).kind).toBe('provider-unavailable');
    expect((err as Error).message).toMatch(/^Sonlet could not be reached/);
    expect(await api.mediaDigest(`${elsewhere.url}/media/1.jpg`)).toBeNull();
    expect(elsewhere.connections).toBe(0);
  });

  it("an image_full on Sonlet's own address but another port is refused without connecting", async () => {
    await expect(api.readMedia(`${besideSonlet.url}/media/1.jpg`)).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(await api.mediaDigest(`${besideSonlet.url}/media/1.jpg`)).toBeNull();
    expect(besideSonlet.connections).toBe(0);
  });

  it('a name that resolves to loopback is refused on the address it resolves to', async () => {
    await expect(api.readMedia(`http://localhost:${besideSonlet.port}/media/1.jpg`)).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(besideSonlet.connections).toBe(0);
  });

  it("the double's other host (127.0.0.2) gets no request either", async () => {
    await expect(api.readMedia(`${double.otherHost.url}/media/1.jpg`)).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(double.otherHost.count()).toBe(0);
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://10.0.0.5/photo.jpg',
    'http://192.168.1.1/photo.jpg',
    'http://100.64.0.1/photo.jpg',
    'http://0.0.0.0/photo.jpg',
    'http://224.0.0.1/photo.jpg',
    'http://[::1]/photo.jpg',
    'http://[fd00::1]/photo.jpg',
    'http://[fe80::1]/photo.jpg',
    'http://[::ffff:127.0.0.1]/photo.jpg',
    'http://2130706433/photo.jpg',
  ])('%s (a private range nobody listens on here) still fails as a provider error', async (address) => {
    const err = await api.readMedia(address).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect(await api.mediaDigest(address)).toBeNull();
  });
});

describe("media on the configured Sonlet's origin", () => {
  it('is read though Sonlet runs on 127.0.0.1', async () => {
    const photo = await api.readMedia(double.sonlet.mediaUrl(7));
    expect(photo.bytes.equals(double.sonlet.mediaBytes(7))).toBe(true);
    expect(photo.contentType).toBe('image/jpeg');
    expect(await api.mediaDigest(double.sonlet.mediaUrl(7))).toMatch(/^[0-9a-f]{64}$/);
    expect(double.sonlet.count('/media/7.jpg')).toBe(2);
  });

  it('is not read as a photo when it is not an image', async () => {
    double.sonlet.on('/media/*', { kind: 'wrong-content-type', contentType: 'text/html; charset=utf-8' });
    const err = await api.readMedia(double.sonlet.mediaUrl(8)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderUnavailableError);
    expect((err as Error).message).toMatch(/other than an image/);
    expect(await api.mediaDigest(double.sonlet.mediaUrl(8))).toBeNull();
  });
});
