/*
 * Call-quality score: a pure function of one 1 s stats interval of one RTP stream.
 *
 * Formula. Each problem costs points out of a 100-point rating, the penalties add up, and the rating maps
 * linearly onto 1..5:
 *
 *     score = clamp(1 + (100 − Σ penalties) / 25, 1, 5), rounded to one decimal
 *
 * so 25 points cost one score point, and LiveKit's EXCELLENT (> 80 of 100) lands on our 4.2 (excellent),
 * its GOOD/POOR line (40) near our 2.5 (bad). Levels: excellent ≥ 4.2, good ≥ 3.5, poor ≥ 2.5, bad below.
 *
 * Penalties (points), each zero up to a free allowance so that normal values cost nothing:
 * - packet loss, both directions: (lossPct − 1) × 6 for audio (Opus conceals small losses), × 8 for video
 *   (a lost packet costs a frame or a keyframe request). Video: 5 % → good, 10 % → bad, matching Jitsi
 *   (≤ 2 % fine, ≥ 10 % capped at 30 %); audio: 5 % → good, 10 % → poor, 15 % → bad. Scaled down while
 *   fewer than 20 packets were expected, since one lost packet of four is 25 % but means little (LiveKit
 *   weights loss by current ÷ peak packet rate for the same reason; one sample has no peak).
 * - round trip (the stream's, else its connection's): 0.1 per ms above 200 ms. ITU-T G.114 / the E-model
 *   behind LiveKit's delay effect: one-way delay up to ~150 ms is fine, 400 ms is the limit for conversation,
 *   so RTT 300 ms → 4.6, 420 ms → good, 800 ms → poor, 1 s → bad.
 * - jitter: 1.2 per ms above 30 ms (the usual VoIP budget; LiveKit counts 2 × jitter as added delay, but
 *   high jitter also means concealment and late video frames): 45 ms → 4.3, 60 ms → good, 100 ms → bad.
 * - relayed (either candidate is TURN): 3, so it shows in the tooltip but never changes the level alone;
 *   a TURN hop is normal on strict networks, and the latency it adds is already counted through the RTT.
 * - video, sender's quality limitation: CPU 25 (the machine is overloaded; every stream suffers, one level
 *   down), bandwidth 10 (congestion control doing its job; its visible effect, a smaller picture, is scored
 *   below). 'other' costs nothing.
 * - video, outbound camera resolution below its layer: 25 per halving of the shorter side (LiveKit takes
 *   35 per missing spatial layer). The target is the capture (`capture`) scaled by the client's 4/2/1
 *   simulcast encodings (q/r0 ÷4, h/r1 ÷2, f/r2 and non-simulcast ÷1), 5 % rounding allowed; without the
 *   capture, the default 640×360's: 90p, 180p, 360p. Inbound resolution is not scored:
 *   the receiver picks its layer to fit the tile, so a small picture there is a choice, not a fault.
 * - video, camera frame rate below 15 fps (or below 90 % of what the camera captures, when that is less):
 *   70 × (1 − fps / target): 10 of 15 fps → good, 4 → poor, no decoded frames → bad. Screen shares are exempt: they are captured at ≤ 15 fps and a static screen legitimately
 *   encodes at 1–5 fps (contentHint 'detail' keeps resolution over frame rate).
 * - video, frames dropped: 80 × (share − 0.05), share = dropped ÷ (decoded + dropped) frames: a third
 *   dropped costs about one score point.
 *
 * Not scored: bitrate against a target (Jitsi's measure): a static camera compresses far below its cap, and
 * the encoder's response to too little bitrate, a smaller or slower picture, is measured directly. `freezes`
 * is a running total: one sample cannot tell whether a freeze happened in this interval, so it is left to
 * callers that keep history (a difference of consecutive samples).
 *
 * Unknown (score 0): no packet sent or received and none lost in the interval. That is what a paused
 * producer or consumer, a video track replaced by null (camera off) or an inactive simulcast layer looks
 * like; one sample cannot tell it from a stalled stream, so it is not scored rather than scored as bad.
 *
 * Reasons list the penalties worth at least 0.05 of a score point (visible after rounding), worst first.
 */

import type { ConnectionStats, StreamStats } from './stats.js';

export type QualityLevel = 'excellent' | 'good' | 'poor' | 'bad' | 'unknown';

/** A score from 1 (unusable) to 5 (perfect), its level, and why it is not perfect (for a tooltip). */
export interface Quality {
  score: number;
  level: QualityLevel;
  reasons: string[];
}

/** One problem: the rating points it costs and how it reads in a tooltip. */
interface Penalty {
  points: number;
  reason: string;
}

const RATING = 100;
const POINTS_PER_SCORE = 25;
const MIN_REASON_POINTS = 0.05 * POINTS_PER_SCORE;

const LOSS_FREE_PCT = 1;
const LOSS_POINTS_PER_PCT = { audio: 6, video: 8 } as const;
const LOSS_FULL_CONFIDENCE_PACKETS = 20;

const RTT_FREE_MS = 200;
const RTT_POINTS_PER_MS = 0.1;

const JITTER_FREE_MS = 30;
const JITTER_POINTS_PER_MS = 1.2;

const RELAY_POINTS = 3;

const CPU_LIMITED_POINTS = 25;
const BANDWIDTH_LIMITED_POINTS = 10;

const RESOLUTION_POINTS_PER_HALVING = 25;
/** Shorter side a layer should reach. mediasoup-client names layers r0/r1/r2 when encodings carry no rid. */
const LAYER_FLOOR_PX: Readonly<Record<string, number>> = { q: 90, h: 180, f: 360, r0: 90, r1: 180, r2: 360 };
const NON_SIMULCAST_FLOOR_PX = 360;

const FPS_FREE = 15;
/** Encoders lose a frame now and then; only a rate clearly below the capture's counts. */
const FPS_CAPTURE_SHARE = 0.9;
const SCALE_BY_LAYER: Readonly<Record<string, number>> = { q: 4, h: 2, f: 1, r0: 4, r1: 2, r2: 1 };
const RESOLUTION_ROUNDING = 0.95;
const FPS_MAX_POINTS = 70;

const DROPPED_FREE_SHARE = 0.05;
const DROPPED_POINTS_PER_SHARE = 80;

/** Quality of one stream; `connection` is the connection it travels on, when known. */
export function streamQuality(stream: StreamStats, connection?: ConnectionStats | null): Quality {
  if (stream.packets === 0 && stream.packetsLost === 0) return unknownQuality();

  const rttMs = finiteOrNull(stream.rttMs) ?? finiteOrNull(connection?.rttMs);
  const penalties: (Penalty | null)[] = [
    lossPenalty(stream),
    rttPenalty(rttMs),
    jitterPenalty(finiteOrNull(stream.jitterMs)),
    relayPenalty(connection ?? null),
  ];
  if (stream.kind === 'video') {
    penalties.push(limitationPenalty(stream), resolutionPenalty(stream), frameRatePenalty(stream), droppedPenalty(stream));
  }

  const found = penalties.filter((p): p is Penalty => p !== null && p.points > 0);
  const total = found.reduce((sum, p) => sum + p.points, 0);
  const score = round1(clamp(1 + (RATING - total) / POINTS_PER_SCORE, 1, 5));
  // Array.prototype.sort is stable, so equal penalties keep the order above (network first).
  const reasons = found
    .filter((p) => p.points >= MIN_REASON_POINTS)
    .sort((a, b) => b.points - a.points)
    .map((p) => p.reason);
  return { score, level: levelOf(score), reasons };
}

/** A participant's (or any group of streams') quality: led by the worst stream. */
export function combineQuality(qualities: Quality[]): Quality {
  // An idle stream (muted, paused) says nothing about the others, so it must not hide or lead them.
  const worstFirst = qualities.filter((q) => q.level !== 'unknown').sort((a, b) => a.score - b.score);
  const worst = worstFirst[0];
  if (!worst) return unknownQuality();

  // The same problem on several streams reads once, with the figure from the lowest-scoring stream that has it.
  const seen = new Set<string>();
  const reasons: string[] = [];
  for (const q of worstFirst) {
    for (const reason of q.reasons) {
      const key = reason.replace(/\s*\(.*\)$/, '');
      if (seen.has(key)) continue;
      seen.add(key);
      reasons.push(reason);
    }
  }
  return { score: worst.score, level: worst.level, reasons };
}

function unknownQuality(): Quality {
  return { score: 0, level: 'unknown', reasons: [] };
}

function levelOf(score: number): QualityLevel {
  if (score >= 4.2) return 'excellent';
  if (score >= 3.5) return 'good';
  if (score >= 2.5) return 'poor';
  return 'bad';
}

function lossPenalty(s: StreamStats): Penalty | null {
  const lossPct = finiteOrNull(s.lossPct) ?? 0;
  const excess = lossPct - LOSS_FREE_PCT;
  if (excess <= 0) return null;
  // Outbound: packetsLost is out of the packets we sent; inbound: out of those received plus lost.
  const expected = s.direction === 'out' ? Math.max(s.packets, s.packetsLost) : s.packets + s.packetsLost;
  const confidence = Math.min(1, expected / LOSS_FULL_CONFIDENCE_PACKETS);
  return { points: excess * LOSS_POINTS_PER_PCT[s.kind] * confidence, reason: `high packet loss (${fmt(lossPct)}%)` };
}

function rttPenalty(rttMs: number | null): Penalty | null {
  if (rttMs === null || rttMs <= RTT_FREE_MS) return null;
  return { points: (rttMs - RTT_FREE_MS) * RTT_POINTS_PER_MS, reason: `long round trip (${Math.round(rttMs)} ms)` };
}

function jitterPenalty(jitterMs: number | null): Penalty | null {
  if (jitterMs === null || jitterMs <= JITTER_FREE_MS) return null;
  return { points: (jitterMs - JITTER_FREE_MS) * JITTER_POINTS_PER_MS, reason: `high jitter (${Math.round(jitterMs)} ms)` };
}

function relayPenalty(c: ConnectionStats | null): Penalty | null {
  if (c?.localCandidateType !== 'relay' && c?.remoteCandidateType !== 'relay') return null;
  return { points: RELAY_POINTS, reason: 'relayed' };
}

function limitationPenalty(s: StreamStats): Penalty | null {
  if (s.qualityLimitation === 'cpu') return { points: CPU_LIMITED_POINTS, reason: 'CPU limited' };
  if (s.qualityLimitation === 'bandwidth') return { points: BANDWIDTH_LIMITED_POINTS, reason: 'bandwidth limited' };
  return null;
}

function resolutionPenalty(s: StreamStats): Penalty | null {
  // Only what we send from the camera has a known target (see the header); screens follow the screen's size.
  if (s.direction !== 'out' || s.source !== 'camera' || !s.width || !s.height) return null;
  const scale = s.rid === null ? 1 : SCALE_BY_LAYER[s.rid];
  const captured = s.capture ? Math.min(s.capture.width, s.capture.height) : null;
  const floor = captured && scale ? Math.round((captured / scale) * RESOLUTION_ROUNDING) : s.rid === null ? NON_SIMULCAST_FLOOR_PX : LAYER_FLOOR_PX[s.rid];
  if (!floor) return null;
  // The shorter side, so a portrait phone camera is judged like a landscape one.
  const side = Math.min(s.width, s.height);
  if (side >= floor) return null;
  const reason = s.rid === null ? `low resolution (${side}p of ${floor}p)` : `low layer (${s.rid}: ${side}p of ${floor}p)`;
  return { points: Math.log2(floor / side) * RESOLUTION_POINTS_PER_HALVING, reason };
}

function frameRatePenalty(s: StreamStats): Penalty | null {
  const fps = finiteOrNull(s.fps);
  const captured = finiteOrNull(s.capture?.fps);
  const target = captured !== null && captured > 0 ? Math.min(FPS_FREE, captured * FPS_CAPTURE_SHARE) : FPS_FREE;
  if (s.source === 'screen' || fps === null || fps >= target) return null;
  return { points: FPS_MAX_POINTS * (1 - fps / target), reason: `low frame rate (${fmt(fps)} fps)` };
}

function droppedPenalty(s: StreamStats): Penalty | null {
  const dropped = s.framesDropped;
  const fps = finiteOrNull(s.fps);
  // Without the decoded count there is no share to judge; a bare count depends on the frame rate.
  if (!dropped || fps === null) return null;
  const share = dropped / (fps + dropped);
  if (share <= DROPPED_FREE_SHARE) return null;
  return { points: (share - DROPPED_FREE_SHARE) * DROPPED_POINTS_PER_SHARE, reason: `dropped frames (${fmt(share * 100)}%)` };
}

/** Samples are validated by signaling, but the browser also scores its own, unvalidated ones. */
function finiteOrNull(n: number | null | undefined): number | null {
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** Tooltip figures: one decimal below 10 (2.5 %, 4 fps), whole numbers above (12 %). */
function fmt(n: number): string {
  return String(n < 10 ? round1(n) : Math.round(n));
}
