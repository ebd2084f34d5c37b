import { afterAll, afterEach, beforeAll } from 'vitest';
import { silentLogger, type Ack, type JoinResponse } from '@confer/shared';
import { startApp, type RunningApp } from '../src/app.js';
import { socketClients } from './clients.js';
import { redisForTests } from './redisServer.js';

export const SESSION_SECRET = 'session-secret-shared-by-the-cluster-0123456789';
export const OPERATOR_TOKEN = 'operator-token-of-the-cluster';
export const operator = { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } };

/**
 * Servers of one cluster for a test file: its own redis-server, servers started in-process (no TURN, one SFU
 * worker, the same Redis and secrets), and Socket.IO clients of any of them. After each test, every client,
 * server and tracked process is closed and Redis is emptied, so the next test's servers sweep nothing of it.
 */
export function clusterForTests() {
  const redis = redisForTests({ beforeAll, afterAll });
  const closers: (() => Promise<unknown>)[] = [];
  let target = '';
  const clients = socketClients(() => target);
  afterEach(async () => {
    clients.closeAll();
    await Promise.all(closers.splice(0).map((close) => close()));
    await redis.connect().flushall();
  });
  return {
    redis,
    async server(env: Record<string, string> = {}): Promise<RunningApp> {
      const app = await startApp(
        { PORT: '0', HOST: '127.0.0.1', TURN_MODE: 'off', SFU_WORKERS: '1', SFU_WEBRTC_PORT: '0', PUBLIC_DIR: '/nonexistent', REDIS_URL: redis.url, SESSION_SECRET, OPERATOR_TOKEN, ...env },
        silentLogger,
      );
      closers.push(() => app.close());
      return app;
    },
    /** Something else the test started (a server process, a media node), closed after it. */
    track<T extends { close(): Promise<unknown> }>(started: T): T {
      closers.push(() => started.close());
      return started;
    },
    connect(app: { url: string }) {
      target = app.url;
      return clients.connect();
    },
  };
}

export const joined = (answer: Ack<JoinResponse>): JoinResponse => {
  if (!answer.ok) throw new Error(`join refused: ${answer.error.code} ${answer.error.message}`);
  return answer.data;
};
