import type {
  ComponentStatus,
  MediaSource,
  RtpJson,
  SfuConsumerOptions,
  SfuDataConsumerOptions,
  SfuDataProducerInfo,
  SfuJoinResponse,
  SfuMediaList,
  SfuProducerInfo,
  SfuRoomStats,
} from '@confer/shared';

export interface SfuWorkerHealth {
  pid: number;
  alive: boolean;
  restarts: number;
  routers: number;
  /** Peers with transports on it, and its CPU use (percent of a core, null before the first sample). */
  peers: number;
  cpuPct: number | null;
}

export interface SfuHealth {
  status: ComponentStatus;
  workers: SfuWorkerHealth[];
}

export type SfuEvent =
  /** A producer (or data producer) that `peerId` consumed is gone. */
  | { type: 'producer-closed'; roomId: string; peerId: string; producerId: string }
  /** The room's router is gone (its worker died): every peer's SFU media must be set up again. */
  | { type: 'room-reset'; roomId: string }
  /** The room's dominant speaker changed (mediasoup's active-speaker observer on the audio producers). */
  | { type: 'active-speaker'; roomId: string; peerId: string }
  /** Who is audible right now (mediasoup's audio-level observer; empty when the room went quiet). */
  | { type: 'audio-levels'; roomId: string; levels: { peerId: string; volume: number }[] };

/** The SFU's view of a room's media (the type lives in shared, since dashboards show it). */
export type { SfuRoomStats } from '@confer/shared';

/**
 * What signaling needs from an SFU, in plain data. MediasoupSfu runs mediasoup in this process; a
 * remote SFU node would implement the same interface over its own transport.
 */
export interface Sfu {
  health(): SfuHealth;
  /**
   * Creates the peer's send and receive transports (and the room's router on first use); with the
   * browser's SCTP capabilities they carry data channels too.
   */
  joinPeer(roomId: string, peerId: string, sctpCapabilities?: RtpJson): Promise<SfuJoinResponse>;
  connectTransport(roomId: string, peerId: string, transportId: string, dtlsParameters: RtpJson): Promise<void>;
  /** ICE restart of one of the peer's transports (the browser lost it): fresh ICE parameters for the browser's side. */
  restartIce(roomId: string, peerId: string, transportId: string): Promise<RtpJson>;
  produce(roomId: string, peerId: string, transportId: string, kind: 'audio' | 'video', source: MediaSource, rtpParameters: RtpJson): Promise<SfuProducerInfo>;
  /** Closes one of the peer's own producers; consumers of it close and their peers get producer-closed. */
  closeProducer(roomId: string, peerId: string, producerId: string): Promise<void>;
  produceData(roomId: string, peerId: string, transportId: string, sctpStreamParameters: RtpJson, label: string, protocol: string): Promise<SfuDataProducerInfo>;
  consumeData(roomId: string, peerId: string, dataProducerId: string): Promise<SfuDataConsumerOptions>;
  /** Paused consumers of these producers on the peer's receive transport (those that can be consumed). */
  consume(roomId: string, peerId: string, producerIds: string[], rtpCapabilities: RtpJson): Promise<SfuConsumerOptions[]>;
  /** Resumes the peer's consumers, with a key frame for each video one. */
  resumeConsumers(roomId: string, peerId: string, consumerIds: string[]): Promise<void>;
  pauseConsumer(roomId: string, peerId: string, consumerId: string): Promise<void>;
  setPreferredLayers(roomId: string, peerId: string, consumerId: string, spatialLayer: number): Promise<void>;
  /**
   * The peer's session goes back on standby (its room returned to the mesh): its consumers, data consumers,
   * data producers and screen producer close; its transports and camera and microphone producers stay. Answers
   * with the others' media, to consume when the room comes back.
   */
  idlePeer(roomId: string, peerId: string): Promise<SfuMediaList>;
  /** Closes everything the peer has on the SFU (transports, producers, consumers). */
  leavePeer(roomId: string, peerId: string): void;
  /** Releases the room's router once nobody is left in it. */
  closeRoom(roomId: string): void;
  roomStats(roomId: string): Promise<SfuRoomStats | null>;
  onEvent(listener: (event: SfuEvent) => void): void;
  close(): Promise<void>;
}

export class SfuRequestError extends Error {
  override name = 'SfuRequestError';
}

/** Refused because this SFU (its worker or node) is full: in a cluster the peer goes to another media node. */
export class SfuFullError extends SfuRequestError {
  override name = 'SfuFullError';
}
