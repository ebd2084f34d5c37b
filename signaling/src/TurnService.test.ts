/**
 * Supervision of the managed coturn, against the real `turnserver`: SIGKILL it and it must come back
 * on its own (same port and secret), with health 'down' meanwhile and backoff between attempts.
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '@confer/shared';
import { freeUdpPort, stunProbe, turnQuotaDefaults } from '@confer/turn';
import { TurnTestClient } from '../../turn/test-support/turnClient.js';
import type { TurnConfig } from './config.js';
import { defaultTurnSupervision, TurnService } from './TurnService.js';

interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string;
}

function captureLogger(entries: LogEntry[]): Logger {
  const at = (level: LogEntry['level']) => (obj: object, msg = '') => void entries.push({ level, obj: obj as Record<string, unknown>, msg });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: () => logger };
  return logger;
}

async function waitFor<T>(what: string, probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function managedConfig(): Promise<TurnConfig> {
  const port = await freeUdpPort();
  return {
    mode: 'managed',
    bin: 'turnserver',
    secret: 'supervision-test-secret-0123456789',
    urls: [`turn:127.0.0.1:${port}?transport=udp`],
    stunUrls: [`stun:127.0.0.1:${port}`],
    ttlSeconds: 600,
    realm: 'confer.test',
    listenIp: '127.0.0.1',
    port,
    minPort: 49360,
    maxPort: 49380,
    quotas: turnQuotaDefaults,
  };
}

describe('TurnService supervision (real coturn)', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  it('defaults: 0.5 s first, doubling, capped at 10 s, reset after a minute up', () => {
    expect(defaultTurnSupervision).toEqual({ initialBackoffMs: 500, maxBackoffMs: 10_000, stableAfterMs: 60_000 });
  });

  it('restarts a killed coturn with backoff on the same port and secret; credentials issued before stay valid', async () => {
    const config = await managedConfig();
    const logs: LogEntry[] = [];
    const turn = await TurnService.start(config, captureLogger(logs), { initialBackoffMs: 200, maxBackoffMs: 800, stableAfterMs: 1500 });
    cleanup.push(() => turn.close());
    const first = turn.managedCoturn;
    expect(first).not.toBeNull();
    if (!first) return;
    expect(await turn.health()).toMatchObject({ status: 'ok' });
    const issued = turn.iceServersFor('alice').iceServers.find((s) => s.username);
    expect(issued?.credential).toBeDefined();

    // 1st death: restarted after the initial backoff.
    process.kill(first.pid, 'SIGKILL');
    await waitFor('coturn to be seen dead', () => turn.managedCoturn === null);
    expect(await turn.health()).toMatchObject({ status: 'down', detail: 'coturn exited (signal SIGKILL); restarting' });
    // Peers joining meanwhile still get TURN: it is back on the same port and secret in moments.
    expect(turn.iceServersFor('bob').iceServers.some((s) => s.username)).toBe(true);
    const second = await waitFor('a restarted coturn', () => turn.managedCoturn, 8000);
    expect(second.pid).not.toBe(first.pid);
    expect(second.port).toBe(config.port);
    expect(await stunProbe('127.0.0.1', config.port)).toBe(true);
    expect(await turn.health()).toMatchObject({ status: 'ok' });
    expect(turn.restarts).toBe(1);

    // The credential issued before the crash allocates on the new process (same secret and realm).
    const client = await TurnTestClient.connect({ ip: '127.0.0.1', port: config.port });
    cleanup.push(() => client.close());
    expect(await client.allocate(issued?.username ?? '', issued?.credential ?? '')).toMatchObject({ ok: true });

    // 2nd death soon after: longer backoff; with the port taken the restart fails and is retried, capped.
    let blocker: Socket | null = null;
    process.kill(second.pid, 'SIGKILL');
    await waitFor('coturn to be seen dead again', () => turn.managedCoturn === null);
    blocker = createSocket('udp4');
    await new Promise<void>((r) => blocker?.bind(config.port, '127.0.0.1', r));
    await waitFor('a failed restart', () => logs.filter((l) => l.msg === 'coturn restart failed').length >= 2, 8000);
    expect(await turn.health()).toMatchObject({ status: 'down', detail: expect.stringContaining('coturn restart failed: TURN port') });
    await new Promise<void>((r) => blocker?.close(r));
    const third = await waitFor('coturn back after the port was freed', () => turn.managedCoturn, 8000);
    expect(alive(third.pid)).toBe(true);
    expect(await turn.health()).toMatchObject({ status: 'ok' });
    expect(turn.restarts).toBe(2);

    // Up longer than stableAfterMs: the next death starts the backoff over.
    await new Promise((r) => setTimeout(r, 1600));
    process.kill(third.pid, 'SIGKILL');
    await waitFor('a 4th coturn', () => turn.managedCoturn?.pid !== third.pid && turn.managedCoturn, 8000);

    const delays = logs.filter((l) => l.msg.startsWith('restarting coturn in')).map((l) => l.obj.delayMs);
    expect(delays).toEqual([200, 400, 800, 800, 200]);
    expect(logs.filter((l) => l.msg === 'coturn exited unexpectedly').map((l) => l.obj.signal)).toEqual(['SIGKILL', 'SIGKILL', 'SIGKILL']);
    expect(logs.filter((l) => l.msg === 'coturn restarted').map((l) => l.level)).toEqual(['info', 'info', 'info']);
  });

  it('close() stops supervision: a coturn that dies during shutdown is not restarted', async () => {
    const config = await managedConfig();
    const logs: LogEntry[] = [];
    const turn = await TurnService.start(config, captureLogger(logs), { initialBackoffMs: 200 });
    const pid = turn.managedCoturn?.pid ?? -1;
    process.kill(pid, 'SIGKILL');
    await waitFor('coturn to be seen dead', () => turn.managedCoturn === null);
    await turn.close();
    await new Promise((r) => setTimeout(r, 500));
    expect(turn.managedCoturn).toBeNull();
    expect(await stunProbe('127.0.0.1', config.port, 300)).toBe(false);
    expect(logs.filter((l) => l.msg === 'coturn restarted')).toEqual([]);
  });

  it('close() stops a running coturn for good', async () => {
    const config = await managedConfig();
    const logs: LogEntry[] = [];
    const turn = await TurnService.start(config, captureLogger(logs), { initialBackoffMs: 100 });
    const pid = turn.managedCoturn?.pid ?? -1;
    expect(alive(pid)).toBe(true);
    await turn.close();
    expect(alive(pid)).toBe(false);
    await new Promise((r) => setTimeout(r, 400));
    expect(await stunProbe('127.0.0.1', config.port, 300)).toBe(false);
    expect(logs.filter((l) => l.msg === 'coturn exited unexpectedly' || l.msg.startsWith('restarting'))).toEqual([]);
  });
});
