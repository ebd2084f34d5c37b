import { describe, expect, it } from 'vitest';
import { combineQuality, streamQuality, type Quality } from './quality.js';
import type { ConnectionStats, StreamStats } from './stats.js';

const PEER = '5b0c8e0a-3f5e-4c1e-9a57-0d3c6f1b2a11';

/** One second of a healthy inbound Opus stream (20 ms frames: 50 packets); tests override what they probe. */
function audio(overrides: Partial<StreamStats> = {}): StreamStats {
  return {
    id: `mesh:in:${PEER}:mic`,
    direction: 'in',
    kind: 'audio',
    source: 'mic',
    path: 'mesh',
    peerId: PEER,
    bitrate: 34_000,
    packets: 50,
    packetsLost: 0,
    lossPct: 0,
    jitterMs: 4,
    rttMs: null,
    fps: null,
    width: null,
    height: null,
    framesDropped: null,
    freezes: null,
    qualityLimitation: null,
    codec: 'audio/opus',
    rid: null,
    audioLevel: 0.08,
    capture: null,
    ...overrides,
  };
}

/** One second of the full (f) simulcast layer of our 640×360 camera, sent to the SFU. */
function outboundCamera(overrides: Partial<StreamStats> = {}): StreamStats {
  return {
    id: 'sfu:out:camera:f',
    direction: 'out',
    kind: 'video',
    source: 'camera',
    path: 'sfu',
    peerId: null,
    bitrate: 1_100_000,
    packets: 110,
    packetsLost: 0,
    lossPct: 0,
    jitterMs: 6,
    rttMs: 38,
    fps: 30,
    width: 640,
    height: 360,
    framesDropped: null,
    freezes: null,
    qualityLimitation: 'none',
    codec: 'video/VP8',
    rid: 'f',
    audioLevel: null,
    capture: null,
    ...overrides,
  };
}

/** One second of a camera received over mesh. */
function inboundCamera(overrides: Partial<StreamStats> = {}): StreamStats {
  return {
    id: `mesh:in:${PEER}:camera`,
    direction: 'in',
    kind: 'video',
    source: 'camera',
    path: 'mesh',
    peerId: PEER,
    bitrate: 850_000,
    packets: 90,
    packetsLost: 0,
    lossPct: 0,
    jitterMs: 9,
    rttMs: null,
    fps: 30,
    width: 640,
    height: 360,
    framesDropped: 0,
    freezes: 0,
    qualityLimitation: null,
    codec: 'video/VP8',
    rid: null,
    audioLevel: null,
    capture: null,
    ...overrides,
  };
}

/** A direct UDP mesh connection (host ↔ srflx). */
function connection(overrides: Partial<ConnectionStats> = {}): ConnectionStats {
  return {
    id: `mesh:${PEER}`,
    path: 'mesh',
    peerId: PEER,
    direction: 'both',
    localCandidateType: 'host',
    remoteCandidateType: 'srflx',
    protocol: 'udp',
    rttMs: 42,
    availableOutgoingBitrate: 2_400_000,
    sendBitrate: 900_000,
    recvBitrate: 880_000,
    ...overrides,
  };
}

/** Inbound loss as the browser reports it: `lost` of `packets + lost` expected. */
function withLoss(lost: number, packets = 50): Partial<StreamStats> {
  return { packets, packetsLost: lost, lossPct: (lost / (packets + lost)) * 100 };
}

describe('streamQuality', () => {
  it('scores a clean stream 5, excellent, with nothing to explain', () => {
    expect(streamQuality(audio(), connection())).toEqual({ score: 5, level: 'excellent', reasons: [] });
    expect(streamQuality(outboundCamera())).toEqual({ score: 5, level: 'excellent', reasons: [] });
    expect(streamQuality(inboundCamera(), connection())).toEqual({ score: 5, level: 'excellent', reasons: [] });
  });

  it('tolerates the small losses Opus conceals and RTTs of a normal long-distance call', () => {
    const q = streamQuality(audio({ ...withLoss(0.5), jitterMs: 18 }), connection({ rttMs: 180 }));
    expect(q).toEqual({ score: 5, level: 'excellent', reasons: [] });
  });

  it('counts loss on received audio', () => {
    const q = streamQuality(audio({ packets: 46, packetsLost: 4, lossPct: 8 }), connection());
    expect(q.level).toBe('poor');
    expect(q.score).toBe(3.3);
    expect(q.reasons).toEqual(['high packet loss (8%)']);
    expect(streamQuality(audio({ packets: 47, packetsLost: 3, lossPct: 6 })).level).toBe('good');
    expect(streamQuality(audio({ packets: 42, packetsLost: 8, lossPct: 16 })).level).toBe('bad');
  });

  it('is stricter with video loss than audio loss (Jitsi: 10 % loss is bad)', () => {
    expect(streamQuality(inboundCamera({ packets: 85, packetsLost: 5, lossPct: 5.6 })).level).toBe('good');
    const ten = streamQuality(inboundCamera({ packets: 81, packetsLost: 9, lossPct: 10 }));
    expect(ten.level).toBe('bad');
    expect(ten.reasons).toEqual(['high packet loss (10%)']);
    expect(ten.score).toBeLessThan(streamQuality(audio({ packets: 45, packetsLost: 5, lossPct: 10 })).score);
  });

  it('weighs loss less when few packets were expected (one lost of four under DTX is not 25 % of a call)', () => {
    const sparse = streamQuality(audio({ packets: 3, packetsLost: 1, lossPct: 25, bitrate: 1_800 }));
    const dense = streamQuality(audio(withLoss(16, 48)));
    expect(sparse.score).toBeGreaterThan(dense.score);
    expect(sparse.level).toBe('good');
    expect(sparse.reasons).toEqual(['high packet loss (25%)']);
  });

  it('scores a stream that lost everything it should have received as unusable', () => {
    expect(streamQuality(audio({ packets: 0, packetsLost: 50, lossPct: 100, bitrate: 0 }))).toEqual({
      score: 1,
      level: 'bad',
      reasons: ['high packet loss (100%)'],
    });
  });

  it('penalises high jitter', () => {
    const q = streamQuality(audio({ jitterMs: 45 }), connection());
    expect(q.reasons).toEqual(['high jitter (45 ms)']);
    expect(q.score).toBe(4.3);
    expect(streamQuality(audio({ jitterMs: 60 })).level).toBe('good');
    expect(streamQuality(audio({ jitterMs: 100 })).level).toBe('bad');
  });

  it("uses the connection's RTT when the stream has none, and the stream's when it has one", () => {
    const viaConnection = streamQuality(audio(), connection({ rttMs: 420 }));
    expect(viaConnection).toEqual({ score: 4.1, level: 'good', reasons: ['long round trip (420 ms)'] });
    // An outbound stream's remote-inbound RTT is the more precise figure, so it wins.
    expect(streamQuality(outboundCamera({ rttMs: 40 }), connection({ rttMs: 420 })).reasons).toEqual([]);
    expect(streamQuality(outboundCamera({ rttMs: 800 }), connection({ rttMs: 40 })).level).toBe('poor');
    expect(streamQuality(audio({ rttMs: 1200 })).level).toBe('bad');
  });

  it('flags a CPU-limited camera, and the smaller layer it sends', () => {
    const q = streamQuality(outboundCamera({ qualityLimitation: 'cpu', width: 480, height: 270, fps: 20, bitrate: 600_000 }));
    expect(q.reasons).toEqual(['CPU limited', 'low layer (f: 270p of 360p)']);
    expect(q.level).toBe('good');
    expect(q.score).toBe(3.6);
    // CPU pressure alone already costs a level; bandwidth limitation is normal congestion control, so it costs less.
    expect(streamQuality(outboundCamera({ qualityLimitation: 'cpu' })).level).toBe('good');
    const bandwidth = streamQuality(outboundCamera({ qualityLimitation: 'bandwidth' }));
    expect(bandwidth).toEqual({ score: 4.6, level: 'excellent', reasons: ['bandwidth limited'] });
    expect(streamQuality(outboundCamera({ qualityLimitation: 'other' })).reasons).toEqual([]);
  });

  it('judges each simulcast layer against its own size, and portrait cameras by their shorter side', () => {
    expect(streamQuality(outboundCamera({ rid: 'q', width: 160, height: 90, bitrate: 120_000 })).reasons).toEqual([]);
    expect(streamQuality(outboundCamera({ rid: 'h', width: 320, height: 180 })).reasons).toEqual([]);
    expect(streamQuality(outboundCamera({ rid: 'r2', width: 360, height: 640 })).reasons).toEqual([]);
    const halved = streamQuality(outboundCamera({ rid: 'h', width: 160, height: 90 }));
    expect(halved).toEqual({ score: 4, level: 'good', reasons: ['low layer (h: 90p of 180p)'] });
    const mesh = streamQuality(outboundCamera({ rid: null, path: 'mesh', width: 320, height: 180 }));
    expect(mesh.reasons).toEqual(['low resolution (180p of 360p)']);
  });

  it('does not score the resolution of received video (the receiver chose the layer for its tile)', () => {
    expect(streamQuality(inboundCamera({ path: 'sfu', width: 160, height: 90 })).reasons).toEqual([]);
  });

  it('penalises a low camera frame rate, but not a static screen share', () => {
    const q = streamQuality(inboundCamera({ fps: 4 }));
    expect(q.reasons).toEqual(['low frame rate (4 fps)']);
    expect(q.level).toBe('poor');
    expect(streamQuality(inboundCamera({ fps: 10 })).level).toBe('good');
    expect(streamQuality(inboundCamera({ fps: 0 })).level).toBe('bad');
    expect(streamQuality(inboundCamera({ source: 'screen', fps: 2, width: 1920, height: 1080 })).reasons).toEqual([]);
  });

  it('penalises dropped frames as a share of all frames', () => {
    expect(streamQuality(inboundCamera({ fps: 29, framesDropped: 1 })).reasons).toEqual([]);
    const q = streamQuality(inboundCamera({ fps: 20, framesDropped: 10 }));
    expect(q.reasons).toEqual(['dropped frames (33%)']);
    expect(q.level).toBe('good');
  });

  it('shows a relayed connection without changing its level', () => {
    const relayed = streamQuality(audio(), connection({ localCandidateType: 'relay' }));
    expect(relayed).toEqual({ score: 4.9, level: 'excellent', reasons: ['relayed'] });
    expect(streamQuality(audio(), connection({ remoteCandidateType: 'relay' })).reasons).toEqual(['relayed']);
  });

  it('lists reasons worst first, and only those that lower the score', () => {
    const q = streamQuality(audio({ ...withLoss(2, 48), jitterMs: 50 }), connection({ rttMs: 260, localCandidateType: 'relay' }));
    expect(q.reasons).toEqual(['high jitter (50 ms)', 'high packet loss (4%)', 'long round trip (260 ms)', 'relayed']);
  });

  it('is unknown for an idle stream: a paused producer or a camera switched off sends nothing', () => {
    const idle = { packets: 0, packetsLost: 0, lossPct: 0, bitrate: 0, fps: 0 };
    expect(streamQuality(outboundCamera(idle))).toEqual({ score: 0, level: 'unknown', reasons: [] });
    expect(streamQuality(inboundCamera({ ...idle, path: 'sfu' }), connection({ localCandidateType: 'relay' }))).toEqual({
      score: 0,
      level: 'unknown',
      reasons: [],
    });
  });

  it('never leaves 1..5, however bad everything is', () => {
    const q = streamQuality(
      inboundCamera({ ...withLoss(60, 30), jitterMs: 900, rttMs: 5000, fps: 0, framesDropped: 30 }),
      connection({ localCandidateType: 'relay' }),
    );
    expect(q.score).toBe(1);
    expect(q.level).toBe('bad');
    expect(q.reasons[q.reasons.length - 1]).toBe('relayed');
  });

  it('is monotonic: more loss never raises the score', () => {
    const bases: StreamStats[] = [
      audio(),
      audio({ jitterMs: 40, rttMs: 350 }),
      inboundCamera(),
      inboundCamera({ fps: 12 }),
      outboundCamera({ qualityLimitation: 'cpu' }),
    ];
    for (const base of bases) {
      // Both ways loss grows: more packets lost of the same sent, and a higher percentage alone.
      let previous = Infinity;
      for (let lost = 0; lost <= 60; lost++) {
        const { score } = streamQuality({ ...base, ...withLoss(lost, base.packets) }, connection());
        expect(score).toBeLessThanOrEqual(previous);
        previous = score;
      }
      previous = Infinity;
      for (let pct = 0; pct <= 100; pct += 0.5) {
        const { score } = streamQuality({ ...base, lossPct: pct, packetsLost: Math.round((pct / 100) * base.packets) }, connection());
        expect(score).toBeLessThanOrEqual(previous);
        previous = score;
      }
    }
  });

  it('is monotonic in jitter, RTT and frame rate too', () => {
    let previous = Infinity;
    for (let ms = 0; ms <= 2000; ms += 10) {
      const { score } = streamQuality(inboundCamera({ jitterMs: ms / 10, rttMs: ms }));
      expect(score).toBeLessThanOrEqual(previous);
      previous = score;
    }
    previous = -Infinity;
    for (let fps = 0; fps <= 30; fps++) {
      const { score } = streamQuality(inboundCamera({ fps }));
      expect(score).toBeGreaterThanOrEqual(previous);
      previous = score;
    }
  });
});

describe('combineQuality', () => {
  const q = (score: number, level: Quality['level'], reasons: string[] = []): Quality => ({ score, level, reasons });

  it('is led by the worst stream', () => {
    const mic = streamQuality(audio(), connection());
    const camera = streamQuality(inboundCamera({ packets: 82, packetsLost: 8, lossPct: 8.9 }), connection());
    const combined = combineQuality([mic, camera]);
    expect(combined.score).toBe(camera.score);
    expect(combined.level).toBe(camera.level);
    expect(combined.reasons).toEqual(camera.reasons);
  });

  it('ignores idle streams unless every stream is idle', () => {
    const idle = streamQuality(outboundCamera({ packets: 0, packetsLost: 0, bitrate: 0 }));
    const mic = streamQuality(audio({ jitterMs: 45 }));
    expect(combineQuality([idle, mic])).toEqual(mic);
    expect(combineQuality([idle, idle])).toEqual({ score: 0, level: 'unknown', reasons: [] });
    expect(combineQuality([])).toEqual({ score: 0, level: 'unknown', reasons: [] });
  });

  it('merges reasons worst stream first, each problem once', () => {
    const combined = combineQuality([
      q(4.9, 'excellent', ['relayed']),
      q(3.1, 'poor', ['high packet loss (9%)', 'relayed']),
      q(4.0, 'good', ['CPU limited', 'high packet loss (3%)']),
    ]);
    expect(combined).toEqual({ score: 3.1, level: 'poor', reasons: ['high packet loss (9%)', 'relayed', 'CPU limited'] });
  });
});

describe('judged against what the camera captures', () => {
  it('a small or slow camera chosen by the user is not a fault; a layer below its share of the capture is', () => {
    const capture = { width: 320, height: 240, fps: 10 };
    expect(streamQuality(outboundCamera({ rid: null, width: 320, height: 240, fps: 10, capture })).reasons).toEqual([]);
    expect(streamQuality(outboundCamera({ rid: 'r0', width: 80, height: 60, fps: 10, capture })).reasons).toEqual([]);
    expect(streamQuality(outboundCamera({ rid: 'r2', width: 160, height: 120, fps: 10, capture })).reasons).toEqual(['low layer (r2: 120p of 228p)']);
    expect(streamQuality(outboundCamera({ rid: null, width: 320, height: 240, fps: 4, capture })).reasons).toEqual(['low frame rate (4 fps)']);
  });
});
