import type { MediaSource } from '@confer/shared';
import { selectedRoute, type RawStat } from '../stats/buildStats';
import type { LinkStats } from './mediaTypes';

/** One inbound-rtp entry and the source it carries (null: not known, e.g. a transceiver that has gone). */
export interface LabelledInbound {
  source: MediaSource | null;
  stats: RawStat;
}

const num = (v: unknown) => (typeof v === 'number' ? v : 0);
const candidateType = (c: RawStat | undefined) => (typeof c?.candidateType === 'string' ? c.candidateType : null);

/**
 * What the room reads of one peer on one path, the same way on both: its camera's decoded frames and its
 * microphone's packets (a shared screen is a tile of its own and not counted), and the route when the path
 * has one connection per peer (`raw`: that connection's whole report; the SFU's transports are shared).
 */
export function linkStats(inbound: LabelledInbound[], raw: RawStat[] | null = null): LinkStats {
  const stats: LinkStats = { framesDecoded: 0, framesPerSecond: 0, audioPacketsReceived: 0, audioEnergy: 0, localCandidateType: null, remoteCandidateType: null, roundTripTimeMs: null };
  for (const { source, stats: s } of inbound) {
    if (s.type !== 'inbound-rtp') continue;
    if (source === 'camera') {
      stats.framesDecoded += num(s.framesDecoded);
      stats.framesPerSecond += num(s.framesPerSecond);
    } else if (source === 'mic') {
      stats.audioPacketsReceived += num(s.packetsReceived);
      stats.audioEnergy += num(s.totalAudioEnergy);
    }
  }
  if (!raw) return stats;
  const route = selectedRoute(raw);
  return { ...stats, localCandidateType: candidateType(route.local), remoteCandidateType: candidateType(route.remote), roundTripTimeMs: route.rttMs };
}
