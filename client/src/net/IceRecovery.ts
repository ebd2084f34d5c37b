/** The connection states IceRecovery follows (RTCPeerConnectionState; mediasoup-client transports report the same names). */
export type IceConnectionState = RTCPeerConnectionState;

export interface IceRecoveryOptions {
  /** ICE restarts tried before giving up on the connection. */
  maxRestarts: number;
  /** A 'disconnected' connection may heal by itself; only after this long is it restarted. */
  disconnectedWaitMs: number;
  /** A restart that has not brought the connection back to 'connected' within this counts as failed. */
  restartTimeoutMs: number;
  /** Performs one ICE restart (errors count as a failed restart: the timeout moves on). */
  restart(): void | Promise<void>;
  /** Told when a restart begins: the connection is being recovered. */
  onRestart?(attempt: number): void;
  /** Every restart failed: the owner replaces the whole connection (or shows it failed). */
  onGiveUp(): void;
}

/**
 * The recovery policy shared by mesh peer connections and SFU transports, so both react to a broken
 * network the same way: 'disconnected' for a while or 'failed' → ICE restart; a restart that does not
 * reconnect in bounded time → the next one; after `maxRestarts` → give up once (the owner re-joins).
 * Feed it every connection state change; 'connected' resets it.
 */
export class IceRecovery {
  private restarts = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** A restart's deadline is running: a 'disconnected' meanwhile must not postpone it. */
  private restarting = false;
  private gaveUp = false;
  private disposed = false;

  constructor(private readonly o: IceRecoveryOptions) {}

  get attempts(): number {
    return this.restarts;
  }

  update(state: IceConnectionState): void {
    if (this.disposed) return;
    if (state === 'connected') {
      clearTimeout(this.timer);
      this.restarts = 0;
      this.restarting = false;
      this.gaveUp = false;
    } else if (state === 'disconnected') {
      if (!this.restarting) this.arm(this.o.disconnectedWaitMs);
    } else if (state === 'failed') {
      this.step();
    } else if (state === 'closed') {
      this.dispose();
    }
  }

  private arm(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.step(), ms);
  }

  /** The next restart, or giving up when they are used up. */
  private step(): void {
    if (this.disposed || this.gaveUp) return;
    clearTimeout(this.timer);
    if (this.restarts >= this.o.maxRestarts) {
      this.gaveUp = true;
      this.restarting = false;
      this.o.onGiveUp();
      return;
    }
    this.restarts++;
    this.restarting = true;
    this.o.onRestart?.(this.restarts);
    this.arm(this.o.restartTimeoutMs);
    // Synchronous where it can be (RTCPeerConnection.restartIce); a rejected async restart just waits for the deadline.
    const warn = (error: unknown) => console.warn('ICE restart failed', error);
    try {
      void Promise.resolve(this.o.restart()).catch(warn);
    } catch (error) {
      warn(error);
    }
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.timer);
  }
}
