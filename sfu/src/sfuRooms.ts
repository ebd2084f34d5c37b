import type { types } from 'mediasoup';

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
}

