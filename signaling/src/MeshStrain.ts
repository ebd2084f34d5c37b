import type { StatsSample } from '@confer/shared';

/** A participant's mesh sending is held back: one of its outgoing mesh video streams is limited by CPU or bandwidth. */
export function isStrained(sample: StatsSample): boolean {
  return sample.streams.some((s) => s.path === 'mesh' && s.direction === 'out' && s.kind === 'video' && (s.qualityLimitation === 'cpu' || s.qualityLimitation === 'bandwidth'));
}

/**
 * Who in each room has been strained in every sample for `strainMs` (server time: a client's clock is not
 * trusted). A brief limit (the bandwidth estimate ramping up after a join) does not count. One entry per
 * strained participant, dropped when it reports otherwise or leaves.
 */
export class MeshStrain {
  private readonly rooms = new Map<string, Map<string, { since: number; sustained: boolean }>>();

  /** `strainMs` 0 turns the rule off. */
  constructor(private readonly strainMs: number) {}

  /** Takes a participant's sample; true when this sample made its strain sustained. */
  observe(roomId: string, peerId: string, sample: StatsSample, now: number): boolean {
    if (this.strainMs <= 0) return false;
    if (!isStrained(sample)) {
      this.forget(roomId, peerId);
      return false;
    }
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = new Map()));
    let entry = room.get(peerId);
    if (!entry) room.set(peerId, (entry = { since: now, sustained: false }));
    if (entry.sustained || now - entry.since < this.strainMs) return false;
    entry.sustained = true;
    return true;
  }

  /** How many in the room are strained for `strainMs` by now. */
  count(roomId: string, now: number): number {
    let n = 0;
    for (const { since } of this.rooms.get(roomId)?.values() ?? []) if (now - since >= this.strainMs) n++;
    return n;
  }

  forget(roomId: string, peerId: string): void {
    const room = this.rooms.get(roomId);
    if (!room) return;
    room.delete(peerId);
    if (room.size === 0) this.rooms.delete(roomId);
  }
}
