import type { RawSocket } from './fuzz.js';

/** Bookkeeping of one socket: what it sent and what came back. */
export class Run {
  ackExpected = 0;
  acks = 0;
  /** Per event name: server:error events expected, received, and "either" messages sent / answered by ack. */
  readonly errExpected = new Map<string, number>();
  readonly errReceived = new Map<string, number>();
  readonly eitherSent = new Map<string, number>();
  readonly eitherAcked = new Map<string, number>();
  sent = 0;
  disconnectReason: string | null = null;
  constructor(
    readonly index: number,
    readonly socket: RawSocket,
    readonly inRoom: boolean,
  ) {
    socket.on('disconnect', (reason: string) => (this.disconnectReason = reason));
  }
  settled(): boolean {
    if (this.acks < this.ackExpected) return false;
    const events = new Set([...this.errExpected.keys(), ...this.eitherSent.keys()]);
    return [...events].every((e) => (this.errReceived.get(e) ?? 0) + (this.eitherAcked.get(e) ?? 0) >= (this.errExpected.get(e) ?? 0) + (this.eitherSent.get(e) ?? 0));
  }
  /** Events whose server:error count is not what was expected (too few, or any unasked-for). */
  mismatches(): string[] {
    const events = new Set([...this.errExpected.keys(), ...this.eitherSent.keys(), ...this.errReceived.keys()]);
    const out: string[] = [];
    for (const e of events) {
      const got = this.errReceived.get(e) ?? 0;
      const want = this.errExpected.get(e) ?? 0;
      const either = this.eitherSent.get(e) ?? 0;
      const eitherAcked = this.eitherAcked.get(e) ?? 0;
      if (got < want || got + eitherAcked !== want + either) out.push(`socket ${this.index} ${JSON.stringify(e).slice(0, 60)}: server:error ${got}, expected ${want} (+${either - eitherAcked} unacked either)`);
    }
    return out;
  }
}
