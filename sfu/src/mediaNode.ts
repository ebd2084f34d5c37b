import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { Logger } from '@confer/shared';
import { ClusterSfu } from './cluster/ClusterSfu.js';
import { connectRedis } from './cluster/connectRedis.js';
import { MediasoupSfu } from './MediasoupSfu.js';
import { loadMediaNodeConfig } from './mediaNodeConfig.js';

export interface RunningMediaNode {
  nodeId: string;
  log: Logger;
  close(): Promise<void>;
}

/**
 * A media node without signaling: mediasoup workers offered to the cluster over Redis (`npm run media-node`).
 * Throws ConfigError, RedisStartError or SfuStartError with one clear message.
 */
export async function startMediaNode(env: Record<string, string | undefined> = process.env, logger?: Logger): Promise<RunningMediaNode> {
  const config = loadMediaNodeConfig(env);
  const nodeId = config.nodeId ?? randomUUID();
  const log: Logger = logger ?? pino({ level: config.logLevel, base: { service: 'media-node', nodeId } });
  const redis = await connectRedis(config.redisUrl, log.child({ component: 'redis' }));
  const local = await MediasoupSfu.start(config.sfu, log.child({ component: 'sfu' })).catch(async (error: unknown) => {
    redis.disconnect();
    throw error;
  });
  const cluster = await ClusterSfu.start({ redis, nodeId, local, log });
  log.info({ workers: local.health().workers.length }, 'media node up');
  return {
    nodeId,
    log,
    close: async () => {
      await cluster.close();
      await local.close();
      await redis.quit().catch(() => undefined);
    },
  };
}
