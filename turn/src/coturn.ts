import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushBounded } from '@confer/shared';
import { stunProbe } from './stunProbe.js';
import { renderTurnserverConfig, type TurnserverOptions } from './turnserverConfig.js';

export class CoturnError extends Error {
  override name = 'CoturnError';
}

export interface RunningCoturn {
  host: string;
  port: number;
  pid: number;
  /** Resolves once coturn has exited (after stop() or on its own) with its exit code. */
  exited: Promise<number | null>;
  /** The same moment with the signal too (a killed coturn has no exit code), for supervisors' logs. */
  exit: Promise<CoturnExit>;
  stop(): Promise<void>;
  /** Last lines coturn printed, for error messages. */
  recentLog(): string[];
}

export interface CoturnExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function findTurnserver(bin = 'turnserver'): string | null {
  const probe = spawnSync(bin, ['-h'], { stdio: 'ignore' });
  return probe.error ? null : bin;
}

function udpPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });
}

/**
 * Starts coturn as a child process with a config rendered for `options`, and resolves once it
 * answers STUN. Rejects with one clear line when it cannot start.
 */
export async function startCoturn(
  options: Omit<TurnserverOptions, 'stateDir'> & {
    listeningIp: string;
    bin?: string;
    readyTimeoutMs?: number;
    /**
     * Command-line options after `-c <config>`. Production passes the secret this way (as
     * docker-compose does) so that it never lands in the rendered file.
     */
    extraArgs?: readonly string[];
  },
): Promise<RunningCoturn> {
  const bin = findTurnserver(options.bin);
  if (!bin) throw new CoturnError(`${options.bin ?? 'turnserver'} not found: install coturn (apt-get install coturn) or set TURNSERVER_BIN`);
  if (!(await udpPortFree(options.listeningIp, options.port))) {
    throw new CoturnError(`TURN port ${options.listeningIp}:${options.port} is in use: stop the other TURN server or set TURN_PORT`);
  }

  const stateDir = mkdtempSync(join(tmpdir(), 'confer-coturn-'));
  const configFile = join(stateDir, 'turnserver.conf');
  writeFileSync(configFile, renderTurnserverConfig({ ...options, stateDir }), { mode: 0o600 });

  const child = spawn(bin, ['-c', configFile, ...(options.extraArgs ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) pushBounded(log, line.trim(), 20);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exit = new Promise<CoturnExit>((resolve) => {
    child.once('exit', (code, signal) => {
      rmSync(stateDir, { recursive: true, force: true });
      resolve({ code, signal });
    });
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  const exited = exit.then(({ code }) => code);

  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code ?? -1));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 5000);
  while (Date.now() < deadline && exitCode === undefined) {
    if (await stunProbe(options.listeningIp, options.port, 200)) {
      return {
        host: options.listeningIp,
        port: options.port,
        pid: child.pid ?? -1,
        exited,
        exit,
        recentLog: () => [...log],
        stop: async () => {
          if (exitCode === undefined) child.kill('SIGTERM');
          await exited;
        },
      };
    }
  }
  child.kill('SIGKILL');
  await exited;
  const last = log.filter((l) => /error|cannot|fail/i.test(l)).at(-1) ?? log.at(-1) ?? 'no output';
  throw new CoturnError(
    exitCode === undefined
      ? `coturn did not answer STUN on ${options.listeningIp}:${options.port} within the timeout (last log: ${last})`
      : `coturn exited with code ${exitCode} at start-up (last log: ${last})`,
  );
}

/** A UDP port on `host` that nothing listens on right now (for tests and local runs). */
export function freeUdpPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    socket.once('error', reject);
    socket.bind(0, host, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}
