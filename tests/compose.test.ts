import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const compose = (env: Record<string, string>, ...args: string[]) =>
  spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
  });

describe('docker-compose.yml', () => {
  it('validates with docker-compose config -q', () => {
    const r = compose({ TURN_SECRET: 'x'.repeat(32), SESSION_SECRET: 'y'.repeat(32), OPERATOR_TOKEN: 'z'.repeat(24), PUBLIC_IP: '203.0.113.10' }, '-q');
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('runs coturn from the official image with the config from turn/ and the app in external TURN mode', () => {
    const r = compose({ TURN_SECRET: 'x'.repeat(32), SESSION_SECRET: 'y'.repeat(32), OPERATOR_TOKEN: 'z'.repeat(24), PUBLIC_IP: '203.0.113.10' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/image: coturn\/coturn:/);
    expect(r.stdout).toContain('/etc/coturn/turnserver.conf');
    expect(r.stdout).toMatch(/TURN_MODE: external/);
    expect(r.stdout).toContain('turn:203.0.113.10:3478?transport=udp');
    expect(readFileSync(`${root}/turn/turnserver.conf`, 'utf8')).toContain('use-auth-secret');
  });

  it('refuses to start without a TURN secret, a session secret or an operator token', () => {
    const all = { PUBLIC_IP: '203.0.113.10', TURN_SECRET: 'x'.repeat(32), SESSION_SECRET: 'y'.repeat(32), OPERATOR_TOKEN: 'z'.repeat(24) };
    for (const missing of ['TURN_SECRET', 'SESSION_SECRET', 'OPERATOR_TOKEN'] as const) {
      const { [missing]: _, ...rest } = all;
      const r = compose(rest, '-q');
      expect(r.status, missing).not.toBe(0);
      expect(r.stderr).toContain(`set ${missing}`);
    }
  });
});

describe('docker-compose.cluster.yml', () => {
  const env = { TURN_SECRET: 'x'.repeat(32), SESSION_SECRET: 'y'.repeat(32), OPERATOR_TOKEN: 'z'.repeat(24), PUBLIC_IP: '203.0.113.10' };
  const cluster = (...args: string[]) =>
    spawnSync('docker-compose', ['-f', 'docker-compose.cluster.yml', 'config', ...args], { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, encoding: 'utf8' });

  it('validates, and runs Redis, a balancer, two signaling servers on one Redis and a media node', () => {
    const r = cluster();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.match(/^ {2}[a-z0-9-]+:$/gm)?.slice(0, 6)).toEqual(['  balancer:', '  media-node:', '  redis:', '  signaling-1:', '  signaling-2:', '  turn:']);
    expect(r.stdout.match(/REDIS_URL: redis:\/\/127\.0\.0\.1:6379/g)).toHaveLength(3);
    expect(r.stdout).toContain('sfu/dist/mediaNodeMain.js');
    expect(r.stdout).toContain('--appendfsync');
    // Each server its own ports.
    for (const port of ['PORT: 3001', 'PORT: 3002', 'SFU_WEBRTC_PORT: 44444', 'SFU_WEBRTC_PORT: 44464', 'SFU_WEBRTC_PORT: 44484']) expect(r.stdout).toContain(port);
  });

  it('balances over both signaling servers with sticky sessions (Socket.IO polling) and health checks', () => {
    const haproxy = readFileSync(`${root}/deploy/haproxy.cfg`, 'utf8');
    expect(haproxy).toMatch(/^\s+server signaling-1 127\.0\.0\.1:3001 check .* cookie s1$/m);
    expect(haproxy).toMatch(/^\s+server signaling-2 127\.0\.0\.1:3002 check .* cookie s2$/m);
    expect(haproxy).toMatch(/^\s+cookie CONFER_SERVER insert/m);
    expect(haproxy).toContain('option httpchk GET /healthz');
  });
});
