import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, JoinResponse, RoomStatsSnapshot, StatsSample, StatsUpdate } from '@confer/shared';
import { join, type Client } from '../test-support/clients.js';
import { redisForTests } from '../test-support/redisServer.js';
import { SETUPS, spreadServers } from '../test-support/spreadServers.js';
import { SNAPSHOT_BYTES_PER_PEER } from './StatsHistory.js';

/**
 * The stats surface under attack: oversized samples, subscription floods, and a viewer that stops reading. On
 * one server, and on a cluster of two (history in Redis) with each new client on the next server.
 */
const OPERATOR_TOKEN = 'operator-token-for-stats-attacks-01';
const redis = redisForTests({ beforeAll, afterAll });
// Clients here say where they come from (X-Forwarded-For): the flood comes from many addresses, as a botnet's would.
const base = { PORT: '0', HOST: '127.0.0.1', TURN_MODE: 'off', SFU_WORKERS: '1', SFU_WEBRTC_PORT: '0', PUBLIC_DIR: '/nonexistent', OPERATOR_TOKEN, TRUSTED_PROXIES: '127.0.0.1' };

/** A sample as large as one 5-sample report under the 64 KB message limit allows: 18 streams with the longest ids. */
function bigSample(peerId: string, i: number, streams = 18): StatsSample {
  return {
    at: Date.now() + i,
    topology: 'mesh',
    connections: [],
    streams: Array.from({ length: streams }, (_, k) => ({
      id: `${'s'.repeat(150)}-${k}`, direction: 'in', kind: 'video', source: 'camera', path: 'mesh', peerId,
      bitrate: 1, packets: 1, packetsLost: 0, lossPct: 0, jitterMs: 1, rttMs: 1, fps: 30, width: 640, height: 360,
      framesDropped: 0, freezes: 0, qualityLimitation: 'none', codec: 'v'.repeat(64), rid: 'r'.repeat(16), audioLevel: null, capture: null,
    })),
  };
}

describe.each(SETUPS)('stats under attack (%s)', (_, servers) => {
  const setup = spreadServers(servers, base, redis);
  const { clients } = setup;

  async function fullRoom(roomId: string, people: number): Promise<{ sockets: Client[]; ids: string[] }> {
    const sockets: Client[] = [];
    const ids: string[] = [];
    for (let i = 0; i < people; i++) {
      const socket = await clients.connect();
      const answer = (await join(socket, roomId, `P${i}`)) as Ack<JoinResponse>;
      if (!answer.ok) throw new Error(answer.error.code);
      sockets.push(socket);
      ids.push(answer.data.peerId);
    }
    return { sockets, ids };
  }

  const report = (socket: Client, samples: StatsSample[]) => socket.timeout(5000).emitWithAck('stats:report', { samples });
  const subscribe = (socket: Client, roomId: string) => socket.timeout(5000).emitWithAck('stats:subscribe', { roomId, operatorToken: OPERATOR_TOKEN }) as Promise<Ack<RoomStatsSnapshot>>;

  it('refuses a sample with more streams than a full room has', async () => {
    const { sockets, ids } = await fullRoom('too-many-streams', 2);
    expect(await report(sockets[0]!, [bigSample(ids[1]!, 0, 65)])).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
  });

  it('a snapshot carries a bounded amount of each participant, however much they sent', async () => {
    const { sockets, ids } = await fullRoom('bounded-snapshot', 4);
    for (const socket of sockets) for (let r = 0; r < 4; r++) expect(await report(socket, Array.from({ length: 5 }, (_, i) => bigSample(ids[0]!, r * 5 + i)))).toMatchObject({ ok: true });
    const viewer = await clients.connect();
    const snapshot = await subscribe(viewer, 'bounded-snapshot');
    if (!snapshot.ok) throw new Error(snapshot.error.code);
    for (const samples of Object.values(snapshot.data.samples)) {
      expect(samples.length).toBeGreaterThan(0);
      expect(JSON.stringify(samples).length).toBeLessThanOrEqual(SNAPSHOT_BYTES_PER_PEER + 2);
    }
  });

  it('one subscription per socket, and subscribing again and again is rate-limited', async () => {
    const a = await fullRoom('watch-a', 2);
    await fullRoom('watch-b', 2);
    const viewer = await clients.connect();
    expect(await subscribe(viewer, 'watch-a')).toMatchObject({ ok: true });
    expect(await subscribe(viewer, 'watch-b')).toMatchObject({ ok: true });
    const updates: StatsUpdate[] = [];
    viewer.on('stats:update', (u) => updates.push(u));
    await report(a.sockets[0]!, [bigSample(a.ids[1]!, 0, 1)]);
    await new Promise((r) => setTimeout(r, 200));
    expect(updates.filter((u) => u.roomId === 'watch-a')).toEqual([]);
    const answers = await Promise.all(Array.from({ length: 12 }, () => subscribe(viewer, 'watch-b')));
    expect(answers.filter((x) => !x.ok && x.error.code === 'RATE_LIMITED').length).toBeGreaterThan(0);
  });

  it('a viewer that stops reading while flooding subscriptions is disconnected, and server memory stays bounded', async () => {
    const room = await fullRoom('flooded', 8);
    for (const socket of room.sockets) for (let r = 0; r < 4; r++) await report(socket, Array.from({ length: 5 }, (_, i) => bigSample(room.ids[0]!, r * 5 + i)));
    // Many attacking connections, each asking for the snapshot as often as its budget allows, none reading.
    const attackers = await Promise.all(Array.from({ length: 20 }, (_, i) => clients.connect(`198.51.100.${i + 1}`)));
    const before = process.memoryUsage().rss;
    for (const attacker of attackers) {
      (attacker.io.engine.transport as unknown as { ws: { _socket: { pause(): void } } }).ws._socket.pause();
      for (let i = 0; i < 400; i++) attacker.emit('stats:subscribe', { roomId: 'flooded', operatorToken: OPERATOR_TOKEN }, () => undefined);
    }
    const serverSockets = () => setup.apps.reduce((n, app) => n + app.server.io.of('/').sockets.size, 0);
    let peak = before;
    for (let i = 0; i < 100 && serverSockets() > room.sockets.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    console.log(`stats flood: RSS ${(before / 2 ** 20).toFixed(0)} MB before, peak ${(peak / 2 ** 20).toFixed(0)} MB; attackers left connected: ${serverSockets() - room.sockets.length} of ${attackers.length}`);
    expect(serverSockets()).toBe(room.sockets.length);
    // Two servers in this one process on a cluster: each holds its share of the attack.
  expect(peak - before).toBeLessThan(servers * 300 * 2 ** 20);
    // The room's own stats go on: a newcomer's report still reaches a viewer that reads.
    const viewer = await clients.connect();
    expect(await subscribe(viewer, 'flooded')).toMatchObject({ ok: true });
    const got = new Promise((resolve) => viewer.on('stats:update', (u) => u.type === 'sample' && resolve(u)));
    const newcomer = (await fullRoom('flooded', 1)).sockets[0]!;
    expect(await report(newcomer, [bigSample(room.ids[0]!, 99, 1)])).toMatchObject({ ok: true });
    await expect(got).resolves.toBeTruthy();
  });
});
