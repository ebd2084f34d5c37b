import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@confer/shared';
import { startApp, type RunningApp } from './app.js';
import { join } from '../test-support/clients.js';
import { SESSION_SECRET } from '../test-support/clusterServers.js';
import { redisForTests } from '../test-support/redisServer.js';
import { SETUPS, spreadServers } from '../test-support/spreadServers.js';

/**
 * The HTTP surface as an attacker sees it: every request below comes from outside, unauthenticated unless it
 * says so. On one server, and on a cluster of two (each new client on the next server).
 */
const OPERATOR_TOKEN = 'operator-token-for-http-tests-0123';
const base = { PORT: '0', HOST: '127.0.0.1', TURN_MODE: 'off', SFU_WORKERS: '1', SFU_WEBRTC_PORT: '0', PUBLIC_DIR: '/nonexistent' };
const redis = redisForTests({ beforeAll, afterAll });
/** A server without OPERATOR_TOKEN. */
let open: RunningApp;
const bearer = { authorization: `Bearer ${OPERATOR_TOKEN}` };

beforeAll(async () => {
  open = await startApp(base, silentLogger);
});
afterAll(async () => {
  await open?.close();
});

/** A raw request whose header bytes are sent as given (latin1), which fetch would refuse to send. */
function rawGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(SETUPS)('operator endpoints (%s)', (_, servers) => {
  const setup = spreadServers(servers, { ...base, OPERATOR_TOKEN }, redis);
  const { clients } = setup;

  it('refuse a token of multi-byte characters with the right length, and the server stays up', async () => {
    // As many characters as the real header, each two bytes in UTF-8: comparing raw strings threw here.
    const forged = 'é'.repeat(`Bearer ${OPERATOR_TOKEN}`.length);
    const forgedToken = `Bearer ${'é'.repeat(OPERATOR_TOKEN.length)}`;
    for (const path of ['/metrics', '/api/rooms/any/topology', '/api/rooms/any/sfu']) {
      expect(await rawGet(`${setup.app.url}${path}`, { authorization: forged })).toBe(401);
      expect(await rawGet(`${setup.app.url}${path}`, { authorization: forgedToken })).toBe(401);
    }
    expect((await fetch(`${setup.app.url}/healthz`)).status).toBe(200);
  });

  it.each(['/metrics', '/api/rooms/some-room/topology', '/api/rooms/some-room/sfu', '/api/anything'])('%s needs the operator token', async (path) => {
    expect((await fetch(`${setup.app.url}${path}`)).status).toBe(401);
    expect((await fetch(`${setup.app.url}${path}`, { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);
    expect((await fetch(`${setup.app.url}${path}`, { headers: bearer })).status).not.toBe(401);
    // A server without OPERATOR_TOKEN keeps them closed, not open.
    expect((await fetch(`${open.url}${path}`)).status).toBe(403);
  });

  it('GET /metrics names no room, only totals (of the whole cluster)', async () => {
    const [ada, bo] = [await clients.connect(), await clients.connect()];
    await join(ada, 'secret-room-k3x9q2', 'Ada');
    await join(bo, 'secret-room-k3x9q2', 'Bo');
    const text = await (await fetch(`${setup.app.url}/metrics`, { headers: bearer })).text();
    expect(text).not.toContain('secret-room');
    expect(text).toContain('confer_participants{topology="mesh"} 2');
    expect(text).toContain('confer_rooms{topology="mesh"} 1');
  });

  it('a handler that fails answers 500 and the server goes on', async () => {
    const roomStats = setup.app.sfu.roomStats.bind(setup.app.sfu);
    setup.app.sfu.roomStats = () => Promise.reject(new Error('boom'));
    try {
      expect((await fetch(`${setup.app.url}/api/rooms/any/sfu`, { headers: bearer })).status).toBe(500);
    } finally {
      setup.app.sfu.roomStats = roomStats;
    }
    expect((await fetch(`${setup.app.url}/api/rooms/any/sfu`, { headers: bearer })).status).toBe(404);
    expect((await fetch(`${setup.app.url}/healthz`)).status).toBe(200);
  });
});

describe.each(SETUPS)('shutdown (%s)', (_, servers) => {
  it('finishes while a client holds a half-sent request open (slowloris), and drops that connection', async () => {
    const cluster = servers > 1 ? { REDIS_URL: redis.url, SESSION_SECRET } : {};
    const victim = await startApp({ ...base, SHUTDOWN_DRAIN_MS: '100', ...cluster }, silentLogger);
    const { port } = new URL(victim.url);
    const slow = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => slow.once('connect', resolve));
    // Headers never finished: the request is neither answered nor timed out once the server closes.
    slow.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    const dropped = new Promise((resolve) => slow.once('close', resolve));
    await victim.shutdown();
    await dropped;
    expect(slow.destroyed).toBe(true);
  }, 15_000);
});
