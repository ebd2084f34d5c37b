import type { StatsSample, StreamStats } from '@confer/shared';

/** A mesh sample as a sender sends it: its camera out to `to`, limited by `limit` (what the strain rule reads). */
export function sendingSample(to: string, limit: StreamStats['qualityLimitation'] = 'none', at = Date.now()): StatsSample {
  return {
    at,
    topology: 'mesh',
    connections: [],
    streams: [
      {
        id: `mesh:out:${to}:camera`, direction: 'out', kind: 'video', source: 'camera', path: 'mesh', peerId: to,
        bitrate: 300_000, packets: 40, packetsLost: 0, lossPct: 0, jitterMs: null, rttMs: 3, fps: 10, width: 160, height: 120,
        framesDropped: null, freezes: null, qualityLimitation: limit, codec: 'video/VP8', rid: null, audioLevel: null, capture: null,
      },
    ],
  };
}
