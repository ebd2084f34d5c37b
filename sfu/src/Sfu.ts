import type { ComponentStatus } from '@confer/shared';

export interface SfuWorkerHealth {
  pid: number;
  alive: boolean;
  restarts: number;
}

export interface SfuHealth {
  status: ComponentStatus;
  workers: SfuWorkerHealth[];
}

/**
 * What signaling needs from an SFU. MediasoupSfu runs mediasoup in this process; a remote SFU
 * node would implement the same interface over its own transport.
 */
export interface Sfu {
  health(): SfuHealth;
  /** Releases the room's media resources (its router) once nobody is left in it. */
  closeRoom(roomId: string): void;
  close(): Promise<void>;
}
