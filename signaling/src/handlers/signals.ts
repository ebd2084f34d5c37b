import { done, notInRoom, refuse } from '../refusals.js';
import type { RequestRouter } from '../rpc/RequestRouter.js';
import { peerRoom, type PeerSocket, type ServerContext } from '../ServerContext.js';

/** Mesh signaling: offers, answers and candidates relayed to one peer of the sender's own room. */
export function registerSignals(router: RequestRouter<PeerSocket>, ctx: ServerContext): void {
  router.on('signal:send', async ({ to, signal }, { socket }) => {
    const { roomId, peerId } = socket.data;
    if (!roomId) return notInRoom;
    if (to === peerId || !(await ctx.rooms.getPeer(roomId, to))) return refuse('PEER_NOT_FOUND', `no peer ${to} in room ${roomId}`);
    ctx.io.to(peerRoom(to)).emit('signal:receive', { from: peerId, signal });
    return done;
  });
}
