/**
 * The production coturn rules, checked against the real `turnserver` over the TURN protocol: the
 * config is rendered exactly as for turn/turnserver.conf, only listening/relay address and ports
 * moved to loopback, and the secret passed on the command line as docker-compose does.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTurnCredentials, freeUdpPort, productionTurnserverOptions, renderTurnserverConfig, startCoturn, turnQuotaDefaults, type RunningCoturn } from './index.js';
import { Attr, attribute, TurnTestClient, verifyFingerprint } from '../test-support/turnClient.js';

const secret = 'production-test-secret-0123456789';
const minPort = 49330;
// Room for a whole user quota of allocations at once.
const maxPort = 49370;

/** Lines a test deployment is allowed to change: where coturn listens and relays, and its state files. */
const placement = /^(listening-port|listening-ip|relay-ip|min-port|max-port|userdb|pidfile)=/;
const rules = (conf: string) => conf.split('\n').filter((line) => !placement.test(line));

describe('production coturn config (real turnserver, TURN protocol)', () => {
  let coturn: RunningCoturn;
  let port: number;
  let options: typeof productionTurnserverOptions & { listeningIp: string; relayIp: string };
  const clients: TurnTestClient[] = [];
  const client = async () => {
    const c = await TurnTestClient.connect({ ip: '127.0.0.1', port });
    clients.push(c);
    return c;
  };
  const valid = () => createTurnCredentials({ secret, user: 'alice', ttlSeconds: 600 });

  beforeAll(async () => {
    port = await freeUdpPort();
    options = { ...productionTurnserverOptions, listeningIp: '127.0.0.1', relayIp: '127.0.0.1', port, minPort, maxPort };
    coturn = await startCoturn({ ...options, extraArgs: [`--static-auth-secret=${secret}`] });
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await coturn?.stop();
  });

  it('runs the same rules as turn/turnserver.conf: REST auth only, no static users, private peers denied', () => {
    const committed = readFileSync(new URL('../turnserver.conf', import.meta.url), 'utf8');
    const tested = renderTurnserverConfig(options);
    expect(rules(tested)).toEqual(rules(committed));
    for (const conf of [committed, tested]) {
      const lines = conf.split('\n');
      expect(lines).toContain('use-auth-secret');
      expect(lines.filter((l) => /^\s*(user=|lt-cred-mech|allow-loopback-peers|no-auth|static-auth-secret)/.test(l))).toEqual([]);
      expect(lines.filter((l) => l.startsWith('denied-peer-ip=')).length).toBeGreaterThanOrEqual(10);
    }
    // Each relayed peer connection holds a relay port: a few dozen ports cap a whole server at a few dozen calls.
    expect(productionTurnserverOptions.maxPort - productionTurnserverOptions.minPort + 1).toBeGreaterThanOrEqual(10_000);
  });

  it('allocates with a valid REST credential (realm from the config, signed and fingerprinted answer)', async () => {
    const c = await client();
    const { username, credential } = valid();
    const result = await c.allocate(username, credential);
    expect(result).toMatchObject({ ok: true, relayed: { ip: '127.0.0.1' }, mapped: { ip: '127.0.0.1' } });
    if (!result.ok) return;
    expect(result.relayed?.port).toBeGreaterThanOrEqual(minPort);
    expect(result.relayed?.port).toBeLessThanOrEqual(maxPort);
    expect(verifyFingerprint(result.message.raw)).toBe(true);
    expect((await c.release()).ok).toBe(true);
  });

  it('asks for credentials with the configured realm', async () => {
    const c = await client();
    const result = await c.allocate('x', 'y');
    expect(result).toMatchObject({ ok: false, code: 401 });
    expect(attribute(result.message, Attr.Realm)?.toString()).toBe('confer.local');
  });

  it('refuses an expired REST credential with 401', async () => {
    const c = await client();
    // Correctly signed by the right secret, but its expiry lies an hour in the past.
    const expired = createTurnCredentials({ secret, user: 'alice', ttlSeconds: 60, nowMs: Date.now() - 3_600_000 });
    expect(await c.allocate(expired.username, expired.credential)).toMatchObject({ ok: false, code: 401 });
  });

  it('refuses a credential signed with another secret with 401', async () => {
    const c = await client();
    const forged = createTurnCredentials({ secret: 'not-the-server-secret-0123456789', user: 'alice', ttlSeconds: 600 });
    expect(await c.allocate(forged.username, forged.credential)).toMatchObject({ ok: false, code: 401 });
  });

  it('refuses a TCP relay (442) and UDP only relays; states its hardening rules', async () => {
    const c = await client();
    const { username, credential } = valid();
    expect(await c.allocate(username, credential, 60, 'tcp')).toMatchObject({ ok: false, code: 442 });
    const lines = renderTurnserverConfig(options).split('\n');
    for (const rule of ['no-tcp-relay', 'no-rfc5780', 'no-stun-backward-compatibility', `total-quota=${turnQuotaDefaults.totalQuota}`, `max-bps=${turnQuotaDefaults.maxBytesPerSecond}`]) expect(lines).toContain(rule);
  });

  it('refuses one allocation over the user quota (486) for one credential, while another credential still allocates', async () => {
    const { username, credential } = createTurnCredentials({ secret, user: 'greedy', ttlSeconds: 600 });
    const held: TurnTestClient[] = [];
    for (let i = 0; i < turnQuotaDefaults.userQuota; i++) {
      const c = await client();
      expect((await c.allocate(username, credential)).ok, `allocation ${i + 1}`).toBe(true);
      held.push(c);
    }
    expect(await (await client()).allocate(username, credential)).toMatchObject({ ok: false, code: 486 });
    const other = valid();
    const fair = await client();
    expect((await fair.allocate(other.username, other.credential)).ok).toBe(true);
    await Promise.all([...held, fair].map((c) => c.release()));
  });

  it('refuses permissions to loopback, private and link-local peers (403) and grants a public one', async () => {
    const c = await client();
    const { username, credential } = valid();
    expect((await c.allocate(username, credential)).ok).toBe(true);
    const refused: Record<string, number | 'ok'> = {};
    for (const peer of ['127.0.0.1', '10.1.2.3', '192.168.1.1', '172.16.0.1', '169.254.1.1', '100.64.0.1']) {
      const r = await c.createPermission(peer);
      refused[peer] = r.ok ? 'ok' : r.code;
    }
    expect(refused).toEqual({ '127.0.0.1': 403, '10.1.2.3': 403, '192.168.1.1': 403, '172.16.0.1': 403, '169.254.1.1': 403, '100.64.0.1': 403 });
    // Only installs a permission on the server: no packet is sent to 8.8.8.8.
    expect(await c.createPermission('8.8.8.8')).toMatchObject({ ok: true });
    expect((await c.release()).ok).toBe(true);
  });
});
