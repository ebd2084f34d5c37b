/**
 * Seats of peers whose connection dropped, kept for a grace period in case they come back. Behind an
 * interface so that a cluster can keep them where every server sees them (the scale-out issue).
 */
export interface HeldSeats {
  /** Holds the peer's seat in `roomId` for `graceMs`; then `expire` runs, unless the seat was taken first. */
  hold(peerId: string, roomId: string, graceMs: number, expire: () => void): Promise<void>;
  /** Takes the peer's seat held in `roomId`, cancelling its expiry; false when none is held there. */
  take(peerId: string, roomId: string): Promise<boolean>;
  /** Forgets every held seat without expiring it (shutdown: the seats stay for the next server). */
  close(): void;
}

/** One server's held seats, with a timer each. */
export class InMemoryHeldSeats implements HeldSeats {
  private readonly seats = new Map<string, { roomId: string; timer: NodeJS.Timeout }>();

  async hold(peerId: string, roomId: string, graceMs: number, expire: () => void): Promise<void> {
    this.cancel(peerId);
    const timer = setTimeout(() => {
      this.seats.delete(peerId);
      expire();
    }, graceMs);
    this.seats.set(peerId, { roomId, timer });
  }

  async take(peerId: string, roomId: string): Promise<boolean> {
    if (this.seats.get(peerId)?.roomId !== roomId) return false;
    this.cancel(peerId);
    return true;
  }

  private cancel(peerId: string): void {
    clearTimeout(this.seats.get(peerId)?.timer);
    this.seats.delete(peerId);
  }

  close(): void {
    for (const seat of this.seats.values()) clearTimeout(seat.timer);
    this.seats.clear();
  }
}
