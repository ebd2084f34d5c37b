import { z } from 'zod';
import { mediaSourceSchema, peerIdSchema, roomIdSchema, topologySchema } from './schemas.js';

/**
 * Call-quality statistics. Each browser samples getStats() once a second per connection and sends
 * compact samples to signaling, which merges them with the SFU's own figures and streams them to
 * dashboard viewers. Samples are untrusted input and validated like any signaling message.
 */

/** How often a browser samples its connections. */
export const STATS_INTERVAL_MS = 1000;
/** Samples one stats:report may carry (a client catching up after a short disconnect sends a batch). */
export const MAX_SAMPLES_PER_REPORT = 5;
/** Samples a socket may send per rolling 10 s window (a 1 Hz sender plus slack for one catch-up batch). */
export const MAX_SAMPLES_PER_10S = 20;
/** History kept per participant and for the SFU: 5 minutes at 1 Hz. */
export const STATS_HISTORY_SAMPLES = 300;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const rate = z.number().min(0).max(1e10);
const ms = z.number().min(0).max(600_000);
const nullableMs = ms.nullable();

export const candidateTypeSchema = z.enum(['host', 'srflx', 'prflx', 'relay']);
export type CandidateType = z.infer<typeof candidateTypeSchema>;

/** One RTP stream, sent or received, over the last sampling interval. */
export const streamStatsSchema = z.strictObject({
  /** Stable across samples: the same stream keeps its id (e.g. `mesh:in:<peer>:camera`). */
  id: z.string().min(1).max(160),
  direction: z.enum(['in', 'out']),
  kind: z.enum(['audio', 'video']),
  source: mediaSourceSchema,
  path: topologySchema,
  /** The other participant: the sender of an inbound stream, the receiver of an outbound mesh stream; null for outbound to the SFU. */
  peerId: peerIdSchema.nullable(),
  /** Bits per second over the interval. */
  bitrate: rate,
  /** Packets received (in) or sent (out) during the interval. */
  packets: count,
  /** Packets lost during the interval: seen by us (in) or reported by the receiver (out). */
  packetsLost: count,
  /** packetsLost as a percentage of packets expected, 0..100. */
  lossPct: z.number().min(0).max(100),
  jitterMs: nullableMs,
  /** Round-trip time: remote-inbound-rtp for outbound streams, else the connection's candidate pair. */
  rttMs: nullableMs,
  fps: z.number().min(0).max(1000).nullable(),
  width: count.nullable(),
  height: count.nullable(),
  /** Video frames dropped (in) during the interval. */
  framesDropped: count.nullable(),
  /** Video freezes (in) since the stream started (Chromium's freezeCount). */
  freezes: count.nullable(),
  /** Why the sender reduces quality (out video). */
  qualityLimitation: z.enum(['none', 'cpu', 'bandwidth', 'other']).nullable(),
  /** e.g. `video/VP8`. */
  codec: z.string().max(64).nullable(),
  /** Simulcast layer of an outbound stream (mediasoup-client names them `r0`..`r2`, low to high); null when not simulcast. */
  rid: z.string().max(16).nullable(),
  /** 0..1 (audio). */
  audioLevel: z.number().min(0).max(1).nullable(),
  /** What the camera/screen captures (out video): the size and rate the encoder could have sent. */
  capture: z.strictObject({ width: count, height: count, fps: z.number().min(0).max(1000).nullable() }).nullable(),
});
export type StreamStats = z.infer<typeof streamStatsSchema>;

/** One peer connection (mesh) or mediasoup transport (SFU): the selected candidate pair. */
export const connectionStatsSchema = z.strictObject({
  id: z.string().min(1).max(160),
  path: topologySchema,
  /** Mesh: the peer at the other end; SFU: null. */
  peerId: peerIdSchema.nullable(),
  /** SFU transports are one-way; a mesh connection carries both directions. */
  direction: z.enum(['send', 'recv', 'both']),
  /** Our side's selected candidate type, and the remote side's. */
  localCandidateType: candidateTypeSchema.nullable(),
  remoteCandidateType: candidateTypeSchema.nullable(),
  protocol: z.enum(['udp', 'tcp']).nullable(),
  rttMs: nullableMs,
  availableOutgoingBitrate: rate.nullable(),
  /** Bits per second over the interval, in each direction. */
  sendBitrate: rate,
  recvBitrate: rate,
});
export type ConnectionStats = z.infer<typeof connectionStatsSchema>;

/** Everything one browser measured at one moment. */
export const statsSampleSchema = z.strictObject({
  /** Unix ms on the sender's clock. */
  at: z.number().int().min(0).max(8.64e15),
  topology: topologySchema,
  /**
   * Bounds a real client stays inside: at most 3 mesh links and 2 SFU transports at once (during a switch);
   * a full SFU room of 16 has 45 incoming streams (15 others' mic, camera, screen) and 5 outgoing.
   */
  connections: z.array(connectionStatsSchema).max(8),
  streams: z.array(streamStatsSchema).max(64),
});
export type StatsSample = z.infer<typeof statsSampleSchema>;

export const statsReportSchema = z.strictObject({
  samples: z.array(statsSampleSchema).min(1).max(MAX_SAMPLES_PER_REPORT),
});
export type StatsReport = z.infer<typeof statsReportSchema>;

/** A dashboard viewer asks for a room: participants for their own room, an operator (token) for any. */
export const statsSubscribeSchema = z.strictObject({
  roomId: roomIdSchema,
  operatorToken: z.string().min(1).max(256).optional(),
});
export type StatsSubscribeRequest = z.infer<typeof statsSubscribeSchema>;

export const statsUnsubscribeSchema = z.strictObject({ roomId: roomIdSchema });

export const statsRoomsSchema = z.strictObject({ operatorToken: z.string().min(1).max(256) });

/** What the SFU knows of a room's media, sampled by the server (the SFU's view on the dashboard). */
export interface SfuRoomStats {
  producers: {
    producerId: string;
    peerId: string;
    kind: 'audio' | 'video';
    source: z.infer<typeof mediaSourceSchema>;
    /** Simulcast layers (RTP streams) the SFU has received from this producer. */
    layers: number;
    /** Of those, the layers with a non-zero bitrate now (a sender short of CPU or bandwidth drops the top ones). */
    activeLayers: number;
    /** mediasoup's 0..10 score per received RTP stream (layer). */
    scores: number[];
    bitrate: number;
  }[];
  consumers: {
    consumerId: string;
    /** The participant receiving it. */
    peerId: string;
    producerId: string;
    kind: 'audio' | 'video';
    paused: boolean;
    /** The layer the consumer asked for (follows its tile size) and the one it receives now. */
    preferredSpatialLayer: number | null;
    spatialLayer: number | null;
    temporalLayer: number | null;
    /** mediasoup's 0..10 scores: of what it sends to the receiver, and of what it gets from the producer. */
    score: number;
    producerScore: number;
    bitrate: number;
  }[];
  /** Chat channels: one data producer per peer, a data consumer per other peer. */
  dataProducers: number;
  dataConsumers: number;
  transports: number;
  /** Bits per second the SFU receives from and sends to this room's browsers. */
  recvBitrate: number;
  sendBitrate: number;
  /** Bytes through the room's transports since they opened. */
  bytesReceived: number;
  bytesSent: number;
  /** CPU of the worker process hosting the room, % of one core over the last interval (null at first sample). */
  workerCpuPct: number | null;
}

export interface SfuStatsSample extends SfuRoomStats {
  /** Unix ms (server clock). */
  at: number;
}
