import type { types } from 'mediasoup';
import type { Logger } from '@confer/shared';
import type { SfuConfig } from './config.js';
import { mediaCodecs } from './mediaCodecs.js';
import type { Sfu, SfuHealth } from './Sfu.js';
import { loadMediasoup, resolveWorkerBinary } from './workerBinary.js';

export class SfuStartError extends Error {
  override name = 'SfuStartError';
}

interface WorkerSlot {
  worker: types.Worker;
  alive: boolean;
  restarts: number;
}

/** Delay before replacing a worker that died, so a crash loop does not spin a core. */
const RESPAWN_DELAY_MS = 1000;

/** mediasoup in this process: one worker per configured core, one router per room. */
export class MediasoupSfu implements Sfu {
  private readonly slots: WorkerSlot[] = [];
  private readonly routers = new Map<string, Promise<types.Router>>();
  private nextWorker = 0;
  private closed = false;

  private constructor(
    private readonly config: SfuConfig,
    private readonly log: Logger,
  ) {}

  /** Starts every worker or fails with one line saying what to do. */
  static async start(config: SfuConfig, log: Logger): Promise<MediasoupSfu> {
    const sfu = new MediasoupSfu(config, log);
    const binary = resolveWorkerBinary();
    try {
      for (let i = 0; i < config.workers; i++) sfu.slots.push(await sfu.spawnSlot(0));
    } catch (error) {
      await sfu.close();
      throw new SfuStartError(
        `mediasoup worker failed to start (${binary}): ${(error as Error).message}. Rebuild it with 'npm run worker' or set MEDIASOUP_WORKER_BIN`,
      );
    }
    log.info({ workers: sfu.slots.map((s) => s.worker.pid) }, 'mediasoup workers started');
    return sfu;
  }

  private async spawnSlot(restarts: number): Promise<WorkerSlot> {
    const mediasoup = await loadMediasoup();
    const worker = await mediasoup.createWorker({
      logLevel: this.config.logLevel,
      rtcMinPort: this.config.rtcMinPort,
      rtcMaxPort: this.config.rtcMaxPort,
    });
    const slot: WorkerSlot = { worker, alive: true, restarts };
    worker.on('died', (error) => this.onWorkerDied(slot, error));
    return slot;
  }

  private onWorkerDied(slot: WorkerSlot, error: Error): void {
    slot.alive = false;
    this.log.error({ pid: slot.worker.pid, err: error.message }, 'mediasoup worker died; replacing it');
    // Its routers died with it; rooms on them get a fresh router on next use.
    for (const [roomId, router] of this.routers) {
      void router.then((r) => r.closed && this.routers.delete(roomId), () => this.routers.delete(roomId));
    }
    setTimeout(() => {
      if (this.closed) return;
      this.spawnSlot(slot.restarts + 1).then(
        (fresh) => {
          const index = this.slots.indexOf(slot);
          if (index >= 0 && !this.closed) this.slots[index] = fresh;
          else fresh.worker.close();
          this.log.info({ pid: fresh.worker.pid }, 'mediasoup worker replaced');
        },
        (err: Error) => this.log.error({ err: err.message }, 'could not replace mediasoup worker'),
      );
    }, RESPAWN_DELAY_MS);
  }

  health(): SfuHealth {
    const workers = this.slots.map((s) => ({ pid: s.worker.pid, alive: s.alive, restarts: s.restarts }));
    const alive = workers.filter((w) => w.alive).length;
    return { status: alive === workers.length && alive > 0 ? 'ok' : alive > 0 ? 'degraded' : 'down', workers };
  }

  /** The room's router, created on first use on the next live worker (round robin). */
  routerForRoom(roomId: string): Promise<types.Router> {
    let router = this.routers.get(roomId);
    if (!router) {
      const live = this.slots.filter((s) => s.alive);
      const slot = live[this.nextWorker++ % Math.max(1, live.length)];
      if (!slot) return Promise.reject(new Error('no live mediasoup worker'));
      router = slot.worker.createRouter({ mediaCodecs, appData: { roomId } });
      this.routers.set(roomId, router);
      router.catch(() => this.routers.delete(roomId));
    }
    return router;
  }

  /** WebRTC transport options for this deployment (listen address and announced address). */
  webRtcListenInfos(): types.TransportListenInfo[] {
    const { listenIp, announcedIp } = this.config;
    return (['udp', 'tcp'] as const).map((protocol) => ({
      protocol,
      ip: listenIp,
      ...(announcedIp ? { announcedIp } : {}),
    }));
  }

  closeRoom(roomId: string): void {
    const router = this.routers.get(roomId);
    this.routers.delete(roomId);
    void router?.then((r) => r.close(), () => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const slot of this.slots) slot.worker.close();
    this.routers.clear();
  }
}
