import { backoffDelay, type ComponentStatus, type IceServer, type Logger } from '@confer/shared';
import { createTurnCredentials, startCoturn, stunProbe, type RunningCoturn } from '@confer/turn';
import type { TurnConfig } from './config.js';

export interface IssuedIceServers {
  iceServers: IceServer[];
  expiresAt: number | null;
}

/** Host and port of the first turn:/stun: URL, for the health probe. */
function probeTarget(urls: string[]): { host: string; port: number } | null {
  const match = urls.map((u) => /^(?:turns?|stuns?):\[?([^\]?]+?)\]?(?::(\d+))?(?:\?|$)/.exec(u)).find(Boolean);
  return match?.[1] ? { host: match[1], port: Number(match[2] ?? 3478) } : null;
}

/** How a managed coturn is restarted after it dies on its own. */
export interface TurnSupervision {
  /** Wait before the first restart; doubles with every further attempt. */
  initialBackoffMs: number;
  maxBackoffMs: number;
  /** A coturn that stayed up this long counts as healthy: its next crash starts the backoff over. */
  stableAfterMs: number;
}

export const defaultTurnSupervision: TurnSupervision = { initialBackoffMs: 500, maxBackoffMs: 10_000, stableAfterMs: 60_000 };

/** Issues per-peer ICE servers and, in managed mode, owns and supervises the coturn process. */
export class TurnService {
  private coturn: RunningCoturn | null = null;
  private unavailableReason = '';
  /** Managed coturn started once and is kept running (restarted when it dies) until close(). */
  private supervised = false;
  private closed = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private restarting: Promise<void> | null = null;
  /** Restarts since coturn last stayed up for stableAfterMs; sets the backoff. */
  private attempt = 0;
  private startedAt = 0;
  private downSince = 0;
  private restartCount = 0;

  private constructor(
    private readonly config: TurnConfig,
    private readonly log: Logger,
    private readonly supervision: TurnSupervision,
  ) {}

  /** Never throws: without a working TURN the service runs STUN-only and says why. */
  static async start(config: TurnConfig, log: Logger, supervision: Partial<TurnSupervision> = {}): Promise<TurnService> {
    const service = new TurnService(config, log, { ...defaultTurnSupervision, ...supervision });
    if (config.mode === 'managed') {
      try {
        service.adopt(await service.launch());
        service.supervised = true;
        log.info({ port: config.port, mode: service.coturnMode, pid: service.coturn?.pid }, 'coturn started');
      } catch (error) {
        // A coturn that cannot start at all (not installed, port taken) will not fix itself: say why once.
        service.unavailableReason = (error as Error).message;
        log.warn({ reason: service.unavailableReason }, `running without TURN: ${service.unavailableReason}`);
      }
    } else if (config.mode === 'off') {
      log.warn({}, 'running without TURN (TURN_MODE=off): peers behind strict NATs or UDP-blocking networks cannot connect');
    }
    return service;
  }

  private get coturnMode(): 'local' | 'production' {
    const ip = this.config.listenIp;
    return ip.startsWith('127.') || ip === '::1' ? 'local' : 'production';
  }

  /** Same secret, realm and ports every time, so credentials issued before a restart stay valid. */
  private launch(): Promise<RunningCoturn> {
    const { config } = this;
    return startCoturn({ ...config, listeningIp: config.listenIp, relayIp: config.listenIp, mode: this.coturnMode });
  }

  private adopt(coturn: RunningCoturn): void {
    this.coturn = coturn;
    this.startedAt = Date.now();
    this.unavailableReason = '';
    void coturn.exit.then(({ code, signal }) => {
      // stop() from close() clears this.coturn first, so only a death on its own gets here.
      if (this.coturn !== coturn || this.closed) return;
      this.coturn = null;
      this.downSince = Date.now();
      const upMs = this.downSince - this.startedAt;
      if (upMs >= this.supervision.stableAfterMs) this.attempt = 0;
      this.unavailableReason = `coturn exited (${signal ? `signal ${signal}` : `code ${code}`}); restarting`;
      this.log.error({ pid: coturn.pid, code, signal, upMs, lastLog: coturn.recentLog().slice(-3) }, 'coturn exited unexpectedly');
      this.scheduleRestart();
    });
  }

  private scheduleRestart(): void {
    const { initialBackoffMs, maxBackoffMs } = this.supervision;
    const delayMs = backoffDelay(this.attempt, { initialMs: initialBackoffMs, maxMs: maxBackoffMs });
    this.attempt += 1;
    this.log.warn({ delayMs, attempt: this.attempt }, `restarting coturn in ${delayMs} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.restarting = this.restart().finally(() => (this.restarting = null));
    }, delayMs);
  }

  private async restart(): Promise<void> {
    if (this.closed) return;
    try {
      const coturn = await this.launch();
      if (this.closed) {
        // close() ran while it was starting: do not leave an orphan behind.
        await coturn.stop();
        return;
      }
      this.adopt(coturn);
      this.restartCount += 1;
      this.log.info({ pid: coturn.pid, attempt: this.attempt, downMs: Date.now() - this.downSince, restarts: this.restartCount }, 'coturn restarted');
    } catch (error) {
      if (this.closed) return;
      this.unavailableReason = `coturn restart failed: ${(error as Error).message}; retrying`;
      this.log.error({ attempt: this.attempt, reason: (error as Error).message }, 'coturn restart failed');
      this.scheduleRestart();
    }
  }

  /** The running managed coturn (null while it restarts, or when TURN is not managed): pid, port, recent log. */
  get managedCoturn(): Pick<RunningCoturn, 'pid' | 'host' | 'port' | 'recentLog'> | null {
    return this.coturn;
  }

  /** How many times supervision brought a dead coturn back. */
  get restarts(): number {
    return this.restartCount;
  }

  /**
   * While a supervised coturn restarts, peers still get TURN credentials: it comes back on the same
   * port and secret within seconds, and a peer that joined without TURN would not get it until its
   * next ice:refresh (half the credential lifetime).
   */
  private get available(): boolean {
    return this.config.mode === 'external' || this.coturn !== null || (this.supervised && !this.closed);
  }

  iceServersFor(peerId: string, nowMs = Date.now()): IssuedIceServers {
    const iceServers: IceServer[] = [];
    if (this.config.stunUrls.length > 0 && (this.config.mode !== 'managed' || this.available)) {
      iceServers.push({ urls: this.config.stunUrls });
    }
    if (!this.available) return { iceServers, expiresAt: null };
    const { username, credential, expiresAt } = createTurnCredentials({
      secret: this.config.secret,
      user: peerId,
      ttlSeconds: this.config.ttlSeconds,
      nowMs,
    });
    iceServers.push({ urls: this.config.urls, username, credential });
    return { iceServers, expiresAt };
  }

  async health(): Promise<{ status: ComponentStatus; mode: TurnConfig['mode']; urls: string[]; detail: string }> {
    const { mode, urls } = this.config;
    if (mode === 'off') return { status: 'disabled', mode, urls, detail: 'TURN_MODE=off' };
    // A managed coturn that is restarting is down even though credentials are still issued.
    const running = mode === 'external' || this.coturn !== null;
    if (!running) return { status: 'down', mode, urls, detail: this.unavailableReason };
    const target = probeTarget(urls);
    const answers = target ? await stunProbe(target.host, target.port, 500) : false;
    return {
      status: answers ? 'ok' : 'down',
      mode,
      urls,
      detail: answers ? `answers STUN at ${target?.host}:${target?.port}` : `no STUN answer from ${urls[0] ?? '(no url)'}`,
    };
  }

  /** Stops supervision first, so the coturn stopped here is not restarted. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    await this.restarting;
    const coturn = this.coturn;
    this.coturn = null;
    await coturn?.stop();
  }
}
