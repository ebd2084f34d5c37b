import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@confer/shared';
import { startApp, type RunningApp } from './app.js';
import { join, socketClients } from '../test-support/clients.js';

/** The HTTP surface as an attacker sees it: every request below comes from outside, unauthenticated unless it says so. */
const OPERATOR_TOKEN = 'operator-token-for-http-tests-0123';
const base = { PORT: '0', HOST: '127.0.0.1', TURN_MODE: 'off', SFU_WORKERS: '1', SFU_WEBRTC_PORT: '0', PUBLIC_DIR: '/nonexistent' };
let app: RunningApp;
let open: RunningApp;
const clients = socketClients(() => app.url);
const bearer = { authorization: `Bearer ${OPERATOR_TOKEN}` };

beforeAll(async () => {
  [app, open] = await Promise.all([startApp({ ...base, OPERATOR_TOKEN }, silentLogger), startApp(base, silentLogger)]);
});
afterEach(() => clients.closeAll());
afterAll(async () => {
  await Promise.all([app?.close(), open?.close()]);
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

describe('operator endpoints', () => {
  it('refuse a token of multi-byte characters with the right length, and the server stays up', async () => {
    // As many characters as the real header, each two bytes in UTF-8: comparing raw strings threw here.
    const forged = 'é'.repeat(`Bearer ${OPERATOR_TOKEN}`.length);
    const forgedToken = `Bearer ${'é'.repeat(OPERATOR_TOKEN.length)}`;
    for (const path of ['/metrics', '/api/rooms/any/topology', '/api/rooms/any/sfu']) {
      expect(await rawGet(`${app.url}${path}`, { authorization: forged })).toBe(401);
      expect(await rawGet(`${app.url}${path}`, { authorization: forgedToken })).toBe(401);
    }
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });

  it.each(['/metrics', '/api/rooms/some-room/topology', '/api/rooms/some-room/sfu', '/api/anything'])('%s needs the operator token', async (path) => {
    expect((await fetch(`${app.url}${path}`)).status).toBe(401);
    expect((await fetch(`${app.url}${path}`, { headers: { authorization: 'Bearer wrong-token' } })).status).toBe(401);
    expect((await fetch(`${app.url}${path}`, { headers: bearer })).status).not.toBe(401);
    // A server without OPERATOR_TOKEN keeps them closed, not open.
    expect((await fetch(`${open.url}${path}`)).status).toBe(403);
  });

  it('GET /metrics names no room, only totals', async () => {
    const [ada, bo] = [await clients.connect(), await clients.connect()];
    await join(ada, 'secret-room-k3x9q2', 'Ada');
    await join(bo, 'secret-room-k3x9q2', 'Bo');
    const text = await (await fetch(`${app.url}/metrics`, { headers: bearer })).text();
    expect(text).not.toContain('secret-room');
    expect(text).toContain('confer_participants{topology="mesh"} 2');
    expect(text).toContain('confer_rooms{topology="mesh"} 1');
  });

  it('a handler that fails answers 500 and the server goes on', async () => {
    const roomStats = app.sfu.roomStats.bind(app.sfu);
    app.sfu.roomStats = () => Promise.reject(new Error('boom'));
    try {
      expect((await fetch(`${app.url}/api/rooms/any/sfu`, { headers: bearer })).status).toBe(500);
    } finally {
      app.sfu.roomStats = roomStats;
    }
    expect((await fetch(`${app.url}/api/rooms/any/sfu`, { headers: bearer })).status).toBe(404);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });
});

describe('shutdown', () => {
  it('finishes while a client holds a half-sent request open (slowloris), and drops that connection', async () => {
    const victim = await startApp({ ...base, SHUTDOWN_DRAIN_MS: '100' }, silentLogger);
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
