/**
 * The private-host rule: with private hosts disallowed, the console only ever connects to public
 * unicast addresses. Every spelling of an address is normalised by ipaddr.js (a kept library) rather
 * than by hand, and the rule is applied to the address a connection actually goes to (see
 * {@link pinnedLookup}), so a name that resolves differently between a check and the request
 * (DNS rebinding) cannot get through.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { buildConnector } from 'undici';

/** Resolves a host name to every address it has (as `dns.lookup(name, { all: true })` does). */
export type Resolver = (hostname: string) => Promise<string[]>;

export const systemResolver: Resolver = async (hostname) => (await dnsLookup(hostname, { all: true, verbatim: true })).map((r) => r.address);

/** IPv4-compatible IPv6 (::a.b.c.d, deprecated), which ipaddr.js files under plain unicast. */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/**
 * True only for a public unicast address. Loopback, private, link-local, unspecified (0.0.0.0/8),
 * CGNAT, multicast, broadcast, reserved and documentation ranges are not public; neither is any IPv6
 * form that carries or translates an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo), nor
 * unique-local, site-local or discard. Anything that does not parse is not public either.
 */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (!ipaddr.isValid(bare)) return false;
  const parsed = ipaddr.parse(bare);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).match(IPV4_COMPATIBLE)) return false;
  return parsed.range() === 'unicast';
}

/** An address literal in a URL host ("[::1]", "127.0.0.1"), or null for a name. */
export function addressLiteral(hostname: string): string | null {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return isIP(bare) ? bare : null;
}

/** Thrown when a host has no address the console may connect to; the message never says why. */
export class UnreachableAddressError extends Error {
  override name = 'UnreachableAddressError';
  constructor() {
    super('could not reach this address');
  }
}

/**
 * Resolves once and answers the addresses a connection may go to, IPv4 first (a server listening on
 * 0.0.0.0 only answers there). A name with any non-public address is refused outright (a rebinding
 * name would otherwise mix a public answer with a private one).
 */
export async function pinnedLookup(hostname: string, opts: { allowPrivateHosts: boolean; resolve: Resolver }): Promise<string[]> {
  const literal = addressLiteral(hostname);
  let addresses: string[];
  if (literal) addresses = [literal];
  else {
    try {
      addresses = await opts.resolve(hostname);
    } catch {
      throw new UnreachableAddressError();
    }
  }
  if (addresses.length === 0) throw new UnreachableAddressError();
  if (!opts.allowPrivateHosts && !addresses.every(isPublicAddress)) throw new UnreachableAddressError();
  return [...addresses.filter((a) => isIP(a) === 4), ...addresses.filter((a) => isIP(a) !== 4)];
}

/**
 * An undici connector that connects only where the rule allows: the host is resolved once, the rule is
 * applied to what it resolved to, and each allowed address is tried in turn. TLS still checks the
 * certificate against the name in the URL (servername comes from `host`).
 */
export function pinnedConnector(opts: { timeoutMs: number; allowPrivateHosts: boolean; resolve?: Resolver }): buildConnector.connector {
  const base = buildConnector({ timeout: opts.timeoutMs });
  const resolve = opts.resolve ?? systemResolver;
  return (options, callback) => {
    const tryFrom = (addresses: string[], i: number) =>
      base({ ...options, hostname: addresses[i]! }, (err, socket) => {
        if (err && i + 1 < addresses.length) return tryFrom(addresses, i + 1);
        if (err) return callback(err, null);
        return callback(null, socket!);
      });
    pinnedLookup(options.hostname, { allowPrivateHosts: opts.allowPrivateHosts, resolve }).then(
      (addresses) => tryFrom(addresses, 0),
      (err: Error) => callback(err, null),
    );
  };
}
