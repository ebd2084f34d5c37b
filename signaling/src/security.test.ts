import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '@confer/shared';
import { startApp, type RunningApp } from './app.js';
import { socketClients, type Client } from '../test-support/clients.js';
import { contentSecurityPolicy } from './http/security.js';

let app: RunningApp;
let publicDir: string;
const clients = socketClients(() => app.url);
/** Warnings the server logged, to check the refusal is logged (and says which origin). */
const warnings: { obj: object; msg?: string }[] = [];
const logger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (obj, msg) => void warnings.push({ obj, msg }),
  error: () => undefined,
  child: () => logger,
};

beforeAll(async () => {
  publicDir = await mkdtemp(join(tmpdir(), 'confer-security-'));
  await writeFile(join(publicDir, 'index.html'), '<!doctype html><title>Confer</title>');
  app = await startApp({ PORT: '0', HOST: '127.0.0.1', TURN_MODE: 'off', SFU_WORKERS: '1', SFU_WEBRTC_PORT: '0', PUBLIC_DIR: publicDir }, logger);
});
afterEach(() => clients.closeAll());
afterAll(async () => {
  await app?.close();
  await rm(publicDir, { recursive: true, force: true });
});

/** Connects with a browser-like Origin header; resolves with the connect_error, or null once connected. */
function attempt(origin: string, transport: 'polling' | 'websocket'): Promise<(Error & { description?: unknown }) | null> {
  const socket: Client = clients.track(io(app.url, { transports: [transport], reconnection: false, extraHeaders: { origin } }));
  return new Promise((resolve) => {
    socket.once('connect', () => resolve(null));
    socket.once('connect_error', (error) => resolve(error));
  });
}

describe('Socket.IO origin check (ALLOWED_ORIGINS empty: same origin only)', () => {
  it.each(['polling', 'websocket'] as const)('refuses another site over %s, and logs the origin', async (transport) => {
    warnings.length = 0;
    const error = await attempt('https://evil.example', transport);
    expect(error).not.toBeNull();
    if (transport === 'polling') {
      // What a browser sees too (its default transport starts with polling): HTTP 403 on the handshake.
      expect(error).toMatchObject({ message: 'xhr poll error', description: 403 });
    }
    expect(app.server.io.engine.clientsCount).toBe(0);
    expect(warnings).toContainEqual({ obj: { origin: 'https://evil.example' }, msg: expect.stringContaining('origin not allowed') });
  });

  it.each(['polling', 'websocket'] as const)('accepts the server’s own origin over %s', async (transport) => {
    expect(await attempt(app.url, transport)).toBeNull();
  });

  it('accepts clients without an Origin header (non-browser)', async () => {
    await expect(clients.connect()).resolves.toBeDefined();
  });
});

describe('security headers', () => {
  const expectHardened = (res: Response) => {
    expect(res.headers.get('content-security-policy')).toBe(contentSecurityPolicy());
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('permissions-policy')).toBe('camera=(self), microphone=(self), display-capture=(self)');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  };

  it.each([
    ['/healthz', 200],
    ['/', 200],
    ['/r/some-room', 200],
    // Operator endpoints are closed on a server without OPERATOR_TOKEN.
    ['/metrics', 403],
    ['/api/rooms/nope/topology', 403],
    // Engine.io answers these itself: the headers are set in front of it.
    ['/socket.io/?EIO=4&transport=polling', 200],
    ['/socket.io/?EIO=4&transport=bogus', 400],
  ])('on GET %s (%i)', async (path, status) => {
    const res = await fetch(`${app.url}${path}`);
    expect(res.status).toBe(status);
    expectHardened(res);
    await res.arrayBuffer();
  });

  it('on a refused Socket.IO handshake (403)', async () => {
    const res = await fetch(`${app.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://evil.example' } });
    expect(res.status).toBe(403);
    expectHardened(res);
    expect(await res.json()).toEqual({ code: 4, message: 'origin not allowed' });
  });
});
