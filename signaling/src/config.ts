import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { collectConfig, envInt, envIp, envList, envPort, parseEnv, type TopologyPolicy } from '@confer/shared';
import { sfuConfigFromEnv, type SfuConfig } from '@confer/sfu';

const defaultPublicDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../client/dist');

const schema = z.object({
  PORT: envPort(3000),
  HOST: envIp.default('127.0.0.1'),
  PUBLIC_DIR: z.string().default(defaultPublicDir),
  /** Most participants one room admits. */
  ROOM_CAPACITY: envInt(16, 2, 1000),
  /** Participants at which a room moves from mesh to the SFU. */
  TOPOLOGY_SFU_FROM: envInt(5, 2, 1000),
  /** How long a room must stay below TOPOLOGY_SFU_FROM before it returns to mesh, in ms. */
  TOPOLOGY_MESH_HOLD_MS: envInt(8000, 0, 600_000),
  /** How long a dropped connection keeps its seat for a reconnect, in ms. */
  RECONNECT_GRACE_MS: envInt(10_000, 0, 120_000),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** managed: start coturn here; external: use TURN_URLS (e.g. the compose coturn); off: STUN only. */
  TURN_MODE: z.enum(['managed', 'external', 'off']).default('managed'),
  TURN_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  TURN_URLS: envList,
  TURN_TTL_SECONDS: envInt(3600, 60, 7 * 86400),
  TURN_REALM: z.string().min(1).default('confer.local'),
  TURN_LISTEN_IP: envIp.default('127.0.0.1'),
  TURN_PORT: envPort(3478),
  TURN_MIN_PORT: envPort(49160),
  TURN_MAX_PORT: envPort(49200),
  STUN_URLS: envList,
  TURNSERVER_BIN: z.string().min(1).default('turnserver'),
  /** Lets the dashboard see every room and protects /metrics (unset: no operator access; /metrics open). */
  OPERATOR_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
}).superRefine((c, ctx) => {
  if (c.TURN_MODE === 'external' && !c.TURN_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['TURN_SECRET'], message: 'is required with TURN_MODE=external (the secret coturn was started with)' });
  }
  if (c.TURN_MODE === 'external' && c.TURN_URLS.length === 0) {
    ctx.addIssue({ code: 'custom', path: ['TURN_URLS'], message: 'is required with TURN_MODE=external (e.g. turn:turn.example.com:3478)' });
  }
  if (c.TURN_MIN_PORT > c.TURN_MAX_PORT) {
    ctx.addIssue({ code: 'custom', path: ['TURN_MAX_PORT'], message: 'must be >= TURN_MIN_PORT' });
  }
});

export interface TurnConfig {
  mode: 'managed' | 'external' | 'off';
  /** coturn binary for managed mode. */
  bin: string;
  secret: string;
  urls: string[];
  stunUrls: string[];
  ttlSeconds: number;
  realm: string;
  listenIp: string;
  port: number;
  minPort: number;
  maxPort: number;
}

export interface SignalingConfig {
  port: number;
  host: string;
  publicDir: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  roomCapacity: number;
  reconnectGraceMs: number;
  topology: TopologyPolicy;
  operatorToken: string | null;
  turn: TurnConfig;
  sfu: SfuConfig;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): SignalingConfig {
  const [c, sfu] = collectConfig<[z.infer<typeof schema>, SfuConfig]>(
    () => parseEnv(schema, env),
    () => sfuConfigFromEnv(env),
  );
  const hostForUrls = c.TURN_LISTEN_IP.includes(':') ? `[${c.TURN_LISTEN_IP}]` : c.TURN_LISTEN_IP;
  const managedUrls = [`turn:${hostForUrls}:${c.TURN_PORT}?transport=udp`, `turn:${hostForUrls}:${c.TURN_PORT}?transport=tcp`];
  return {
    port: c.PORT,
    host: c.HOST,
    publicDir: c.PUBLIC_DIR,
    logLevel: c.LOG_LEVEL,
    roomCapacity: c.ROOM_CAPACITY,
    reconnectGraceMs: c.RECONNECT_GRACE_MS,
    topology: { sfuFrom: c.TOPOLOGY_SFU_FROM, meshHoldMs: c.TOPOLOGY_MESH_HOLD_MS },
    operatorToken: c.OPERATOR_TOKEN ?? null,
    turn: {
      mode: c.TURN_MODE,
      bin: c.TURNSERVER_BIN,
      // A managed coturn lives and dies with this process, so a per-run random secret is enough.
      secret: c.TURN_SECRET ?? randomBytes(24).toString('base64url'),
      urls: c.TURN_MODE === 'managed' ? managedUrls : c.TURN_MODE === 'external' ? c.TURN_URLS : [],
      stunUrls: c.STUN_URLS.length > 0 ? c.STUN_URLS : c.TURN_MODE === 'managed' ? [`stun:${hostForUrls}:${c.TURN_PORT}`] : [],
      ttlSeconds: c.TURN_TTL_SECONDS,
      realm: c.TURN_REALM,
      listenIp: c.TURN_LISTEN_IP,
      port: c.TURN_PORT,
      minPort: c.TURN_MIN_PORT,
      maxPort: c.TURN_MAX_PORT,
    },
    sfu,
  };
}
