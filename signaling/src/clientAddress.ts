import { isIP } from 'node:net';

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) is 1.2.3.4. */
const normalize = (ip: string) => (ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip);

/**
 * The address a request comes from, for per-address budgets. Behind a reverse proxy every connection comes
 * from the proxy, so when the peer is one of `trustedProxies` the client is the nearest untrusted address in
 * X-Forwarded-For (entries further left were written by the client itself and prove nothing).
 */
export function clientAddress(remote: string | undefined, forwardedFor: string | string[] | undefined, trustedProxies: string[]): string {
  const peer = normalize(remote ?? '');
  const trusted = new Set(trustedProxies.map(normalize));
  if (!trusted.has(peer) || forwardedFor === undefined) return peer;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((h) => normalize(h.trim()))
    .filter((h) => isIP(h) !== 0);
  for (let i = hops.length - 1; i >= 0; i--) if (!trusted.has(hops[i]!)) return hops[i]!;
  return hops[0] ?? peer;
}
