import { describe, expect, it } from 'vitest';
import { connectionStatsSchema, scoreSample, streamStatsSchema, type MediaSource, type StreamStats } from '@confer/shared';
import { buildStats, toRawStats, type ConnectionContext, type RawStat, type StreamLabel } from './buildStats';
// Real getStats() samples from headless Chromium 156 (see fixtures/README.md for how they were recorded).
import meshJson from './fixtures/mesh.json';
import relayJson from './fixtures/relay.json';
import sfuRecvJson from './fixtures/sfu-recv.json';
import sfuSendJson from './fixtures/sfu-send.json';

interface FixtureLabel {
  mid: string | null;
  trackIdentifier: string | null;
  source: MediaSource;
  peerId: string | null;
}
interface Fixture {
  context: Omit<ConnectionContext, 'label'>;
  selfPeerId: string;
  peers?: { name: string; peerId: string }[];
  labels: FixtureLabel[];
  previous: RawStat[];
  current: RawStat[];
}

// JSON imports are typed from their contents; the fixtures are ours, so a shape check is enough.
function fixture(json: unknown): Fixture {
  const f = json as Fixture;
  if (!Array.isArray(f.current) || !Array.isArray(f.previous) || !Array.isArray(f.labels)) throw new Error('not a stats fixture');
  return f;
}
const mesh = fixture(meshJson);
const relay = fixture(relayJson);
const sfuSend = fixture(sfuSendJson);
const sfuRecv = fixture(sfuRecvJson);

/** The labelling the app does (PeerLink / SfuSession), replayed from what the recording saw: by mid (mesh) or track id (SFU). */
function contextOf(f: Fixture, override?: ConnectionContext['label']): ConnectionContext {
  const label: ConnectionContext['label'] = ({ mid, trackIdentifier }) => {
    const hit = f.labels.find((l) => (l.mid !== null ? l.mid === mid : l.trackIdentifier === trackIdentifier));
    return hit ? ({ source: hit.source, peerId: hit.peerId } satisfies StreamLabel) : null;
  };
  return { ...f.context, label: override ?? label };
}

function build(f: Fixture, previous: RawStat[] | null = f.previous, ctx = contextOf(f)) {
  const built = buildStats(f.current, previous, ctx);
  // Everything buildStats returns must pass the schemas signaling validates reports with.
  connectionStatsSchema.parse(built.connection);
  for (const s of built.streams) streamStatsSchema.parse(s);
  expect(new Set(built.streams.map((s) => s.id)).size).toBe(built.streams.length);
  return built;
}

const find = (streams: StreamStats[], direction: 'in' | 'out', source: MediaSource, rid: string | null = null): StreamStats => {
  const s = streams.find((x) => x.direction === direction && x.source === source && x.rid === rid);
  if (!s) throw new Error(`no ${direction} ${source} ${rid ?? ''} stream in ${streams.map((x) => x.id).join(', ')}`);
  return s;
};

const raw = (f: Fixture, id: string): RawStat => {
  const s = f.current.find((x) => x.id === id);
  if (!s) throw new Error(`no ${id}`);
  return s;
};

describe('buildStats over a mesh connection (Ada → Bo, Bo sharing his screen)', () => {
  const bo = mesh.context.peerId;
  const { connection, streams } = build(mesh);

  it('reports the selected pair: host/udp on loopback, rtt and both directions of bitrate', () => {
    expect(connection).toMatchObject({ id: `mesh:${bo}`, path: 'mesh', peerId: bo, direction: 'both', localCandidateType: 'host', remoteCandidateType: 'host', protocol: 'udp' });
    expect(connection.rttMs).toBe(2); // currentRoundTripTime 0.002 s
    expect(connection.availableOutgoingBitrate).toBeGreaterThan(100_000);
    expect(connection.sendBitrate).toBeGreaterThan(50_000);
    expect(connection.recvBitrate).toBeGreaterThan(connection.sendBitrate); // Bo sends camera and screen
  });

  it('labels each stream by its mid, with stable ids', () => {
    expect(streams.map((s) => s.id).sort()).toEqual([`mesh:in:${bo}:camera`, `mesh:in:${bo}:mic`, `mesh:in:${bo}:screen`, `mesh:out:${bo}:camera`, `mesh:out:${bo}:mic`]);
    expect(streams.every((s) => s.peerId === bo && s.path === 'mesh')).toBe(true);
  });

  it('reads inbound camera video: bitrate, fps, size, VP8, jitter and frame counters', () => {
    const cam = find(streams, 'in', 'camera');
    expect(cam).toMatchObject({ kind: 'video', width: 320, height: 240, codec: 'video/VP8', fps: 15, framesDropped: 0, freezes: 0, qualityLimitation: null, rid: null, audioLevel: null, packetsLost: 0, lossPct: 0 });
    expect(cam.bitrate).toBeGreaterThan(10_000);
    expect(cam.packets).toBeGreaterThan(0);
    expect(cam.jitterMs).toBe(1);
    expect(cam.rttMs).toBe(connection.rttMs); // inbound: the pair's round trip
  });

  it('tells the screen share apart from the camera (a second video transceiver)', () => {
    const screen = find(streams, 'in', 'screen');
    expect(screen.kind).toBe('video');
    expect(screen.width).toBeGreaterThan(320);
    expect(screen.bitrate).toBeGreaterThan(0);
  });

  it('reads audio: opus, level, no video fields', () => {
    const mic = find(streams, 'in', 'mic');
    expect(mic).toMatchObject({ kind: 'audio', codec: 'audio/opus', fps: null, width: null, height: null, framesDropped: null, freezes: null, qualityLimitation: null });
    expect(mic.audioLevel).toBeCloseTo(Number(raw(mesh, 'IT01A3323218137').audioLevel), 6);
    // Outbound audio takes its level from the media-source entry (the microphone track).
    const out = find(streams, 'out', 'mic');
    expect(out.audioLevel).toBeCloseTo(Number(raw(mesh, 'SA1').audioLevel), 6);
  });

  it('takes outbound loss, jitter and rtt from the receiver report (remote-inbound-rtp)', () => {
    const cam = find(streams, 'out', 'camera');
    const report = raw(mesh, 'RIV951166854');
    expect(cam.rttMs).toBeCloseTo(Number(report.roundTripTime) * 1000, 6);
    expect(cam.jitterMs).toBeCloseTo(Number(report.jitter) * 1000, 6);
    expect(cam).toMatchObject({ qualityLimitation: 'none', codec: 'video/VP8', width: 320, height: 240, lossPct: 0, framesDropped: null, freezes: null });
    expect(cam.bitrate).toBeGreaterThan(10_000);
  });
});

describe('buildStats over the SFU send transport (simulcast camera)', () => {
  const { connection, streams } = build(sfuSend);

  it('reports three outbound camera layers with their rids, sizes and quality limitation', () => {
    const layers = streams.filter((s) => s.source === 'camera');
    // mediasoup-client names the layers r0..r2 (lowest first).
    expect(layers.map((s) => [s.rid, s.width, s.height]).sort()).toEqual([
      ['r0', 80, 60],
      ['r1', 160, 120],
      ['r2', 320, 240],
    ]);
    for (const layer of layers) {
      expect(layer).toMatchObject({ direction: 'out', kind: 'video', path: 'sfu', peerId: null, codec: 'video/VP8', qualityLimitation: 'none' });
      expect(layer.id).toBe(`sfu:out:sfu:camera:${layer.rid}`);
      expect(layer.bitrate).toBeGreaterThan(0);
      expect(layer.rttMs).not.toBeNull();
    }
  });

  it('finds the microphone through its media-source track id', () => {
    expect(find(streams, 'out', 'mic')).toMatchObject({ id: 'sfu:out:sfu:mic', kind: 'audio', codec: 'audio/opus', rid: null });
    expect(streams).toHaveLength(4);
  });

  it('reports the one-way transport', () => {
    expect(connection).toMatchObject({ id: 'sfu:send', path: 'sfu', peerId: null, direction: 'send', localCandidateType: 'host', remoteCandidateType: 'host', protocol: 'udp' });
    expect(connection.sendBitrate).toBeGreaterThan(connection.recvBitrate);
  });

  it('counts the receiver-reported loss as a delta of remote-inbound-rtp packetsLost', () => {
    const r0 = find(streams, 'out', 'camera', 'r0');
    const before = sfuSend.previous.find((s) => s.id === 'RIV1998867225');
    expect(r0.packetsLost).toBe(Math.max(0, Number(raw(sfuSend, 'RIV1998867225').packetsLost) - Number(before?.packetsLost)));
  });

  it('skips a layer switched off (active false) that never sent, keeps one that did', () => {
    const off = (s: RawStat, bytes: number): RawStat => (s.type === 'outbound-rtp' && s.rid === 'r2' ? { ...s, active: false, bytesSent: bytes } : s);
    const withoutBytes = buildStats(sfuSend.current.map((s) => off(s, 0)), sfuSend.previous, contextOf(sfuSend)).streams;
    expect(withoutBytes.map((s) => s.rid)).not.toContain('r2');
    const withBytes = buildStats(sfuSend.current.map((s) => off(s, 1000)), sfuSend.previous, contextOf(sfuSend)).streams;
    expect(withBytes.map((s) => s.rid)).toContain('r2');
  });
});

describe('buildStats over the SFU receive transport (4 other participants)', () => {
  const { connection, streams } = build(sfuRecv);
  const others = (sfuRecv.peers ?? []).filter((p) => p.peerId !== sfuRecv.selfPeerId);

  it('labels every inbound stream with the participant who sends it', () => {
    expect(others).toHaveLength(4);
    const expected = others.flatMap((p) => [`sfu:in:${p.peerId}:camera`, `sfu:in:${p.peerId}:mic`]).sort();
    expect(streams.map((s) => s.id).sort()).toEqual(expected);
    for (const s of streams) {
      const label = sfuRecv.labels.find((l) => l.peerId === s.peerId && l.source === s.source);
      expect(label).toBeDefined();
      expect(s.peerId).not.toBe(sfuRecv.selfPeerId);
    }
  });

  it("skips mediasoup's bandwidth probe stream (no consumer owns it)", () => {
    const probe = sfuRecv.current.find((s) => s.type === 'inbound-rtp' && s.trackIdentifier === 'probator');
    expect(probe).toBeDefined();
    expect(sfuRecv.current.filter((s) => s.type === 'inbound-rtp')).toHaveLength(streams.length + 1);
  });

  it('reads decoded video from every peer', () => {
    for (const cam of streams.filter((s) => s.source === 'camera')) {
      expect(cam).toMatchObject({ kind: 'video', codec: 'video/VP8', path: 'sfu', rid: null, qualityLimitation: null });
      expect(cam.fps).toBeGreaterThan(0);
      expect(cam.width).toBeGreaterThan(0);
      expect(cam.bitrate).toBeGreaterThan(0);
      expect(cam.freezes).toEqual(expect.any(Number));
    }
    expect(connection).toMatchObject({ id: 'sfu:recv', direction: 'recv', localCandidateType: 'host', protocol: 'udp' });
    expect(connection.recvBitrate).toBeGreaterThan(connection.sendBitrate);
  });
});

describe('buildStats over a relay-only mesh connection', () => {
  it('reports relay candidates on both sides', () => {
    const { connection, streams } = build(relay);
    expect(connection).toMatchObject({ localCandidateType: 'relay', remoteCandidateType: 'relay', protocol: 'udp' });
    expect(streams.map((s) => s.source).sort()).toEqual(['camera', 'camera', 'mic', 'mic']);
  });

  it('reports TURN over TCP as tcp (relayProtocol), not the relay allocation’s udp', () => {
    // The recording also gathered a TURN/TCP candidate; select the pair that uses it.
    const tcpLocal = relay.current.find((s) => s.type === 'local-candidate' && s.relayProtocol === 'tcp');
    const tcpPair = relay.current.find((s) => s.type === 'candidate-pair' && s.localCandidateId === tcpLocal?.id);
    expect(tcpPair).toBeDefined();
    const current = relay.current.map((s) => (s.type === 'transport' ? { ...s, selectedCandidatePairId: tcpPair?.id } : s));
    expect(buildStats(current, relay.previous, contextOf(relay)).connection.protocol).toBe('tcp');
  });
});

describe('buildStats edge cases', () => {
  it('without a previous sample: rates and per-interval counts are 0, the rest is read', () => {
    const { connection, streams } = build(mesh, null);
    expect(connection.sendBitrate).toBe(0);
    expect(connection.recvBitrate).toBe(0);
    expect(connection.localCandidateType).toBe('host');
    for (const s of streams) {
      expect(s.bitrate).toBe(0);
      expect(s.packets).toBe(0);
      expect(s.packetsLost).toBe(0);
    }
    expect(find(streams, 'in', 'camera')).toMatchObject({ fps: 15, width: 320, framesDropped: 0 });
  });

  it('skips streams the label does not know', () => {
    const onlyAudio: ConnectionContext['label'] = ({ kind }) => (kind === 'audio' ? { source: 'mic', peerId: mesh.context.peerId } : null);
    const { streams } = build(mesh, mesh.previous, contextOf(mesh, onlyAudio));
    expect(streams.map((s) => s.kind)).toEqual(['audio', 'audio']);
    expect(build(mesh, mesh.previous, contextOf(mesh, () => null)).streams).toEqual([]);
  });

  it('passes the label what identifies a stream: mid for mesh, the track id (via media-source for outbound) for SFU', () => {
    const seen: Parameters<ConnectionContext['label']>[0][] = [];
    buildStats(sfuSend.current, null, contextOf(sfuSend, (s) => (seen.push(s), null)));
    const cameraTrack = sfuSend.labels.find((l) => l.source === 'camera')?.trackIdentifier;
    expect(seen.filter((s) => s.kind === 'video')).toHaveLength(3);
    expect(seen.filter((s) => s.kind === 'video').every((s) => s.direction === 'out' && s.trackIdentifier === cameraTrack)).toBe(true);
  });

  it('counters that went backwards (samples swapped) give 0, never a negative or invalid figure', () => {
    const { connection, streams } = build({ ...mesh, current: mesh.previous }, mesh.current);
    expect(connection.sendBitrate).toBe(0);
    expect(streams.every((s) => s.bitrate === 0 && s.packets === 0)).toBe(true);
  });

  it('clamps out-of-range values into the schema', () => {
    const wild = mesh.current.map((s): RawStat => {
      if (s.type === 'inbound-rtp') return { ...s, jitter: 1e9, audioLevel: 7, framesPerSecond: 1e6, frameWidth: -5, packetsLost: -3 };
      if (s.type === 'candidate-pair') return { ...s, currentRoundTripTime: -1, availableOutgoingBitrate: 1e20 };
      return s;
    });
    const { connection, streams } = build({ ...mesh, current: wild });
    expect(connection.rttMs).toBe(0);
    expect(connection.availableOutgoingBitrate).toBe(1e10);
    const cam = find(streams, 'in', 'camera');
    expect(cam).toMatchObject({ jitterMs: 600_000, fps: 1000, width: 0, packetsLost: 0 });
    expect(find(streams, 'in', 'mic').audioLevel).toBe(1);
  });
});

describe('the quality score over these recordings', () => {
  const scored = (f: Fixture) => {
    const { connection, streams } = build(f);
    return scoreSample({ at: 0, topology: f.context.path, connections: [connection], streams });
  };

  it('rates a healthy loopback mesh call excellent or good, every stream judged', () => {
    const { quality, streamQuality } = scored(mesh);
    expect(quality.level).toMatch(/excellent|good/);
    expect(Object.values(streamQuality).every((q) => q.level !== 'unknown')).toBe(true);
  });

  it('notes a relayed call in the reasons without calling it poor', () => {
    const { quality } = scored(relay);
    expect(quality.reasons).toContain('relayed');
    expect(quality.level).toMatch(/excellent|good/);
  });

  it('judges each simulcast layer against its share of the capture', () => {
    const { streamQuality } = scored(sfuSend);
    const layers = Object.entries(streamQuality).filter(([id]) => /:r\d$/.test(id));
    expect(layers).toHaveLength(3);
    for (const [, q] of layers) expect(q.reasons.filter((r) => r.startsWith('low layer'))).toEqual([]);
  });
});

describe('toRawStats', () => {
  it('turns a report into plain entries and drops certificates', () => {
    const certificate = { id: 'CFxx', type: 'certificate', timestamp: 1, fingerprint: 'AA:BB', base64Certificate: 'x'.repeat(1000) };
    const report = new Map<string, unknown>([...mesh.current.map((s) => [s.id, s] as const), [certificate.id, certificate]]) as unknown as RTCStatsReport;
    const out = toRawStats(report);
    expect(out).toEqual(mesh.current);
    expect(out.some((s) => s.type === 'certificate')).toBe(false);
    expect(JSON.parse(JSON.stringify(out))).toEqual(out);
  });
});
