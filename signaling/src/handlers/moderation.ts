import type { ModerationAction, PeerInfo } from '@confer/shared';
import { done, notInRoom, refuse } from '../refusals.js';
import type { RequestRouter } from '../rpc/RequestRouter.js';
import { peerRoom, type PeerSocket, type ServerContext } from '../ServerContext.js';

const notHost = refuse('FORBIDDEN', 'only the host of the room may do this');
const noSuchPeer = (peerId: string) => refuse('PEER_NOT_FOUND', `no participant ${peerId} in this room`);

/** What each of the host's actions on one participant's record changes (the others are not a record's change). */
const PATCHES: Partial<Record<ModerationAction, Partial<PeerInfo>>> = {
  mute: { audioMuted: true },
  'stop-video': { videoMuted: true },
  'lower-hand': { handRaisedAt: null },
};

/**
 * Reactions, and what the host of a room may do: act on a participant (mute, stop the camera, lower a hand,
 * hand the role over, remove), let in or turn away who waits, lock the room, end the meeting. The server
 * checks the role on every request: hiding a button is not the rule.
 */
export function registerModeration(router: RequestRouter<PeerSocket>, ctx: ServerContext): void {
  router.on('room:react', async ({ emoji }, { socket }) => {
    const { roomId, peerId } = socket.data;
    if (!roomId) return notInRoom;
    ctx.io.to(roomId).emit('room:reaction', { peerId, emoji });
    return done;
  });

  router.on('room:moderate', async ({ action, peerId: target }, { socket, log }) => {
    const roomId = await hostRoom(ctx, socket);
    if (typeof roomId !== 'string') return roomId;
    const patch = PATCHES[action];
    if (patch) {
      const peer = await ctx.rooms.updatePeer(roomId, target, patch);
      if (!peer) return noSuchPeer(target);
      ctx.io.to(roomId).emit('room:peer-updated', peer);
      if (action === 'mute' || action === 'stop-video') ctx.io.to(peerRoom(target)).emit('room:moderated', { action });
      log.info({ roomId, target, action }, 'host action');
      return done;
    }
    if (action === 'admit' || action === 'deny') {
      return (await ctx.waiting.decide(roomId, target, action === 'admit')) ? done : refuse('PEER_NOT_FOUND', `nobody ${target} waits to enter this room`);
    }
    if (action === 'make-host') {
      const controls = await ctx.rooms.updateControls(roomId, socket.data.peerId, { hostId: target });
      if (!controls) return noSuchPeer(target);
      ctx.io.to(roomId).emit('room:controls', controls);
      await ctx.waiting.tellHost(roomId, undefined, target);
      log.info({ roomId, hostId: target }, 'host handed over');
      return done;
    }
    // remove
    if (target === socket.data.peerId) return refuse('BAD_REQUEST', 'the host leaves the room with "Leave", not by removing itself');
    if (!(await ctx.rooms.getPeer(roomId, target))) return noSuchPeer(target);
    await ctx.seats.close(roomId, [target], 'removed', log);
    return done;
  });

  router.on('room:lock', async ({ locked }, { socket, log }) => {
    const roomId = await hostRoom(ctx, socket);
    if (typeof roomId !== 'string') return roomId;
    const controls = await ctx.rooms.updateControls(roomId, socket.data.peerId, { locked });
    if (!controls) return notHost;
    ctx.io.to(roomId).emit('room:controls', controls);
    log.info({ roomId, locked }, locked ? 'room locked' : 'room unlocked');
    return { ok: true, data: controls };
  });

  router.on('room:end', async (_, { socket, log }) => {
    const roomId = await hostRoom(ctx, socket);
    if (typeof roomId !== 'string') return roomId;
    const everyone = (await ctx.rooms.peers(roomId)).map((p) => p.peerId);
    await ctx.seats.close(roomId, everyone, 'ended', log);
    return done;
  });
}

/** The caller's room if the caller is its host (checked again once the store answered: it may have left meanwhile). */
async function hostRoom(ctx: ServerContext, socket: PeerSocket) {
  const { roomId, peerId } = socket.data;
  if (!roomId) return notInRoom;
  const { hostId } = await ctx.rooms.controls(roomId);
  if (socket.data.roomId !== roomId) return notInRoom;
  return hostId === peerId ? roomId : notHost;
}
