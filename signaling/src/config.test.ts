import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@confer/shared';
import { loadMediaNodeConfig } from '@confer/sfu';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, host: '127.0.0.1', turn: { mode: 'managed', port: 3478, ttlSeconds: 3600 } });
    expect(c.turn.urls).toEqual(['turn:127.0.0.1:3478?transport=udp', 'turn:127.0.0.1:3478?transport=tcp']);
    expect(c.turn.secret.length).toBeGreaterThanOrEqual(16);
    expect(c.sfu.workers).toBeGreaterThanOrEqual(1);
  });

  it('names every bad variable of every service in one error', () => {
    expect(() => loadConfig({ PORT: 'abc', HOST: 'localhost:80', SFU_WORKERS: '0' })).toThrow(ConfigError);
    try {
      loadConfig({ PORT: 'abc', HOST: 'nope', SFU_WORKERS: '0' });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'PORT="abc" must be a port number (0-65535)',
        'HOST="nope" must be an IPv4 or IPv6 address',
        'SFU_WORKERS="0" must be >= 1',
      ]);
    }
  });

  it('reads the access settings: secrets of at least 32 characters, tokens required only with a secret, empty means unset', () => {
    const c = loadConfig({ SESSION_SECRET: 's'.repeat(32), JOIN_TOKEN_SECRET: 'j'.repeat(32), JOIN_TOKENS_REQUIRED: 'true', MAX_ROOMS: '5', OPERATOR_TOKEN: '' });
    expect(c.access).toEqual({ sessionSecret: 's'.repeat(32), joinTokenSecret: 'j'.repeat(32), joinTokensRequired: true });
    expect(c).toMatchObject({ maxRooms: 5, operatorToken: null, shutdownDrainMs: 5000 });
    expect(loadConfig({}).access.sessionSecret.length).toBeGreaterThanOrEqual(32);
    expect(() => loadConfig({ SESSION_SECRET: 'short' })).toThrow('SESSION_SECRET="short" must be at least 32 characters');
    expect(() => loadConfig({ JOIN_TOKENS_REQUIRED: 'true' })).toThrow('JOIN_TOKEN_SECRET="" is required with JOIN_TOKENS_REQUIRED=true');
    expect(() => loadConfig({ JOIN_TOKENS_REQUIRED: 'maybe' })).toThrow('JOIN_TOKENS_REQUIRED="maybe" must be true or false');
  });

  it('reads the cluster Redis: a redis:// URL, with a session secret the servers share, and no state file', () => {
    expect(loadConfig({}).redisUrl).toBeNull();
    expect(loadConfig({ REDIS_URL: 'redis://10.0.0.5:6379', SESSION_SECRET: 's'.repeat(32) }).redisUrl).toBe('redis://10.0.0.5:6379');
    expect(() => loadConfig({ REDIS_URL: 'http://10.0.0.5', SESSION_SECRET: 's'.repeat(32) })).toThrow('REDIS_URL="http://10.0.0.5" must be a redis:// or rediss:// URL');
    expect(() => loadConfig({ REDIS_URL: 'redis://r:6379' })).toThrow('SESSION_SECRET="" is required with REDIS_URL');
    expect(() => loadConfig({ REDIS_URL: 'redis://r:6379', SESSION_SECRET: 's'.repeat(32), STATE_FILE: '/tmp/x' })).toThrow('STATE_FILE="/tmp/x" must be empty with REDIS_URL');
  });

  it('runs signaling only (MEDIA_NODE=false) in a cluster alone; a media node needs the cluster Redis', () => {
    expect(loadConfig({}).mediaNode).toBe(true);
    expect(loadConfig({ REDIS_URL: 'redis://r:6379', SESSION_SECRET: 's'.repeat(32), MEDIA_NODE: 'false' }).mediaNode).toBe(false);
    expect(() => loadConfig({ MEDIA_NODE: 'false' })).toThrow('MEDIA_NODE="false" can be false only with REDIS_URL');
    expect(() => loadMediaNodeConfig({})).toThrow('REDIS_URL="" is required: the Redis of the cluster this media node joins');
    expect(() => loadMediaNodeConfig({ REDIS_URL: 'redis://r:6379', MEDIA_NODE_ID: 'a b' })).toThrow('MEDIA_NODE_ID="a b" must be 1-64 letters');
    expect(loadMediaNodeConfig({ REDIS_URL: 'redis://r:6379', MEDIA_NODE_ID: 'media-1', SFU_WORKERS: '2' })).toMatchObject({ nodeId: 'media-1', sfu: { workers: 2 } });
  });

  it('requires a secret and URLs for an external TURN server', () => {
    expect(() => loadConfig({ TURN_MODE: 'external' })).toThrow(/TURN_SECRET="" is required with TURN_MODE=external.*TURN_URLS="" is required/);
  });

  it('reads allowed origins and framers as normalized origins (default: none)', () => {
    expect(loadConfig({})).toMatchObject({ allowedOrigins: [], frameAncestors: [] });
    const c = loadConfig({ ALLOWED_ORIGINS: 'https://Confer.example, http://127.0.0.1:3000', FRAME_ANCESTORS: 'https://a.example https://b.example:443' });
    expect(c.allowedOrigins).toEqual(['https://confer.example', 'http://127.0.0.1:3000']);
    expect(c.frameAncestors).toEqual(['https://a.example', 'https://b.example']);
  });

  it('refuses origins that are not scheme://host[:port]', () => {
    expect(() => loadConfig({ ALLOWED_ORIGINS: 'confer.example' })).toThrow(/ALLOWED_ORIGINS="confer.example" must be origins like/);
    expect(() => loadConfig({ FRAME_ANCESTORS: "https://a.example; script-src 'unsafe-inline'" })).toThrow(/FRAME_ANCESTORS=.* must be origins like/);
  });
});

describe('npm start failing fast', () => {
  const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, [main], { env: { ...process.env, TURN_MODE: 'off', SFU_WEBRTC_PORT: '0', ...env }, encoding: 'utf8', timeout: 20_000 });

  it('exits 1 with one line for bad env', () => {
    const r = run({ PORT: 'abc' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual(['error: Invalid environment: PORT="abc" must be a port number (0-65535). Fix the variable(s) and start again.']);
  });

  it('exits 1 with one line when the port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = run({ PORT: String(port) });
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(`error: Port ${port} on 127.0.0.1 is in use: stop the other process or set PORT to a free port`);
    } finally {
      blocker.close();
    }
  });

  it('exits 1 with one line when the worker binary is missing or broken', () => {
    const missing = run({ PORT: '0', MEDIASOUP_WORKER_BIN: '/nonexistent/mediasoup-worker' });
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim()).toBe("error: MEDIASOUP_WORKER_BIN=/nonexistent/mediasoup-worker does not exist: fix or unset it (then 'npm run worker' provides one)");
    const broken = run({ PORT: '0', MEDIASOUP_WORKER_BIN: '/bin/false' });
    expect(broken.status).toBe(1);
    expect(broken.stderr.trim()).toMatch(/^error: mediasoup worker failed to start \(\/bin\/false\): .*Rebuild it with 'npm run worker'/);
  });
});
