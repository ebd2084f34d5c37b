import { done, notInRoom, refuse } from '../refusals.js';
import type { RequestRouter } from '../rpc/RequestRouter.js';
import type { PeerSocket, ServerContext } from '../ServerContext.js';

/** What a peer tells its room about itself: name, mute and share state, and that it finished a switch. */
export function registerPresence(router: RequestRouter<PeerSocket>, ctx: ServerContext): void {
  router.on('peer:update', async (update, { socket }) => {
    const roomId = socket.data.roomId;
    if (update.displayName !== undefined && socket.data.fixedName !== undefined) {
      return refuse('FORBIDDEN', 'your name comes from your invitation and cannot be changed');
    }
    const { handRaised, ...rest } = update;
    // A hand's place in the queue is when it went up, by the server's clock.
    const patch = handRaised === undefined ? rest : { ...rest, handRaisedAt: handRaised ? Date.now() : null };
    const peer = roomId ? await ctx.rooms.updatePeer(roomId, socket.data.peerId, patch) : null;
    if (!roomId || !peer) return notInRoom;
    socket.to(roomId).emit('room:peer-updated', peer);
    // A share starting or stopping may move the room (TOPOLOGY_SFU_FROM_SHARING).
    if (update.screenSharing !== undefined) await ctx.topology.evaluate(roomId);
    return { ok: true, data: peer };
  });

  router.on('topology:switched', async ({ switchId }, { socket }) => {
    const { roomId, peerId } = socket.data;
    if (!roomId) return notInRoom;
    await ctx.topology.switched(roomId, peerId, switchId);
    return done;
  });
}
