import type { types } from 'mediasoup';
import type { PipeState } from './RoomPipes.js';
import { SfuRequestError } from './Sfu.js';

/** What MediasoupSfu keeps of each worker, room and peer (plain records: MediasoupSfu owns their lifecycle). */
export interface WorkerSlot {
  worker: types.Worker;
  webRtcServer: types.WebRtcServer;
  alive: boolean;
  restarts: number;
  routers: number;
  peers: number;
  /** Last CPU-time reading of the worker process, to turn the next one into a percentage. */
  cpu: { at: number; usedMs: number; pct: number | null };
}

export interface PeerMedia {
  transports: Map<string, types.WebRtcTransport>;
  producers: Map<string, types.Producer>;
  consumers: Map<string, types.Consumer>;
  dataProducers: Map<string, types.DataProducer>;
  dataConsumers: Map<string, types.DataConsumer>;
}

export interface Room {
  router: types.Router;
  speakers: types.ActiveSpeakerObserver;
  levels: types.AudioLevelObserver;
  slot: WorkerSlot;
  peers: Map<string, PeerMedia>;
  /** Producers and data producers of peers on other media nodes, piped into this router (a room spanning nodes). */
  piped: Map<string, types.Producer | types.DataProducer>;
  pipes: PipeState;
}


/**
 * After an await that created `made`: if the peer left (or joined afresh) meanwhile, nothing tracks it any
 * more, so it is closed here and the request fails.
 */
export function keepFor<T extends { close(): void }>(room: Room, peerId: string, peer: PeerMedia, made: T): T {
  if (room.peers.get(peerId) === peer && !room.router.closed) return made;
  made.close();
  throw new SfuRequestError(`peer ${peerId} left the SFU meanwhile`);
}
