import type { Logger } from '@confer/shared';

/**
 * What engine.io and ws keep of a connection that we read: packets not yet handed to the transport, and
 * the WebSocket's own queue (frames written but not yet taken by the kernel). Neither is in the public
 * types, so they are read structurally; a field that is missing counts as nothing queued.
 */
interface Conn {
  writeBuffer?: { data?: unknown }[];
  transport?: { socket?: { bufferedAmount?: number; terminate?(): void } };
}

const packetBytes = (data: unknown) => (typeof data === 'string' ? data.length : data instanceof Uint8Array ? data.byteLength : 0);

/** Bytes queued for a client that its connection has not taken yet. */
export function unsentBytes(conn: unknown): number {
  const c = conn as Conn;
  const buffered = (c.writeBuffer ?? []).reduce((n, p) => n + packetBytes(p.data), 0);
  return buffered + (c.transport?.socket?.bufferedAmount ?? 0);
}

/** A client that stops reading may have this much queued for it before it is disconnected. */
export const MAX_UNSENT_BYTES = 4 * 1024 * 1024;

export interface GuardedSocket {
  conn: unknown;
  data: { peerId: string };
  disconnect(close: boolean): void;
}

/**
 * Disconnects clients that stop reading: what the server sends them (snapshots, fan-out) would otherwise
 * pile up in memory for as long as the connection stays open. Checked once a second, and by `check` just
 * before something large is sent.
 */
export class SlowClientGuard {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly sockets: () => Iterable<GuardedSocket>,
    private readonly log: Logger,
    private readonly maxBytes = MAX_UNSENT_BYTES,
  ) {
    this.timer = setInterval(() => {
      for (const socket of this.sockets()) this.check(socket);
    }, 1000);
    this.timer.unref();
  }

  /** False (and the client disconnected) when it has more than the bound queued. */
  check(socket: GuardedSocket): boolean {
    const bytes = unsentBytes(socket.conn);
    if (bytes <= this.maxBytes) return true;
    this.log.warn({ peerId: socket.data.peerId, unsentBytes: bytes }, 'client disconnected: it stopped reading what it was sent');
    socket.disconnect(true);
    // A graceful WebSocket close would wait (up to 30 s) for the client to read what is queued: drop it now.
    (socket.conn as Conn).transport?.socket?.terminate?.();
    return false;
  }

  close(): void {
    clearInterval(this.timer);
  }
}
