import type { StatsSample } from '@confer/shared';

/** A sample as a browser in a 2-person mesh sends it: camera in from `from`, 600 kbps, a little loss. */
export function sample(from: string, at = Date.now()): StatsSample {
  return {
    at,
    topology: 'mesh',
    connections: [
      { id: `mesh:${from}`, path: 'mesh', peerId: from, direction: 'both', localCandidateType: 'host', remoteCandidateType: 'host', protocol: 'udp', rttMs: 2, availableOutgoingBitrate: 2_000_000, sendBitrate: 650_000, recvBitrate: 640_000 },
    ],
    streams: [
      {
        id: `mesh:in:${from}:camera`, direction: 'in', kind: 'video', source: 'camera', path: 'mesh', peerId: from,
        bitrate: 600_000, packets: 80, packetsLost: 1, lossPct: 1.2, jitterMs: 4, rttMs: null, fps: 30, width: 640, height: 360,
        framesDropped: 0, freezes: 0, qualityLimitation: null, codec: 'video/VP8', rid: null, audioLevel: null, capture: null,
      },
    ],
  };
}
