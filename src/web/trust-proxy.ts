/**
 * Whom the console believes about a client's address (X-Forwarded-For) and scheme. The sign-in,
 * sign-up and anonymous page limits count per address, so a client must never choose its own.
 *
 * Fastify no longer honours a bare hop count (a client reaching the console directly could then
 * claim any address). A hop count here trusts that many proxies only when the nearest one connects
 * from a loopback or private address, as nginx or Caddy on the same host or network does; a public
 * proxy is trusted by listing its address instead. See docs/decisions/012-trust-proxy.md.
 */
import { BlockList, isIPv4 } from 'node:net';
import type { FastifyServerOptions } from 'fastify';
import type { Config } from '../config.js';

const LOCAL = new BlockList();
for (const [network, bits] of [['127.0.0.0', 8], ['10.0.0.0', 8], ['172.16.0.0', 12], ['192.168.0.0', 16], ['169.254.0.0', 16], ['100.64.0.0', 10]] as const) LOCAL.addSubnet(network, bits, 'ipv4');
for (const [network, bits] of [['::1', 128], ['fc00::', 7], ['fe80::', 10]] as const) LOCAL.addSubnet(network, bits, 'ipv6');

export function isLocalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return LOCAL.check(mapped, 'ipv4');
  return isIPv4(address) ? LOCAL.check(address, 'ipv4') : LOCAL.check(address, 'ipv6');
}

export function trustProxyOption(trust: Config['trustProxy']): FastifyServerOptions['trustProxy'] {
  if (trust === false) return false;
  if (Array.isArray(trust)) return trust;
  const hops = trust;
  // hop 0 is the peer on the socket; each further hop is one more X-Forwarded-For entry from the right.
  return (address: string, hop: number) => hop < hops && (hop > 0 || isLocalAddress(address));
}
