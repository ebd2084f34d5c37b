import { createHmac } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CoturnError,
  createTurnCredentials,
  deniedPeerRanges,
  freeUdpPort,
  productionTurnserverOptions,
  renderTurnserverConfig,
  startCoturn,
  stunProbe,
} from './index.js';

describe('createTurnCredentials', () => {
  it('builds TURN REST credentials: expiry:user and base64 HMAC-SHA1', () => {
    const c = createTurnCredentials({ secret: 's3cret', user: 'peer:1', ttlSeconds: 600, nowMs: 1_700_000_000_000 });
    expect(c.expiresAt).toBe(1_700_000_600);
    expect(c.username).toBe('1700000600:peer_1');
    expect(c.credential).toBe(createHmac('sha1', 's3cret').update('1700000600:peer_1').digest('base64'));
  });
});

describe('renderTurnserverConfig', () => {
  it('production: shared-secret auth, fingerprint, no multicast, every private range denied, no loopback peers', () => {
    const conf = renderTurnserverConfig(productionTurnserverOptions);
    for (const line of ['use-auth-secret', 'fingerprint', 'no-multicast-peers', 'realm=confer.local']) {
      expect(conf.split('\n')).toContain(line);
    }
    for (const range of deniedPeerRanges) expect(conf).toContain(`denied-peer-ip=${range}`);
    expect(conf).toContain('denied-peer-ip=127.0.0.0-127.255.255.255');
    expect(conf).not.toContain('allow-loopback-peers');
    expect(conf).not.toContain('static-auth-secret');
  });

  it('local mode allows loopback peers and denies nothing', () => {
    const conf = renderTurnserverConfig({ ...productionTurnserverOptions, mode: 'local', secret: 'x'.repeat(16) });
    expect(conf).toContain('allow-loopback-peers');
    expect(conf).not.toContain('denied-peer-ip');
  });

  it('turn/turnserver.conf (mounted by docker-compose) is the rendered production config', () => {
    const committed = readFileSync(new URL('../turnserver.conf', import.meta.url), 'utf8');
    expect(committed).toBe(renderTurnserverConfig(productionTurnserverOptions));
  });
});

describe('startCoturn (real coturn)', () => {
  const base = { mode: 'local' as const, realm: 'test', secret: 'test-secret-0123456789', listeningIp: '127.0.0.1', minPort: 49300, maxPort: 49320 };

  it('starts, answers STUN, and stops', async () => {
    const port = await freeUdpPort();
    const coturn = await startCoturn({ ...base, port });
    try {
      expect(await stunProbe('127.0.0.1', port)).toBe(true);
    } finally {
      await coturn.stop();
    }
    expect(await stunProbe('127.0.0.1', port, 300)).toBe(false);
  });

  it('fails with a clear error when the port is taken', async () => {
    const blocker = createSocket('udp4');
    await new Promise<void>((r) => blocker.bind(0, '127.0.0.1', r));
    const port = blocker.address().port;
    try {
      await expect(startCoturn({ ...base, port })).rejects.toThrow(new CoturnError(`TURN port 127.0.0.1:${port} is in use: stop the other TURN server or set TURN_PORT`));
    } finally {
      blocker.close();
    }
  });

  it('fails with a clear error when turnserver is not installed', async () => {
    await expect(startCoturn({ ...base, port: await freeUdpPort(), bin: '/nonexistent/turnserver' })).rejects.toThrow('/nonexistent/turnserver not found: install coturn');
  });

  it('reports a turnserver that exits at start-up', async () => {
    await expect(startCoturn({ ...base, port: await freeUdpPort(), bin: '/bin/false' })).rejects.toThrow(
      'coturn exited with code 1 at start-up (last log: no output)',
    );
  });
});
