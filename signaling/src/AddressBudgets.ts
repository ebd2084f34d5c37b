import type { Logger } from '@confer/shared';
import { clientAddress } from './clientAddress.js';
import type { SignalingConfig } from './config.js';
import { KeyedLimits, OpenCounts } from './KeyedLimits.js';
import type { PeerSocket } from './ServerContext.js';

/** Budgets of each client address across all its connections: new connections, open ones, joins. */
export class AddressBudgets {
  private readonly open: OpenCounts;
  private readonly connects: KeyedLimits;
  private readonly joins: KeyedLimits;

  constructor(
    limits: SignalingConfig['addressLimits'],
    private readonly trustedProxies: SignalingConfig['trustedProxies'],
  ) {
    this.open = new OpenCounts(limits.openConnections);
    this.connects = new KeyedLimits(limits.connectionsPer10s, 10_000);
    this.joins = new KeyedLimits(limits.joinsPer10s, 10_000);
  }

  /** Admits a connection within its address's budgets; refused, it is told why and closed. */
  admit(socket: PeerSocket, log: Logger): boolean {
    const address = clientAddress(socket.handshake.address, socket.handshake.headers['x-forwarded-for'], this.trustedProxies);
    socket.data.address = address;
    const why = !this.connects.take(address)
      ? `at most ${this.connects.limit} new connections per 10 s from one address`
      : !this.open.open1(address)
        ? `at most ${this.open.limit} connections at once from one address`
        : null;
    if (!why) {
      socket.once('disconnect', () => this.open.close1(address));
      return true;
    }
    log.warn({ address }, `connection refused: ${why}`);
    socket.emit('server:error', { event: 'connect', code: 'RATE_LIMITED', message: why });
    socket.disconnect(true);
    return false;
  }

  /** Spends one join of the address; the refusal's message when its budget is used up. */
  takeJoin(address: string): string | null {
    return this.joins.take(address) ? null : `at most ${this.joins.limit} joins per 10 s from one address; slow down`;
  }
}
