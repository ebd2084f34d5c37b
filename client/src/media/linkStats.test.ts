import { describe, expect, it } from 'vitest';
import type { RawStat } from '../stats/buildStats';
import { linkStats } from './linkStats';

const stat = (fields: Record<string, unknown>): RawStat => ({ id: String(Math.random()), type: 'inbound-rtp', timestamp: 0, ...fields });

describe('linkStats', () => {
  it('counts the camera and the microphone, never a shared screen', () => {
    const result = linkStats([
      { source: 'camera', stats: stat({ kind: 'video', framesDecoded: 40, framesPerSecond: 10 }) },
      { source: 'screen', stats: stat({ kind: 'video', framesDecoded: 500, framesPerSecond: 5 }) },
      { source: 'mic', stats: stat({ kind: 'audio', packetsReceived: 90, totalAudioEnergy: 0.5 }) },
      { source: null, stats: stat({ kind: 'video', framesDecoded: 7 }) },
      { source: 'camera', stats: { id: 'o', type: 'outbound-rtp', timestamp: 0, framesEncoded: 3 } },
    ]);
    expect(result).toEqual({ framesDecoded: 40, framesPerSecond: 10, audioPacketsReceived: 90, audioEnergy: 0.5, localCandidateType: null, remoteCandidateType: null, roundTripTimeMs: null });
  });

  it('reads the route from a whole connection report', () => {
    const raw: RawStat[] = [
      { id: 'p', type: 'candidate-pair', timestamp: 0, nominated: true, state: 'succeeded', localCandidateId: 'l', remoteCandidateId: 'r', currentRoundTripTime: 0.012, bytesSent: 1, bytesReceived: 1 },
      { id: 'l', type: 'local-candidate', timestamp: 0, candidateType: 'relay' },
      { id: 'r', type: 'remote-candidate', timestamp: 0, candidateType: 'host' },
    ];
    expect(linkStats([], raw)).toMatchObject({ localCandidateType: 'relay', remoteCandidateType: 'host', roundTripTimeMs: 12 });
  });
});
