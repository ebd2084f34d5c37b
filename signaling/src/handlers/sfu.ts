import type { Ack } from '@confer/shared';
import { SfuRequestError } from '@confer/sfu';
import { notInRoom, refuse } from '../refusals.js';
import type { Call, RequestRouter } from '../rpc/RequestRouter.js';
import { peerRoom, type PeerSocket, type ServerContext } from '../ServerContext.js';

const none = {} as Record<string, never>;

/** SFU media requests of a seated peer, and the SFU's own events passed on to the rooms. */
export function registerSfu(router: RequestRouter<PeerSocket>, ctx: ServerContext): void {
  const { sfu } = ctx;
  const media = sfuRequest(ctx);
  router
    .on('sfu:join', (r, call) =>
      media(call, async (roomId, peerId) => {
        // SFU media is for rooms on the SFU or on standby for it: a small mesh room's peer has no business holding transports there.
        const { topology, standby } = await ctx.topology.view(roomId);
        if (topology !== 'sfu' && !standby) {
          throw new SfuRequestError(`room ${roomId} is on the mesh: it moves to the SFU at ${ctx.config.topology.sfuFrom} participants`);
        }
        return sfu.joinPeer(roomId, peerId, r.sctpCapabilities);
      }),
    )
    .on('sfu:connect', (r, call) => media(call, async (roomId, peerId) => (await sfu.connectTransport(roomId, peerId, r.transportId, r.dtlsParameters), none)))
    .on('sfu:restart-ice', (r, call) => media(call, async (roomId, peerId) => ({ iceParameters: await sfu.restartIce(roomId, peerId, r.transportId) })))
    .on('sfu:produce', (r, call) =>
      media(call, async (roomId, peerId) => {
        const producer = await sfu.produce(roomId, peerId, r.transportId, r.kind, r.source, r.rtpParameters);
        call.socket.to(roomId).emit('sfu:producer-added', producer);
        return { producerId: producer.producerId };
      }),
    )
    .on('sfu:close-producer', (r, call) => media(call, async (roomId, peerId) => (await sfu.closeProducer(roomId, peerId, r.producerId), none)))
    .on('sfu:produce-data', (r, call) =>
      media(call, async (roomId, peerId) => {
        const dataProducer = await sfu.produceData(roomId, peerId, r.transportId, r.sctpStreamParameters, r.label ?? '', r.protocol ?? '');
        call.socket.to(roomId).emit('sfu:data-producer-added', dataProducer);
        return { dataProducerId: dataProducer.dataProducerId };
      }),
    )
    .on('sfu:consume-data', (r, call) => media(call, (roomId, peerId) => sfu.consumeData(roomId, peerId, r.dataProducerId)))
    .on('sfu:consume', (r, call) => media(call, async (roomId, peerId) => ({ consumers: await sfu.consume(roomId, peerId, r.producerIds, r.rtpCapabilities) })))
    .on('sfu:resume', (r, call) => media(call, async (roomId, peerId) => (await sfu.resumeConsumers(roomId, peerId, r.consumerIds), none)))
    .on('sfu:pause', (r, call) => media(call, async (roomId, peerId) => (await sfu.pauseConsumer(roomId, peerId, r.consumerId), none)))
    .on('sfu:layers', (r, call) => media(call, async (roomId, peerId) => (await sfu.setPreferredLayers(roomId, peerId, r.consumerId, r.spatialLayer), none)))
    .on('sfu:idle', (_, call) => media(call, (roomId, peerId) => sfu.idlePeer(roomId, peerId)))
    .on('sfu:leave', (_, call) => media(call, async (roomId, peerId) => (sfu.leavePeer(roomId, peerId), none)));
}

/**
 * Runs an SFU request for a seated peer. The SFU's refusals (SfuRequestError) come back as MEDIA_ERROR with
 * its reason; anything else is a fault of ours and goes on to the router (INTERNAL, logged).
 */
function sfuRequest(ctx: ServerContext) {
  return async <R>(call: Call<PeerSocket>, fn: (roomId: string, peerId: string) => Promise<R>): Promise<Ack<R>> => {
    const { roomId, peerId } = call.socket.data;
    if (!roomId) return notInRoom;
    try {
      const data = await fn(roomId, peerId);
      // Left while the SFU worked (its requests queue behind each other): what it made now, a router
      // re-created for an emptied room included, has nobody to free it. Undo it here.
      if (!(await ctx.rooms.getPeer(roomId, peerId))) {
        ctx.sfu.leavePeer(roomId, peerId);
        if ((await ctx.rooms.peers(roomId)).length === 0) ctx.sfu.closeRoom(roomId);
        return refuse('MEDIA_ERROR', `left room ${roomId} while the SFU request ran`);
      }
      return { ok: true, data };
    } catch (error) {
      if (!(error instanceof SfuRequestError)) throw error;
      if (call.budget.mayLog()) call.log.warn({ roomId, err: error.message }, 'SFU request refused');
      return refuse('MEDIA_ERROR', error.message);
    }
  };
}

/** The SFU's events (consumed producers closing, speakers, a lost router) reach the peers they concern. */
export function forwardSfuEvents(ctx: ServerContext): void {
  // Every server hears every media node's events (a cluster): each passes them to its own sockets only.
  const local = ctx.io.local;
  ctx.sfu.onEvent((event) => {
    if (event.type === 'producer-closed') {
      local.to(peerRoom(event.peerId)).emit('sfu:producer-closed', { producerId: event.producerId, peerId: event.peerId });
    } else if (event.type === 'active-speaker') {
      local.to(event.roomId).emit('room:active-speaker', { peerId: event.peerId });
    } else if (event.type === 'audio-levels') {
      local.to(event.roomId).emit('room:audio-levels', { levels: event.levels });
    } else {
      ctx.log.warn({ roomId: event.roomId }, 'SFU media of the room was lost; peers rejoin the SFU');
      local.to(event.roomId).emit('sfu:reset');
    }
  });
}
