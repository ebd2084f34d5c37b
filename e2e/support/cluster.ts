import { test as base } from '@playwright/test';
import { startRedis, type TestRedis } from '../../signaling/test-support/redisServer.js';
import { ServerProcess } from '../../signaling/test-support/serverProcess.js';

/**
 * A test's own cluster: a redis-server, and the signaling servers and media nodes it starts (as processes, so
 * that it can kill and restart them). Rooms move to the SFU at 3 (TOPOLOGY_SFU_FROM=3): three pages are enough.
 */
export interface Cluster {
  redis: TestRedis;
  start(env?: Record<string, string>): Promise<ServerProcess>;
  mediaNode(id: string, env?: Record<string, string>): Promise<ServerProcess>;
}
export const test = base.extend<{ cluster: Cluster }>({
  // Playwright reads the fixtures a fixture needs from its first parameter: this one needs none.
  // eslint-disable-next-line no-empty-pattern
  cluster: async ({}, use, info) => {
    const redis = await startRedis();
    const started: ServerProcess[] = [];
    const shared = { REDIS_URL: redis.url, STATE_FILE: '', TOPOLOGY_SFU_FROM: '3' };
    await use({
      redis,
      start: async (env = {}) => {
        const server = await ServerProcess.start({ ...shared, ...env });
        started.push(server);
        return server;
      },
      mediaNode: async (id, env = {}) => {
        const node = await ServerProcess.startMediaNode({ REDIS_URL: redis.url, MEDIA_NODE_ID: id, ...env });
        started.push(node);
        return node;
      },
    });
    if (info.status !== info.expectedStatus) for (const p of started) console.log(`${p.url || 'media node'} output:\n${p.output}`);
    await Promise.all(started.map((p) => p.close()));
    await redis.stop();
  },
});

