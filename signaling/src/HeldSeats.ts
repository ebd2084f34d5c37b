/**
 * Which server holds each live seat, and the seats of peers whose connection dropped, kept for a grace
 * period in case they come back. In memory for one server; RedisHeldSeats for a cluster, where any server
 * can take a seat back for its peer (a resume after its server died) and any server expires it.
 */
export interface HeldSeats {
  /** Calls `expire` for every held seat whose grace period ends without it being taken back. */
  onExpire(expire: (peerId: string, roomId: string) => void): void;
  /** The peer's seat is live on this server (joined or resumed here). */
  seated(peerId: string, roomId: string): Promise<void>;
  /** Whether the peer's live seat is still this server's (a resume elsewhere takes it over). */
  owns(peerId: string, roomId: string): Promise<boolean>;
  /** The peer's connection here dropped: holds its seat for `graceMs`. False when the seat is not this server's any more. */
  hold(peerId: string, roomId: string, graceMs: number): Promise<boolean>;
  /**
   * A resume: takes the peer's seat in `roomId` for this server, held here or anywhere (or, in a cluster, live
   * on another server whose connection for it has not been seen to drop), cancelling its expiry.
   * 'held' or 'elsewhere' (the old connection lives on another server); null when there is none to take.
   */
  take(peerId: string, roomId: string): Promise<'held' | 'elsewhere' | null>;
  /** The peer left: its seat is nobody's any more. */
  release(peerId: string, roomId: string): Promise<void>;
  /** Shutdown: stops expiring; this server's seats stay, for the next server (or, in a cluster, the others) to take. */
  close(): Promise<void>;
}

/** One server's held seats, with a timer each. Live seats are all this server's. */
export class InMemoryHeldSeats implements HeldSeats {
  private readonly seats = new Map<string, { roomId: string; timer: NodeJS.Timeout }>();
  private expire: (peerId: string, roomId: string) => void = () => undefined;

  onExpire(expire: (peerId: string, roomId: string) => void): void {
    this.expire = expire;
  }

  async seated(peerId: string): Promise<void> {
    this.cancel(peerId);
  }

  async owns(): Promise<boolean> {
    return true;
  }

  async hold(peerId: string, roomId: string, graceMs: number): Promise<boolean> {
    this.cancel(peerId);
    const timer = setTimeout(() => {
      this.seats.delete(peerId);
      this.expire(peerId, roomId);
    }, graceMs);
    this.seats.set(peerId, { roomId, timer });
    return true;
  }

  async take(peerId: string, roomId: string): Promise<'held' | null> {
    if (this.seats.get(peerId)?.roomId !== roomId) return null;
    this.cancel(peerId);
    return 'held';
  }

  async release(peerId: string): Promise<void> {
    this.cancel(peerId);
  }

  private cancel(peerId: string): void {
    clearTimeout(this.seats.get(peerId)?.timer);
    this.seats.delete(peerId);
  }

  async close(): Promise<void> {
    for (const seat of this.seats.values()) clearTimeout(seat.timer);
    this.seats.clear();
  }
}
