import type { Ack, JoinResponse, ValidRequest } from '@confer/shared';
import { passwordsBusy } from '../RoomAccess.js';
import { done, notInRoom, refuse, shuttingDown } from '../refusals.js';
import type { Call, RequestRouter } from '../rpc/RequestRouter.js';
import type { PeerSocket, ServerContext } from '../ServerContext.js';

type PeerCall = Call<PeerSocket>;

/** Joining (fresh or resumed), leaving, the connection's end, and fresh TURN credentials. */
export function registerSession(router: RequestRouter<PeerSocket>, ctx: ServerContext): void {
  router.on('room:join', async (req, call) => {
    const { socket } = call;
    if (ctx.isDraining()) return shuttingDown;
    if (socket.data.roomId || socket.data.joining) {
      return refuse('ALREADY_IN_ROOM', socket.data.roomId ? `already in room ${socket.data.roomId}; leave it first` : 'a join of this connection is under way');
    }
    const overBudget = ctx.addresses.takeJoin(socket.data.address);
    if (overBudget) return refuse('RATE_LIMITED', overBudget);
    socket.data.joining = true;
    try {
      return await join(ctx, req, call);
    } finally {
      socket.data.joining = false;
    }
  });

  router.on('room:leave', async (_, { socket, log }) => {
    if (socket.data.knocking) {
      await ctx.waiting.leave(socket);
      return done;
    }
    if (!socket.data.roomId) return notInRoom;
    await ctx.seats.leave(socket.data.roomId, socket.data.peerId, log);
    socket.data.roomId = undefined;
    return done;
  });

  router.on('ice:refresh', async (_, { socket }) => {
    if (!socket.data.roomId) return notInRoom;
    const { iceServers, expiresAt } = ctx.turn.iceServersFor(socket.data.peerId);
    return { ok: true, data: { iceServers, iceCredentialsExpireAt: expiresAt } };
  });
}

async function join(ctx: ServerContext, req: ValidRequest<'room:join'>, call: PeerCall): Promise<Ack<JoinResponse>> {
  const { socket } = call;
  const claims = req.resume ? ctx.access.verifyResume(req.resume, req.roomId) : null;
  const resumed = claims && (await ctx.seats.reseat(call, claims, req));
  if (resumed) return resumed;
  // Without a password the room's seal is not read first: the seat itself refuses a room that has one (in a
  // cluster, one Redis round trip less for nearly every join).
  const existing = req.password === undefined ? null : await ctx.rooms.roomSeal(req.roomId);
  const admitted = await ctx.access.admit(req, existing?.lock ?? null, socket.data.address);
  if (!admitted.ok) {
    call.log.info({ roomId: req.roomId, code: admitted.error.code }, 'join refused');
    return admitted;
  }
  const seal = existing ?? (await ctx.access.seal(req.password));
  if (!seal) return passwordsBusy;
  // A join token admits into a room with a password too (admit checked it).
  const rules = {
    unlockedOnly: req.password === undefined && admitted.fixedName === undefined,
    maxRooms: ctx.config.maxRooms,
    knock: ctx.config.admission === 'knock',
    admitted: req.admission !== undefined && ctx.access.verifyAdmission(req.admission, req.roomId, socket.data.peerId),
    claimHost: admitted.host === true,
  };
  return ctx.seats.seat(call, ctx.seats.peerInfo(socket.data.peerId, req, admitted.displayName), req.roomId, seal, false, admitted.fixedName, rules);
}

/** The connection ended: its seat is freed, held for the grace period, or (shutting down) kept for the next server. */
export function onDisconnect(ctx: ServerContext, call: PeerCall, reason: string): void {
  call.log.debug({ reason }, 'socket disconnected');
  if (call.socket.data.knocking) void ctx.waiting.leave(call.socket).catch((err: Error) => call.log.error({ err: err.message }, 'leaving the waiting room failed'));
  if (ctx.isDraining()) return;
  const onPurpose = reason === 'client namespace disconnect' || reason === 'server namespace disconnect';
  void ctx.seats.disconnected(call.socket, onPurpose, call.log).catch((err: Error) => call.log.error({ err: err.message }, 'leave on disconnect failed'));
}
