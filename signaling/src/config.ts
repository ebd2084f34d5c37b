import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { collectConfig, envBool, envRedisUrl, envInt, envIp, envList, envPort, parseEnv, type TopologyPolicy } from '@confer/shared';
import { sfuConfigFromEnv, type SfuConfig } from '@confer/sfu';
import type { TurnQuotas } from '@confer/turn';
import { normalizeOrigin } from './http/security.js';

const defaultPublicDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../client/dist');

/** Only well-formed origins: an entry with `;` or a path would otherwise leak into the CSP header or never match. */
const originsOnly = (list: string[]) => list.every((o) => normalizeOrigin(o) !== null);
const originsMessage = 'must be origins like https://app.example.com (scheme://host[:port], no path)';

const schema = z.object({
  PORT: envPort(3000),
  HOST: envIp.default('127.0.0.1'),
  PUBLIC_DIR: z.string().default(defaultPublicDir),
  /** Origins whose pages may open Socket.IO connections (comma-separated); empty: only this server's own origin. */
  ALLOWED_ORIGINS: envList.refine(originsOnly, originsMessage),
  /** Origins allowed to frame the app (space- or comma-separated, CSP frame-ancestors); empty: none. */
  FRAME_ANCESTORS: z
    .string()
    .default('')
    .transform((s) => s.split(/[\s,]+/).filter(Boolean))
    .refine(originsOnly, originsMessage),
  /** Most participants one room admits. */
  ROOM_CAPACITY: envInt(16, 2, 1000),
  /** Participants at which a room moves from mesh to the SFU. */
  TOPOLOGY_SFU_FROM: envInt(5, 2, 1000),
  /** How long a room must stay below TOPOLOGY_SFU_FROM before it returns to mesh, in ms. */
  TOPOLOGY_MESH_HOLD_MS: envInt(8000, 0, 600_000),
  /** Participants from which a room with a screen share moves to the SFU (0: only TOPOLOGY_SFU_FROM counts). */
  TOPOLOGY_SFU_FROM_SHARING: envInt(3, 0, 1000),
  /** How long a participant's mesh video must be limited by CPU or bandwidth before a room of 3+ moves to the SFU, in ms (0: never). */
  TOPOLOGY_STRAIN_MS: envInt(10_000, 0, 600_000),
  /** Warm standby: one participant short of TOPOLOGY_SFU_FROM every client keeps an idle SFU session, so the switch only resumes and consumes. */
  TOPOLOGY_STANDBY: envBool(true),
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
  // Relay ports: every relayed peer connection holds one, so a 41-port range ran out; coturn's default top is 65535.
  TURN_MIN_PORT: envPort(49160),
  TURN_MAX_PORT: envPort(65535),
  /** Allocations one participant's credential may hold at once, allocations in all, and bytes per second one may relay (managed coturn). */
  TURN_USER_QUOTA: envInt(16, 1, 10_000),
  TURN_TOTAL_QUOTA: envInt(2000, 1, 1_000_000),
  TURN_MAX_BPS: envInt(500_000, 1000, 1_000_000_000),
  STUN_URLS: envList,
  TURNSERVER_BIN: z.string().min(1).default('turnserver'),
  /** Lets the dashboard see every room and protects /metrics (unset: no operator access; /metrics open). */
  OPERATOR_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Signs resume tokens, so seats survive a restart of this server (unset: random per run; a restart re-seats everyone afresh). */
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /**
   * Where this server keeps what must outlive a restart (each room's password lock and epoch, and who left
   * for good): one JSON-lines file. Empty: in memory only, so no seat is restored after a restart.
   */
  STATE_FILE: z.string().default(''),
  /** Verifies HS256 join tokens minted by an embedding site (claims: room, name, exp). */
  JOIN_TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Admit only joins that carry a valid join token. */
  JOIN_TOKENS_REQUIRED: envBool(false),
  /** Reverse proxies in front of this server (their IP addresses): behind them, a client's address is taken from X-Forwarded-For. */
  TRUSTED_PROXIES: envList.refine((l) => l.every((ip) => isIP(ip) !== 0), 'must be IP addresses (comma-separated)'),
  /** Per client address (all its connections together): connections open at once, new connections and joins per 10 s. */
  MAX_CONNECTIONS_PER_ADDRESS: envInt(20, 1, 100_000),
  ADDRESS_CONNECTIONS_PER_10S: envInt(30, 1, 100_000),
  ADDRESS_JOINS_PER_10S: envInt(30, 1, 100_000),
  /** Most rooms this server holds at once; joins that would open another are refused (UNAVAILABLE). */
  MAX_ROOMS: envInt(1000, 1, 1_000_000),
  /** open: anyone with the link comes in (until the host locks the room); knock: every newcomer waits for the host to admit them. */
  ADMISSION: z.enum(['open', 'knock']).default('open'),
  /** On SIGTERM: how long requests under way may take to finish before the process exits, in ms. */
  SHUTDOWN_DRAIN_MS: envInt(5000, 0, 60_000),
  /** The Redis every server of a cluster shares (rooms, seats, fan-out); empty: one server, all in memory. */
  REDIS_URL: envRedisUrl,
  /** Whether this server runs mediasoup workers (a media node of the cluster); false: signaling only, SFU rooms go to the cluster's media nodes. */
  MEDIA_NODE: envBool(true),
}).superRefine((c, ctx) => {
  if (!c.MEDIA_NODE && !c.REDIS_URL) {
    ctx.addIssue({ code: 'custom', path: ['MEDIA_NODE'], message: 'can be false only with REDIS_URL (SFU rooms then go to the media nodes of the cluster)' });
  }
  if (c.REDIS_URL && !c.SESSION_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['SESSION_SECRET'], message: 'is required with REDIS_URL (every server of the cluster must accept the resume tokens the others sign)' });
  }
  if (c.REDIS_URL && c.STATE_FILE) {
    ctx.addIssue({ code: 'custom', path: ['STATE_FILE'], message: 'must be empty with REDIS_URL (the cluster keeps its state in Redis)' });
  }
  if (c.JOIN_TOKENS_REQUIRED && !c.JOIN_TOKEN_SECRET) {
    ctx.addIssue({ code: 'custom', path: ['JOIN_TOKEN_SECRET'], message: 'is required with JOIN_TOKENS_REQUIRED=true (the secret join tokens are signed with)' });
  }
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
  quotas: TurnQuotas;
}

export interface AccessConfig {
  sessionSecret: string;
  joinTokenSecret: string | null;
  joinTokensRequired: boolean;
}

/** The rule's policy, and how long a participant's mesh sending must be held back before the room moves for it (0: never). */
export type ServerTopologyPolicy = TopologyPolicy & { strainMs: number };

export interface SignalingConfig {
  port: number;
  host: string;
  publicDir: string;
  /** Normalized origins allowed to connect to Socket.IO; empty: same origin only (see http/security.ts). */
  allowedOrigins: string[];
  /** Normalized origins allowed to frame the app; empty: none. */
  frameAncestors: string[];
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  roomCapacity: number;
  reconnectGraceMs: number;
  topology: ServerTopologyPolicy;
  operatorToken: string | null;
  access: AccessConfig;
  maxRooms: number;
  /** knock: newcomers of every room wait for its host (as in a locked room). */
  admission: 'open' | 'knock';
  shutdownDrainMs: number;
  /** The journal of rooms' seals and retired peers (StateJournal); null: memory only. */
  stateFile: string | null;
  trustedProxies: string[];
  /** Budgets of one client address over all its connections (password tries are RoomAccess's). */
  addressLimits: { openConnections: number; connectionsPer10s: number; joinsPer10s: number };
  /** The cluster's Redis; null: a single server. */
  redisUrl: string | null;
  /** Whether this server runs mediasoup workers; false only in a cluster (signaling only). */
  mediaNode: boolean;
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
    allowedOrigins: c.ALLOWED_ORIGINS.flatMap((o) => normalizeOrigin(o) ?? []),
    frameAncestors: c.FRAME_ANCESTORS.flatMap((o) => normalizeOrigin(o) ?? []),
    logLevel: c.LOG_LEVEL,
    roomCapacity: c.ROOM_CAPACITY,
    reconnectGraceMs: c.RECONNECT_GRACE_MS,
    topology: { sfuFrom: c.TOPOLOGY_SFU_FROM, meshHoldMs: c.TOPOLOGY_MESH_HOLD_MS, sfuFromSharing: c.TOPOLOGY_SFU_FROM_SHARING, standby: c.TOPOLOGY_STANDBY, strainMs: c.TOPOLOGY_STRAIN_MS },
    operatorToken: c.OPERATOR_TOKEN ?? null,
    access: {
      sessionSecret: c.SESSION_SECRET ?? randomBytes(32).toString('base64url'),
      joinTokenSecret: c.JOIN_TOKEN_SECRET ?? null,
      joinTokensRequired: c.JOIN_TOKENS_REQUIRED,
    },
    maxRooms: c.MAX_ROOMS,
    admission: c.ADMISSION,
    shutdownDrainMs: c.SHUTDOWN_DRAIN_MS,
    stateFile: c.STATE_FILE || null,
    trustedProxies: c.TRUSTED_PROXIES,
    addressLimits: { openConnections: c.MAX_CONNECTIONS_PER_ADDRESS, connectionsPer10s: c.ADDRESS_CONNECTIONS_PER_10S, joinsPer10s: c.ADDRESS_JOINS_PER_10S },
    redisUrl: c.REDIS_URL || null,
    mediaNode: c.MEDIA_NODE,
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
      quotas: { userQuota: c.TURN_USER_QUOTA, totalQuota: c.TURN_TOTAL_QUOTA, maxBytesPerSecond: c.TURN_MAX_BPS },
    },
    sfu,
  };
}
