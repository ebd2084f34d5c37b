import { cpus } from 'node:os';
import { z } from 'zod';
import { envInt, envIp, envPort, parseEnv } from '@confer/shared';

const schema = z
  .object({
    /** One mediasoup worker per core by default (a worker is single-threaded). */
    SFU_WORKERS: envInt(Math.max(1, cpus().length), 1, 64),
    SFU_LISTEN_IP: envIp.default('127.0.0.1'),
    /** The address clients reach the SFU at (public IP behind NAT); defaults to SFU_LISTEN_IP. */
    SFU_ANNOUNCED_IP: envIp.optional(),
    /** Each worker's WebRtcServer (single-port ICE) listens on this port + its index; 0 = a port from the RTC range. */
    SFU_WEBRTC_PORT: envPort(44444),
    SFU_RTC_MIN_PORT: envPort(40000),
    SFU_RTC_MAX_PORT: envPort(40999),
    /** Per-worker limits: a worker is one core; past these, joins are refused rather than degrading every call on it. */
    SFU_MAX_ROOMS_PER_WORKER: envInt(200, 1, 100_000),
    SFU_MAX_PEERS_PER_WORKER: envInt(200, 1, 100_000),
    /** Per-node limit on peers (all workers): in a cluster, a room whose node is full continues on another media node. */
    SFU_MAX_PEERS_PER_NODE: envInt(100_000, 1, 100_000),
    /** dBov above which the audio-level observer counts a participant as audible (speaking outline on the SFU). */
    SFU_AUDIO_LEVEL_THRESHOLD: z.coerce.number({ error: 'must be a number of dBov' }).int().min(-127, 'must be >= -127').max(0, 'must be <= 0').default(-60),
    SFU_LOG_LEVEL: z.enum(['debug', 'warn', 'error', 'none']).default('warn'),
  })
  .refine((c) => c.SFU_RTC_MIN_PORT <= c.SFU_RTC_MAX_PORT, {
    path: ['SFU_RTC_MAX_PORT'],
    message: 'must be >= SFU_RTC_MIN_PORT',
  });

export interface SfuConfig {
  workers: number;
  listenIp: string;
  announcedIp: string | undefined;
  webRtcPort: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  logLevel: 'debug' | 'warn' | 'error' | 'none';
  maxRoomsPerWorker: number;
  maxPeersPerWorker: number;
  maxPeersPerNode: number;
  audioLevelThreshold: number;
}

export function sfuConfigFromEnv(env: Record<string, string | undefined> = process.env): SfuConfig {
  const c = parseEnv(schema, env);
  return {
    workers: c.SFU_WORKERS,
    listenIp: c.SFU_LISTEN_IP,
    announcedIp: c.SFU_ANNOUNCED_IP,
    webRtcPort: c.SFU_WEBRTC_PORT,
    rtcMinPort: c.SFU_RTC_MIN_PORT,
    rtcMaxPort: c.SFU_RTC_MAX_PORT,
    logLevel: c.SFU_LOG_LEVEL,
    maxRoomsPerWorker: c.SFU_MAX_ROOMS_PER_WORKER,
    maxPeersPerWorker: c.SFU_MAX_PEERS_PER_WORKER,
    maxPeersPerNode: c.SFU_MAX_PEERS_PER_NODE,
    audioLevelThreshold: c.SFU_AUDIO_LEVEL_THRESHOLD,
  };
}
