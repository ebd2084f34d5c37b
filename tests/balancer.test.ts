import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, JoinResponse } from '@confer/shared';
import type { Client } from '../signaling/test-support/clients.js';
import { SESSION_SECRET } from '../signaling/test-support/clusterServers.js';
import { freeTcpPort } from '../signaling/test-support/freePort.js';
import { redisForTests } from '../signaling/test-support/redisServer.js';
import { ServerProcess } from '../signaling/test-support/serverProcess.js';

/**
 * deploy/haproxy.cfg in front of two signaling servers on one Redis, as docker-compose.cluster.yml runs them
 * (its ports moved to free ones): Debian's haproxy, real server processes, Socket.IO clients that start on
 * long-polling and keep the balancer's cookie, as a browser does.
 */
const root = new URL('..', import.meta.url).pathname;
const redis = redisForTests({ beforeAll, afterAll });
const started: { close(): Promise<unknown> }[] = [];
const sockets: Client[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  await Promise.all(started.splice(0).map((s) => s.close()));
});

/** haproxy with the deploy config, listening on a free port and balancing over `backends`. */
async function balancer(backends: string[]): Promise<string> {
  const port = await freeTcpPort();
  const config = readFileSync(join(root, 'deploy/haproxy.cfg'), 'utf8')
    .replace('bind :3000', `bind 127.0.0.1:${port}`)
    // Within this machine's open-file limit.
    .replace(/maxconn \d+/, 'maxconn 2000')
    .replace('127.0.0.1:3001', backends[0]!)
    .replace('127.0.0.1:3002', backends[1]!);
  const dir = mkdtempSync(join(tmpdir(), 'confer-haproxy-'));
  writeFileSync(join(dir, 'haproxy.cfg'), config);
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: 'ignore' });
  started.push({
    close: async () => {
      if (child.exitCode === null) await new Promise((done) => (child.once('exit', done), child.kill('SIGTERM')));
      rmSync(dir, { recursive: true, force: true });
    },
  });
  const url = `http://127.0.0.1:${port}`;
  // Up once it answers through to a backend (on a connection that closes: it would count against the address).
  const answers = () => new Promise<boolean>((resolve) => get(`${url}/healthz`, { agent: false }, (res) => (res.resume(), resolve(res.statusCode === 200))).on('error', () => resolve(false)));
  for (let i = 0; i < 100; i++) {
    if (await answers()) return url;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('haproxy did not come up');
}

/** A client as the browser app connects: long-polling first, then the upgrade, with the balancer's cookie kept. */
async function connect(url: string): Promise<Client> {
  const socket: Client = io(url, { withCredentials: true, reconnection: false });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}
const joined = (answer: Ack<JoinResponse>): JoinResponse => {
  if (!answer.ok) throw new Error(`join refused: ${answer.error.code} ${answer.error.message}`);
  return answer.data;
};

describe('the cluster behind deploy/haproxy.cfg', () => {
  it('spreads clients over both servers, keeps each session on one through its upgrade, and a client whose server died resumes its seat on the other', async () => {
    const env = { REDIS_URL: redis.url, SESSION_SECRET, STATE_FILE: '', RECONNECT_GRACE_MS: '15000' };
    const servers = [await ServerProcess.start(env), await ServerProcess.start(env)];
    started.push(...servers);
    const url = await balancer(servers.map((s) => new URL(s.url).host));

    const clients = await Promise.all(Array.from({ length: 6 }, () => connect(url)));
    const seats = [];
    for (const [i, c] of clients.entries()) seats.push(joined(await c.timeout(5000).emitWithAck('room:join', { roomId: 'balanced', displayName: `P${i}` })));
    // Every session made it from polling to WebSocket: without stickiness its requests would have hit both servers.
    await expect.poll(() => clients.map((c) => c.io.engine.transport.name)).toEqual(Array(6).fill('websocket'));

    const dropped = clients.map(() => false);
    clients.forEach((c, i) => c.once('disconnect', () => (dropped[i] = true)));
    const left: unknown[] = [];
    for (const c of clients) c.on('room:peer-left', (e) => left.push(e));
    await servers[0]!.stop('SIGKILL');
    await expect.poll(() => dropped.filter(Boolean).length).toBeGreaterThan(0);
    // Both servers had clients: some dropped, some did not.
    expect(dropped.filter((d) => !d).length).toBeGreaterThan(0);

    // The dropped ones come back through the balancer (it sends them to the live server) with their resume tokens.
    for (const [i, seat] of seats.entries()) {
      if (!dropped[i]) continue;
      const back = await connect(url);
      const answer = joined(await back.timeout(5000).emitWithAck('room:join', { roomId: 'balanced', displayName: `P${i}`, resume: { peerId: seat.peerId, token: seat.resumeToken } }));
      expect(answer).toMatchObject({ peerId: seat.peerId, resumed: 'held' });
      expect(answer.peers).toHaveLength(5);
    }
    expect(left).toEqual([]);
  });

  it('counts connections per address across the servers: the 21st at once from one address is turned away', async () => {
    const env = { REDIS_URL: redis.url, SESSION_SECRET, STATE_FILE: '' };
    const servers = [await ServerProcess.start(env), await ServerProcess.start(env)];
    started.push(...servers);
    const url = await balancer(servers.map((s) => new URL(s.url).host));
    const open = (): Promise<Client | Error> => {
      const socket: Client = io(url, { transports: ['websocket'], reconnection: false, timeout: 5000 });
      sockets.push(socket);
      return new Promise((resolve) => {
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', (error) => resolve(error));
      });
    };
    const held = await Promise.all(Array.from({ length: 20 }, open));
    expect(held.filter((h) => h instanceof Error)).toEqual([]);
    expect(await open()).toBeInstanceOf(Error);
    (held[0] as Client).close();
    await expect.poll(async () => !((await open()) instanceof Error), { timeout: 5000 }).toBe(true);
  });
});
