import type { CandidateType, ConnectionStats, MediaSource, StreamStats, Topology } from '@confer/shared';

/** One getStats() entry, as plain JSON (RTCStatsReport values). */
export type RawStat = { id: string; type: string; timestamp: number } & Record<string, unknown>;

export interface StreamLabel {
  source: MediaSource;
  peerId: string | null;
}

export interface ConnectionContext {
  /** Stable id of this connection (e.g. 'mesh:<peerId>', 'sfu:send', 'sfu:recv'). */
  id: string;
  path: Topology;
  /** Mesh: remote peer; SFU: null. */
  peerId: string | null;
  direction: 'send' | 'recv' | 'both';
  /** Which participant/source an RTP stream is: by its transceiver mid (mesh) or track identifier (SFU consumer/producer track id). null = skip it. */
  label(stream: { kind: 'audio' | 'video'; direction: 'in' | 'out'; mid: string | null; trackIdentifier: string | null }): StreamLabel | null;
}

// The schema's bounds (shared/src/stats.ts): values are clamped into them so a sample never fails validation.
const MAX_RATE = 1e10;
const MAX_MS = 600_000;
const MAX_ID = 160;
const MAX_CODEC = 64;
const MAX_RID = 16;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const clamp = (v: number, min: number, max: number): number => Math.min(max, Math.max(min, v));
const count = (v: number): number => (Number.isFinite(v) ? clamp(Math.round(v), 0, Number.MAX_SAFE_INTEGER) : 0);
const rate = (v: number): number => (Number.isFinite(v) ? clamp(v, 0, MAX_RATE) : 0);
/** getStats() times are in seconds; the schema's in ms. */
const secondsToMs = (v: unknown): number | null => {
  const s = num(v);
  return s === null ? null : clamp(s * 1000, 0, MAX_MS);
};

/** Growth of a cumulative counter; 0 when either side is missing or it went backwards (a reset stream). */
function delta(current: RawStat, previous: RawStat | undefined, key: string): number {
  const now = num(current[key]);
  const before = previous ? num(previous[key]) : null;
  return now === null || before === null ? 0 : Math.max(0, now - before);
}

/** Seconds between two samples of the same entry; null when there is no usable interval. */
function interval(current: RawStat, previous: RawStat | undefined): number | null {
  if (!previous) return null;
  const dt = (current.timestamp - previous.timestamp) / 1000;
  return Number.isFinite(dt) && dt > 0 ? dt : null;
}

function bitrate(current: RawStat, previous: RawStat | undefined, key: string): number {
  const dt = interval(current, previous);
  return dt === null ? 0 : rate((delta(current, previous, key) * 8) / dt);
}

const CANDIDATE_TYPES: readonly string[] = ['host', 'srflx', 'prflx', 'relay'] satisfies CandidateType[];
const candidateType = (v: unknown): CandidateType | null => (typeof v === 'string' && CANDIDATE_TYPES.includes(v) ? (v as CandidateType) : null);

/**
 * The transport our media actually leaves on. For a relay candidate `protocol` is the TURN server's
 * side (always udp in Chromium), so the client-to-TURN `relayProtocol` is the one that tells TURN/TCP
 * apart; TURN over TLS runs on TCP.
 */
function candidateProtocol(candidate: RawStat | undefined): 'udp' | 'tcp' | null {
  if (!candidate) return null;
  const relay = candidate.candidateType === 'relay' ? str(candidate.relayProtocol)?.toLowerCase() : undefined;
  const p = relay ?? str(candidate.protocol)?.toLowerCase();
  return p === 'udp' ? 'udp' : p === 'tcp' || p === 'tls' ? 'tcp' : null;
}

const QUALITY_LIMITATIONS = ['none', 'cpu', 'bandwidth', 'other'] as const;
type QualityLimitation = (typeof QUALITY_LIMITATIONS)[number];
function qualityLimitation(v: unknown): QualityLimitation | null {
  if (typeof v !== 'string') return null;
  // A reason a future browser adds still means "limited", just not by CPU or bandwidth.
  return (QUALITY_LIMITATIONS as readonly string[]).includes(v) ? (v as QualityLimitation) : 'other';
}

/** The pair ICE uses now: the transport's selected pair, else (browsers without that field) the nominated succeeded pair carrying the most bytes. */
function selectedPair(stats: RawStat[], byId: Map<string, RawStat>): RawStat | undefined {
  for (const t of stats) {
    if (t.type !== 'transport') continue;
    const pair = byId.get(str(t.selectedCandidatePairId) ?? '');
    if (pair?.type === 'candidate-pair') return pair;
  }
  const bytes = (p: RawStat) => (num(p.bytesSent) ?? 0) + (num(p.bytesReceived) ?? 0);
  return stats.filter((s) => s.type === 'candidate-pair' && s.nominated === true && s.state === 'succeeded').sort((a, b) => bytes(b) - bytes(a))[0];
}

const index = (stats: RawStat[]): Map<string, RawStat> => new Map(stats.map((s) => [s.id, s]));

/** The selected candidate pair with its two candidates: how this connection's media travels now. */
export function selectedRoute(current: RawStat[], byId: Map<string, RawStat> = index(current)) {
  const pair = selectedPair(current, byId);
  return {
    pair,
    local: pair ? byId.get(str(pair.localCandidateId) ?? '') : undefined,
    remote: pair ? byId.get(str(pair.remoteCandidateId) ?? '') : undefined,
    rttMs: pair ? secondsToMs(pair.currentRoundTripTime) : null,
  };
}

/**
 * Turns one connection's getStats() (this sample and the one before, a second apart) into the compact
 * per-connection and per-stream figures of shared/src/stats.ts. Rates and per-interval counts come from
 * the difference between the two samples, so without a previous sample they are 0.
 */
export function buildStats(current: RawStat[], previous: RawStat[] | null, ctx: ConnectionContext): { connection: ConnectionStats; streams: StreamStats[] } {
  const now = index(current);
  const before = index(previous ?? []);

  const { pair, local, remote, rttMs: pairRtt } = selectedRoute(current, now);
  const prevPair = pair ? before.get(pair.id) : undefined;
  const available = pair ? num(pair.availableOutgoingBitrate) : null;

  const connection: ConnectionStats = {
    id: ctx.id.slice(0, MAX_ID),
    path: ctx.path,
    peerId: ctx.peerId,
    direction: ctx.direction,
    localCandidateType: candidateType(local?.candidateType),
    remoteCandidateType: candidateType(remote?.candidateType),
    protocol: candidateProtocol(local),
    rttMs: pairRtt,
    availableOutgoingBitrate: available === null ? null : rate(available),
    // A pair that changed since the last sample (ICE restart, new route) has no previous: 0 for one interval.
    sendBitrate: pair ? bitrate(pair, prevPair, 'bytesSent') : 0,
    recvBitrate: pair ? bitrate(pair, prevPair, 'bytesReceived') : 0,
  };

  // Receiver reports, keyed by the outbound stream they describe.
  const remoteInbound = new Map<string, RawStat>();
  for (const s of current) if (s.type === 'remote-inbound-rtp' && str(s.localId)) remoteInbound.set(s.localId as string, s);

  const streams: StreamStats[] = [];
  const ids = new Set<string>();
  for (const s of current) {
    if (s.type !== 'inbound-rtp' && s.type !== 'outbound-rtp') continue;
    const direction = s.type === 'inbound-rtp' ? 'in' : 'out';
    const kind = s.kind ?? s.mediaType;
    if (kind !== 'audio' && kind !== 'video') continue;
    const source = direction === 'out' ? now.get(str(s.mediaSourceId) ?? '') : undefined;
    // A disabled simulcast layer (or a sender without a track) that never sent anything is not a stream worth showing.
    if (direction === 'out' && s.active === false && !num(s.bytesSent)) continue;
    const trackIdentifier = str(direction === 'in' ? s.trackIdentifier : source?.trackIdentifier);
    const label = ctx.label({ kind, direction, mid: str(s.mid), trackIdentifier });
    if (!label) continue;

    const prev = before.get(s.id);
    const dt = interval(s, prev);
    const video = kind === 'video';
    const report = direction === 'out' ? remoteInbound.get(s.id) : undefined;

    const packets = count(delta(s, prev, direction === 'in' ? 'packetsReceived' : 'packetsSent'));
    // Inbound: what we missed; outbound: what the receiver reported missing (its packetsLost is cumulative too).
    const lost = count(direction === 'in' ? delta(s, prev, 'packetsLost') : report ? delta(report, before.get(report.id), 'packetsLost') : 0);
    const fractionLost = report ? num(report.fractionLost) : null;
    // The receiver's own fraction covers its last report interval; our deltas may straddle two reports.
    const lossPct = fractionLost !== null ? fractionLost * 100 : lost + packets > 0 ? (lost / (lost + packets)) * 100 : 0;

    let fps: number | null = null;
    if (video) {
      const reported = num(s.framesPerSecond);
      // Chromium leaves framesPerSecond out while no frame arrives (e.g. a paused consumer): derive it, which gives 0.
      fps = reported ?? (dt === null ? null : delta(s, prev, direction === 'in' ? 'framesDecoded' : 'framesEncoded') / dt);
    }
    const dropped = direction === 'in' && video && num(s.framesDropped) !== null ? count(delta(s, prev, 'framesDropped')) : null;
    const freezes = direction === 'in' && video ? num(s.freezeCount) : null;
    const level = kind === 'audio' ? num(direction === 'in' ? s.audioLevel : source?.audioLevel) : null;
    const width = video ? num(s.frameWidth) : null;
    const height = video ? num(s.frameHeight) : null;
    const rid = direction === 'out' ? (str(s.rid)?.slice(0, MAX_RID) ?? null) : null;

    let id = `${ctx.path}:${direction}:${label.peerId ?? 'sfu'}:${label.source}${rid ? `:${rid}` : ''}`;
    // Two streams labelled alike (a label that maps two transceivers to one source) keep distinct, stable ids.
    if (ids.has(id)) id = `${id}:${String(s.ssrc)}`;
    id = id.slice(0, MAX_ID);
    ids.add(id);

    streams.push({
      id,
      direction,
      kind,
      source: label.source,
      path: ctx.path,
      peerId: label.peerId,
      bitrate: bitrate(s, prev, direction === 'in' ? 'bytesReceived' : 'bytesSent'),
      packets,
      packetsLost: lost,
      lossPct: clamp(Number.isFinite(lossPct) ? lossPct : 0, 0, 100),
      jitterMs: secondsToMs(direction === 'in' ? s.jitter : report?.jitter),
      // remote-inbound-rtp measures this stream's own round trip; otherwise the path's (candidate pair).
      rttMs: (report ? secondsToMs(report.roundTripTime) : null) ?? pairRtt,
      fps: fps === null ? null : clamp(fps, 0, 1000),
      width: width === null ? null : count(width),
      height: height === null ? null : count(height),
      framesDropped: dropped,
      freezes: freezes === null ? null : count(freezes),
      qualityLimitation: direction === 'out' && video ? qualityLimitation(s.qualityLimitationReason) : null,
      codec: str(now.get(str(s.codecId) ?? '')?.mimeType)?.slice(0, MAX_CODEC) ?? null,
      rid,
      audioLevel: level === null ? null : clamp(level, 0, 1),
      capture: capture(video ? source : undefined),
    });
  }
  return { connection, streams };
}

/** RTCStatsReport -> RawStat[] (plain JSON), for the collector and for recording fixtures. */
/** The track a video sender encodes (its media-source entry): what a layer's size and rate are judged against. */
function capture(source: RawStat | undefined): StreamStats['capture'] {
  const width = num(source?.width);
  const height = num(source?.height);
  if (!width || !height) return null;
  const fps = num(source?.framesPerSecond);
  return { width: count(width), height: count(height), fps: fps === null ? null : clamp(fps, 0, 1000) };
}

export function toRawStats(report: RTCStatsReport): RawStat[] {
  const out: RawStat[] = [];
  for (const value of report.values() as Iterable<unknown>) {
    if (typeof value !== 'object' || value === null) continue;
    const s = value as Record<string, unknown>;
    // Certificates are large and say nothing about call quality.
    if (typeof s.id !== 'string' || typeof s.type !== 'string' || typeof s.timestamp !== 'number' || s.type === 'certificate') continue;
    // A shallow copy is plain data: RTCStats values are dictionaries of numbers, strings and (one level) records.
    out.push({ ...s, id: s.id, type: s.type, timestamp: s.timestamp });
  }
  return out;
}
