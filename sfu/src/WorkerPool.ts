import { backoffDelay, type Backoff, type Logger } from '@confer/shared';
import type { SfuConfig } from './config.js';
import type { SfuHealth } from './Sfu.js';
import type { WorkerSlot } from './sfuRooms.js';
import { loadMediasoup, resolveWorkerBinary } from './workerBinary.js';

export class SfuStartError extends Error {
  override name = 'SfuStartError';
}

/** Waits before replacing a worker that died, and between failed replacements (a crash loop must not spin a core; a passing failure such as a busy port must not leave the slot dead for good). */
const RESPAWN_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000 };

/** The mediasoup workers, one per slot (each with a single-port WebRtcServer): started, watched, replaced when they die. */
export class WorkerPool {
  private readonly slots: WorkerSlot[] = [];
  private closed = false;

  private constructor(
    private readonly config: SfuConfig,
    private readonly log: Logger,
    /** A worker died: whatever lived on it is gone. */
    private readonly onDied: (slot: WorkerSlot) => void,
  ) {}

  /** Starts every worker or fails with one line saying what to do. */
  static async start(config: SfuConfig, log: Logger, onDied: (slot: WorkerSlot) => void): Promise<WorkerPool> {
    const pool = new WorkerPool(config, log, onDied);
    const binary = resolveWorkerBinary();
    try {
      for (let i = 0; i < config.workers; i++) pool.slots.push(await pool.spawnSlot(i, 0));
    } catch (error) {
      pool.close();
      if (error instanceof SfuStartError) throw error;
      throw new SfuStartError(
        `mediasoup worker failed to start (${binary}): ${(error as Error).message}. Rebuild it with 'npm run worker' or set MEDIASOUP_WORKER_BIN`,
      );
    }
    log.info({ workers: pool.slots.map((s) => s.worker.pid) }, 'mediasoup workers started');
    return pool;
  }

  /** The live worker with the fewest routers that may take another; null when none (the reason in `why`). */
  leastLoaded(): { slot: WorkerSlot } | { why: string } {
    const live = this.slots.filter((s) => s.alive);
    const slot = live.filter((s) => s.routers < this.config.maxRoomsPerWorker).sort((a, b) => a.routers - b.routers)[0];
    return slot ? { slot } : { why: live.length ? 'the SFU is at capacity (SFU_MAX_ROOMS_PER_WORKER)' : 'no live mediasoup worker' };
  }

  /** Peers on this node's live workers. */
  peers(): number {
    return this.slots.reduce((n, s) => n + (s.alive ? s.peers : 0), 0);
  }

  health(): SfuHealth {
    const workers = this.slots.map((s) => ({ pid: s.worker.pid, alive: s.alive, restarts: s.restarts, routers: s.routers, peers: s.peers, cpuPct: s.cpu.pct }));
    const alive = workers.filter((w) => w.alive).length;
    return { status: alive === workers.length && alive > 0 ? 'ok' : alive > 0 ? 'degraded' : 'down', workers };
  }

  private async spawnSlot(index: number, restarts: number): Promise<WorkerSlot> {
    const mediasoup = await loadMediasoup();
    const { logLevel, rtcMinPort, rtcMaxPort, webRtcPort, listenIp, announcedIp } = this.config;
    const worker = await mediasoup.createWorker({ logLevel, rtcMinPort, rtcMaxPort });
    try {
      const port = webRtcPort === 0 ? undefined : webRtcPort + index;
      const webRtcServer = await worker.createWebRtcServer({
        listenInfos: (['udp', 'tcp'] as const).map((protocol) => ({ protocol, ip: listenIp, ...(announcedIp ? { announcedIp } : {}), ...(port ? { port } : {}) })),
      });
      const slot: WorkerSlot = { worker, webRtcServer, alive: true, restarts, routers: 0, peers: 0, cpu: { at: Date.now(), usedMs: 0, pct: null } };
      worker.on('died', (error) => this.onWorkerDied(slot, error));
      return slot;
    } catch (error) {
      worker.close();
      const port = webRtcPort === 0 ? 'a port from the RTC range' : `port ${webRtcPort + index}`;
      throw new SfuStartError(`SFU WebRTC server could not listen on ${listenIp} (${port}): ${(error as Error).message}. Stop the other process or set SFU_WEBRTC_PORT`);
    }
  }

  private onWorkerDied(slot: WorkerSlot, error: Error): void {
    slot.alive = false;
    this.log.error({ pid: slot.worker.pid, err: error.message }, 'mediasoup worker died; replacing it');
    this.onDied(slot);
    this.respawn(slot, 0);
  }

  /** Replaces a dead worker's slot, retrying with backoff until it works or the SFU closes. */
  private respawn(slot: WorkerSlot, attempt: number): void {
    const delayMs = backoffDelay(attempt, RESPAWN_BACKOFF);
    setTimeout(() => {
      if (this.closed) return;
      const index = this.slots.indexOf(slot);
      this.spawnSlot(index, slot.restarts + 1).then(
        (fresh) => {
          if (index >= 0 && !this.closed) this.slots[index] = fresh;
          else fresh.worker.close();
          this.log.info({ pid: fresh.worker.pid, attempt }, 'mediasoup worker replaced');
        },
        (err: Error) => {
          this.log.error({ err: err.message, attempt, retryInMs: backoffDelay(attempt + 1, RESPAWN_BACKOFF) }, 'could not replace mediasoup worker; retrying');
          this.respawn(slot, attempt + 1);
        },
      );
    }, delayMs).unref();
  }

  close(): void {
    this.closed = true;
    for (const slot of this.slots) slot.worker.close();
  }
}
