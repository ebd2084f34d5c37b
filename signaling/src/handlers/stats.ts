import { MAX_SAMPLES_PER_10S, RateWindow, type Logger } from '@confer/shared';
import { done, notInRoom, refuse, statsForbidden } from '../refusals.js';
import type { RequestRouter } from '../rpc/RequestRouter.js';
import { statsRoom, type PeerSocket, type ServerContext } from '../ServerContext.js';

/** The dashboard: participants report samples; participants and operators watch a room; operators list rooms. */
export function registerStats(router: RequestRouter<PeerSocket>, ctx: ServerContext): void {
  // Samples are budgeted per connection (a report carries many): the windows go with their sockets.
  const budgets = new WeakMap<PeerSocket, RateWindow>();
  router.on('stats:report', async ({ samples }, { socket, log }) => {
    const { roomId, peerId } = socket.data;
    if (!roomId) return notInRoom;
    let budget = budgets.get(socket);
    if (!budget) budgets.set(socket, (budget = new RateWindow(MAX_SAMPLES_PER_10S, 10_000)));
    if (!budget.take(samples.length)) return refuse('RATE_LIMITED', `at most ${MAX_SAMPLES_PER_10S} stats samples per 10 s; slow down`);
    try {
      await ctx.stats.report(roomId, peerId, samples);
    } catch (error) {
      // Shown live already; not stored (Redis unreachable): not acknowledged either.
      log.warn({ roomId, err: (error as Error).message }, 'stats samples not stored');
      return refuse('UNAVAILABLE', 'stats history unavailable; send these samples again later');
    }
    return done;
  });

  router.on('stats:subscribe', async ({ roomId, operatorToken }, { socket, log }) => {
    if (socket.data.roomId !== roomId && !ctx.isOperator(operatorToken)) {
      log.warn({ roomId }, 'stats subscription refused');
      return statsForbidden;
    }
    // One subscription per socket: watching another room ends the previous one.
    if (socket.data.watching && socket.data.watching !== roomId) await socket.leave(statsRoom(socket.data.watching));
    socket.data.watching = roomId;
    await socket.join(statsRoom(roomId));
    const snapshot = await ctx.stats.snapshot(roomId);
    // A snapshot is the largest thing we send: not to a client that has stopped reading.
    if (!ctx.slowClients.check(socket)) return refuse('UNAVAILABLE', 'disconnected: this connection stopped reading');
    if (ctx.watched.settleMs > 0) resendOutline(ctx, socket, roomId, log);
    return { ok: true, data: snapshot };
  });

  router.on('stats:unsubscribe', async ({ roomId }, { socket }) => {
    await socket.leave(statsRoom(roomId));
    if (socket.data.watching === roomId) socket.data.watching = undefined;
    return done;
  });

  router.on('stats:rooms', async ({ operatorToken }) => {
    if (!ctx.isOperator(operatorToken)) return statsForbidden;
    const rooms = (await ctx.stats.metrics()).map(({ roomId, participants, topology }) => ({ roomId, participants, topology }));
    return { ok: true, data: { rooms } };
  });
}

/**
 * In a cluster the other servers learn of a new viewer within `settleMs`: a change they made meanwhile was
 * not sent, so the viewer gets the room's outline again once that has passed.
 */
function resendOutline(ctx: ServerContext, socket: PeerSocket, roomId: string, log: Logger): void {
  const timer = setTimeout(() => {
    if (socket.disconnected || socket.data.watching !== roomId) return;
    ctx.stats
      .outlineUpdate(roomId)
      .then((update) => socket.data.watching === roomId && socket.emit('stats:update', update))
      .catch((err: Error) => log.warn({ roomId, err: err.message }, 'dashboard outline not resent'));
  }, ctx.watched.settleMs);
  timer.unref();
}
