import { createHash } from 'node:crypto';

const weight = (key: string, server: string): bigint => createHash('sha1').update(`${server}\n${key}`).digest().readBigUInt64BE();

/**
 * Rendezvous (highest random weight) hashing: the one server of `servers` that looks after `key`. Every
 * server computes the same answer from the same list, and a server joining or leaving moves only its share.
 */
export function ownerOf(key: string, servers: readonly string[]): string | null {
  let best: string | null = null;
  let bestWeight = -1n;
  for (const server of servers) {
    const w = weight(key, server);
    if (w > bestWeight || (w === bestWeight && best !== null && server < best)) [best, bestWeight] = [server, w];
  }
  return best;
}
