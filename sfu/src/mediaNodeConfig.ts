import { z } from 'zod';
import { collectConfig, envRedisUrl, parseEnv } from '@confer/shared';
import { sfuConfigFromEnv, type SfuConfig } from './config.js';

const schema = z.object({
  /** The Redis of the cluster this node adds SFU capacity to. */
  REDIS_URL: envRedisUrl.refine((u) => u !== '', 'is required: the Redis of the cluster this media node joins (e.g. redis://127.0.0.1:6379)'),
  /** How the node is named in the cluster (logs, placement); a random id when empty. */
  MEDIA_NODE_ID: z
    .string()
    .regex(/^[\w.-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes or underscores')
    .optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export interface MediaNodeConfig {
  redisUrl: string;
  nodeId: string | null;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  sfu: SfuConfig;
}

/** `npm run media-node`'s settings: the cluster's Redis plus the SFU's own (SFU_*, as for a server). */
export function loadMediaNodeConfig(env: Record<string, string | undefined> = process.env): MediaNodeConfig {
  const [c, sfu] = collectConfig<[z.infer<typeof schema>, SfuConfig]>(
    () => parseEnv(schema, env),
    () => sfuConfigFromEnv(env),
  );
  return { redisUrl: c.REDIS_URL, nodeId: c.MEDIA_NODE_ID ?? null, logLevel: c.LOG_LEVEL, sfu };
}
