import { afterAll, afterEach, beforeAll } from 'vitest';
import { silentLogger } from '@confer/shared';
import { startApp, type RunningApp } from '../src/app.js';
import { socketClients } from './clients.js';
import { SESSION_SECRET } from './clusterServers.js';

/** What a hardening suite runs on: `describe.each(SETUPS)('... (%s)', (_, count) => ...)`. */
export const SETUPS: [string, number][] = [
  ['one server', 1],
  ['a cluster of two servers', 2],
];

/**
 * The servers of a hardening suite that runs on one server and on a cluster of `count` over Redis: started
 * in-process for the describe block, each new client on the next server, so that a cluster's requests cross
 * between servers as an attacker's would.
 */
export function spreadServers(count: number, env: Record<string, string>, redis: { readonly url: string }) {
  let apps: RunningApp[] = [];
  let next = 0;
  const clients = socketClients(() => apps[next++ % apps.length]!.url);
  beforeAll(async () => {
    const cluster = count > 1 ? { REDIS_URL: redis.url, SESSION_SECRET } : {};
    apps = [];
    for (let i = 0; i < count; i++) apps.push(await startApp({ ...env, ...cluster }, silentLogger));
  });
  afterEach(() => clients.closeAll());
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });
  return {
    clients,
    /** The first server (any server sees the cluster's rooms). */
    get app(): RunningApp {
      return apps[0]!;
    },
    get apps(): readonly RunningApp[] {
      return apps;
    },
    requestsInFlight: () => apps.reduce((n, a) => n + a.server.requestsInFlight, 0),
  };
}
