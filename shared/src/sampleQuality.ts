import { combineQuality, streamQuality, type Quality } from './quality.js';
import type { ConnectionStats, StatsSample, StreamStats } from './stats.js';

/** The connection a stream travels on: the mesh link to its peer, or the SFU transport of its direction. */
export function connectionOf(sample: StatsSample, stream: StreamStats): ConnectionStats | null {
  if (stream.path === 'mesh') return sample.connections.find((c) => c.path === 'mesh' && c.peerId === stream.peerId) ?? null;
  const direction = stream.direction === 'in' ? 'recv' : 'send';
  return sample.connections.find((c) => c.path === 'sfu' && c.direction === direction) ?? null;
}

/** Scores every stream of a sample, and the participant who sent it (led by its worst stream). */
export function scoreSample(sample: StatsSample): { quality: Quality; streamQuality: Record<string, Quality> } {
  const byStream: Record<string, Quality> = {};
  for (const stream of sample.streams) byStream[stream.id] = streamQuality(stream, connectionOf(sample, stream));
  return { quality: combineQuality(Object.values(byStream)), streamQuality: byStream };
}

/** How a remote peer reaches us: the quality of the streams we receive from it. */
export function inboundQuality(sample: StatsSample, peerId: string): Quality {
  const streams = sample.streams.filter((s) => s.direction === 'in' && s.peerId === peerId);
  return combineQuality(streams.map((s) => streamQuality(s, connectionOf(sample, s))));
}

