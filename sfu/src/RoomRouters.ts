import type { SfuConfig } from './config.js';
import { mediaCodecs } from './mediaCodecs.js';
import { emptyPipes } from './RoomPipes.js';
import { SfuRequestError, type SfuEvent } from './Sfu.js';
import type { Room, WorkerSlot } from './sfuRooms.js';
import type { WorkerPool } from './WorkerPool.js';

/** One router per room, on the live worker with the fewest routers, with its speaker and level observers. */
export class RoomRouters {
  private readonly rooms = new Map<string, Promise<Room>>();

  constructor(
    private readonly config: SfuConfig,
    private readonly pool: WorkerPool,
    private readonly emit: (event: SfuEvent) => void,
  ) {}

  /** The room, its router created on first use. */
  get(roomId: string): Promise<Room> {
    return this.rooms.get(roomId) ?? this.create(roomId);
  }

  /** The room if it has a router here (never creates one). */
  existing(roomId: string): Promise<Room> | undefined {
    return this.rooms.get(roomId);
  }

  private create(roomId: string): Promise<Room> {
    const placed = this.pool.leastLoaded();
    if ('why' in placed) return Promise.reject(new SfuRequestError(placed.why));
    const { slot } = placed;
    slot.routers++;
    const room = slot.worker.createRouter({ mediaCodecs, appData: { roomId } }).then(async (router) => {
      router.on('workerclose', () => slot.routers--);
      const speakers = await router.createActiveSpeakerObserver({ interval: 300 });
      // Sampled every 400 ms: enough for a speaking outline.
      const levels = await router.createAudioLevelObserver({ interval: 400, threshold: this.config.audioLevelThreshold, maxEntries: 16 });
      const created: Room = { router, speakers, levels, slot, peers: new Map(), piped: new Map(), pipes: emptyPipes() };
      levels.on('volumes', (volumes) =>
        this.emit({ type: 'audio-levels', roomId, levels: volumes.map((v) => ({ peerId: String(v.producer.appData.peerId ?? ''), volume: v.volume })) }),
      );
      levels.on('silence', () => this.emit({ type: 'audio-levels', roomId, levels: [] }));
      speakers.on('dominantspeaker', ({ producer }) => {
        const peerId = String(producer.appData.peerId ?? '');
        RoomRouters.prioritise(created, peerId);
        this.emit({ type: 'active-speaker', roomId, peerId });
      });
      return created;
    });
    this.rooms.set(roomId, room);
    room.catch(() => {
      slot.routers--;
      this.rooms.delete(roomId);
    });
    return room;
  }

  /** The dominant speaker's video goes first when a receiver's bandwidth runs short. */
  private static prioritise(room: Room, speakerId: string): void {
    for (const peer of room.peers.values()) {
      for (const consumer of peer.consumers.values()) {
        if (consumer.kind === 'video' && !consumer.closed) void consumer.setPriority(consumer.appData.peerId === speakerId ? 2 : 1).catch(() => undefined);
      }
    }
  }

  /** The dead worker's rooms lost their routers: forget them and tell signaling, so their peers set up SFU media again. */
  workerDied(slot: WorkerSlot): void {
    for (const [roomId, room] of this.rooms) {
      void room.then(
        (r) => {
          if (r.slot !== slot) return;
          this.rooms.delete(roomId);
          this.emit({ type: 'room-reset', roomId });
        },
        () => undefined,
      );
    }
  }

  close(roomId: string): void {
    const room = this.rooms.get(roomId);
    this.rooms.delete(roomId);
    void room?.then(
      (r) => {
        r.router.close();
        r.slot.routers--;
        r.slot.peers -= r.peers.size;
      },
      () => undefined,
    );
  }

  ids(): string[] {
    return [...this.rooms.keys()];
  }

  clear(): void {
    this.rooms.clear();
  }
}
