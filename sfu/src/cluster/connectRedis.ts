import { Redis } from 'ioredis';
import type { Logger } from '@confer/shared';

/** The cluster's Redis cannot be reached at start: the message says what to do. */
export class RedisStartError extends Error {
  override name = 'RedisStartError';
}

/** The URL as logs may show it: without a password. */
export const redactedRedisUrl = (url: string): string => url.replace(/\/\/[^@/]*@/, '//***@');

/**
 * Connects to the cluster's Redis, or fails within a few seconds with one line. Once up, a lost connection
 * is retried for ever (with backoff): requests meanwhile fail after two retries instead of piling up.
 */
export async function connectRedis(url: string, log: Logger): Promise<Redis> {
  const shown = redactedRedisUrl(url);
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 2, retryStrategy: (attempt) => Math.min(attempt * 200, 2000) });
  let down = false;
  redis.on('error', (error: Error) => {
    if (!down) log.warn({ redis: shown, err: error.message }, 'Redis unreachable; retrying');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info({ redis: shown }, 'Redis reachable again');
    down = false;
  });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new RedisStartError(`REDIS_URL=${shown} cannot be reached (${(error as Error).message}): start Redis there, or leave REDIS_URL empty to run a single server`);
  }
  return redis;
}
