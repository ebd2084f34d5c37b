import type { ComponentStatus, IceServer, Logger } from '@confer/shared';
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

/** Issues per-peer ICE servers and, in managed mode, owns the coturn process. */
export class TurnService {
  private coturn: RunningCoturn | null = null;
  private unavailableReason = '';

  private constructor(
    private readonly config: TurnConfig,
    private readonly log: Logger,
  ) {}

  /** Never throws: without a working TURN the service runs STUN-only and says why. */
  static async start(config: TurnConfig, log: Logger): Promise<TurnService> {
    const service = new TurnService(config, log);
    if (config.mode === 'managed') {
      try {
        const mode = config.listenIp.startsWith('127.') || config.listenIp === '::1' ? 'local' : 'production';
        service.coturn = await startCoturn({ ...config, listeningIp: config.listenIp, relayIp: config.listenIp, mode });
        log.info({ port: config.port, mode }, 'coturn started');
        void service.coturn.exited.then((code) => {
          if (service.coturn) {
            service.unavailableReason = `coturn exited with code ${code}`;
            log.error({ code }, 'coturn exited; running without TURN');
            service.coturn = null;
          }
        });
      } catch (error) {
        service.unavailableReason = (error as Error).message;
        log.warn({ reason: service.unavailableReason }, `running without TURN: ${service.unavailableReason}`);
      }
    } else if (config.mode === 'off') {
      log.warn({}, 'running without TURN (TURN_MODE=off): peers behind strict NATs or UDP-blocking networks cannot connect');
    }
    return service;
  }

  private get available(): boolean {
    return this.config.mode === 'external' || this.coturn !== null;
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
    if (!this.available) return { status: 'down', mode, urls, detail: this.unavailableReason };
    const target = probeTarget(urls);
    const answers = target ? await stunProbe(target.host, target.port, 500) : false;
    return {
      status: answers ? 'ok' : 'down',
      mode,
      urls,
      detail: answers ? `answers STUN at ${target?.host}:${target?.port}` : `no STUN answer from ${urls[0] ?? '(no url)'}`,
    };
  }

  async close(): Promise<void> {
    const coturn = this.coturn;
    this.coturn = null;
    await coturn?.stop();
  }
}
