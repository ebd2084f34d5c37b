import type {
  ComponentStatus,
  RtpJson,
  SfuConsumerOptions,
  SfuProducerInfo,
  SfuTransportOptions,
} from '@confer/shared';

export interface SfuWorkerHealth {
  pid: number;
  alive: boolean;
  restarts: number;
  routers: number;
}

export interface SfuHealth {
  status: ComponentStatus;
  workers: SfuWorkerHealth[];
}

export type SfuEvent =
  | { type: 'producer-closed'; roomId: string; peerId: string; producerId: string }
  /** The room's router is gone (its worker died): every peer's SFU media must be set up again. */
  | { type: 'room-reset'; roomId: string }
  /** The room's dominant speaker changed (mediasoup's active-speaker observer on the audio producers). */
  | { type: 'active-speaker'; roomId: string; peerId: string }
  /** Who is audible right now (mediasoup's audio-level observer; empty when the room went quiet). */
  | { type: 'audio-levels'; roomId: string; levels: { peerId: string; volume: number }[] };

export interface SfuProducerStats {
  producerId: string;
  peerId: string;
  kind: 'audio' | 'video';
  /** Simulcast layers (RTP streams) the SFU has received from this producer. */
  layers: number;
  /** Of those, the layers with a non-zero bitrate now (a sender short of CPU or bandwidth drops the top ones). */
  activeLayers: number;
}

export interface SfuRoomStats {
  producers: SfuProducerStats[];
  consumers: {
    consumerId: string;
    peerId: string;
    producerId: string;
    kind: string;
    paused: boolean;
    /** The layer the consumer asked for (follows its tile size) and the one it receives now. */
    preferredSpatialLayer: number | null;
    spatialLayer: number | null;
  }[];
  transports: number;
  /** Bits per second the SFU receives from and sends to this room's browsers. */
  recvBitrate: number;
  sendBitrate: number;
}

/**
 * What signaling needs from an SFU, in plain data. MediasoupSfu runs mediasoup in this process; a
 * remote SFU node would implement the same interface over its own transport.
 */
export interface Sfu {
  health(): SfuHealth;
  /** Creates the peer's send and receive transports (and the room's router on first use). */
  joinPeer(roomId: string, peerId: string): Promise<{ routerRtpCapabilities: RtpJson; sendTransport: SfuTransportOptions; recvTransport: SfuTransportOptions; producers: SfuProducerInfo[] }>;
  connectTransport(roomId: string, peerId: string, transportId: string, dtlsParameters: RtpJson): Promise<void>;
  produce(roomId: string, peerId: string, transportId: string, kind: 'audio' | 'video', rtpParameters: RtpJson): Promise<SfuProducerInfo>;
  /** A paused consumer of `producerId` on the peer's receive transport. */
  consume(roomId: string, peerId: string, producerId: string, rtpCapabilities: RtpJson): Promise<SfuConsumerOptions>;
  resumeConsumer(roomId: string, peerId: string, consumerId: string): Promise<void>;
  pauseConsumer(roomId: string, peerId: string, consumerId: string): Promise<void>;
  setPreferredLayers(roomId: string, peerId: string, consumerId: string, spatialLayer: number): Promise<void>;
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
