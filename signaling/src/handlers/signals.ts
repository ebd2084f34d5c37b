import { done, notInRoom, refuse } from '../refusals.js';
import type { RequestRouter } from '../rpc/RequestRouter.js';
import { peerRoom, type PeerSocket, type ServerContext } from '../ServerContext.js';

/**
 * Mesh signaling: offers, answers and candidates relayed to one peer of the sender's own room. A roommate
 * seated through this server is known here; only one elsewhere costs a store read.
 */
export function registerSignals(router: RequestRouter<PeerSocket>, ctx: ServerContext): void {
  router.on('signal:send', async ({ to, signal }, { socket }) => {
    const { roomId, peerId } = socket.data;
    if (!roomId) return notInRoom;
    const inRoom = to !== peerId && (ctx.seats.seatedHere(to, roomId) || (await ctx.rooms.getPeer(roomId, to)) !== null);
    if (!inRoom) return refuse('PEER_NOT_FOUND', `no peer ${to} in room ${roomId}`);
    // The sender left while the store answered: it has nobody to signal now.
    if (socket.data.roomId !== roomId) return notInRoom;
    ctx.io.to(peerRoom(to)).emit('signal:receive', { from: peerId, signal });
    return done;
  });
}
