import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freeTcpPort } from './freePort.js';

/** A redis-server of the test's own on a free loopback port (Debian's redis-server, installed by scripts/setup.sh). */
export interface TestRedis {
  url: string;
  port: number;
  /** Stops it (SIGTERM: it writes its append-only file first) and starts it again on the same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts redis-server with an append-only file synced on every write, so that a restart loses nothing it
 * acknowledged, as a production Redis for the cluster would be configured.
 */
export async function startRedis(): Promise<TestRedis> {
  const port = await freeTcpPort();
  const dir = mkdtempSync(join(tmpdir(), 'confer-redis-'));
  let child: ChildProcess | null = null;
  const launch = async () => {
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--loglevel', 'notice'];
    const started = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output}`)), 10_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      started.stdout?.on('data', onData);
      started.stderr?.on('data', onData);
      started.once('error', (error) => reject(new Error(`redis-server cannot run (${error.message}): as root, apt-get install -y redis-server`)));
      started.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    });
  };
  const halt = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    await new Promise((resolve) => {
      running.once('exit', resolve);
      running.kill('SIGTERM');
    });
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart() {
      await halt();
      await launch();
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A test file's own redis-server (started before its tests, stopped after them) and the connections its
 * tests open to it, all closed at the end.
 */
export function redisForTests(hooks: { beforeAll(fn: () => Promise<void>): void; afterAll(fn: () => Promise<void>): void }) {
  let redis: TestRedis | undefined;
  const clients: Redis[] = [];
  hooks.beforeAll(async () => {
    redis = await startRedis();
  });
  hooks.afterAll(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    await redis?.stop();
  });
  const running = () => {
    if (!redis) throw new Error('redis-server is not started yet (use it inside a test)');
    return redis;
  };
  return {
    get url() {
      return running().url;
    },
    restart: () => running().restart(),
    connect(): Redis {
      const client = new Redis(running().url, { maxRetriesPerRequest: 3 });
      clients.push(client);
      return client;
    },
  };
}
