import { describe, expect, it } from 'vitest';
import { silentLogger, type Ack, type HealthReport, type RoomStatsSnapshot, type SfuConsumerOptions, type SfuJoinResponse, type StatsUpdate, type SwitchRecord } from '@confer/shared';
import { startMediaNode } from '@confer/sfu';
import type { RunningApp } from './app.js';
import { join, type Client } from '../test-support/clients.js';
import { clusterForTests, joined, operator } from '../test-support/clusterServers.js';
import { sample } from '../test-support/statsSamples.js';

/** Topology and SFU media of rooms whose participants are on different servers of one cluster. */
const cluster = clusterForTests();
const server = (env: Record<string, string> = {}) => cluster.server(env);
const connect = (app: { url: string }) => cluster.connect(app);
const mediaNode = async (id: string, env: Record<string, string> = {}) =>
  cluster.track(await startMediaNode({ REDIS_URL: cluster.redis.url, MEDIA_NODE_ID: id, SFU_WORKERS: '1', SFU_WEBRTC_PORT: '0', ...env }, silentLogger));

const ok = <T>(answer: Ack<T>): T => {
  if (!answer.ok) throw new Error(`refused: ${answer.error.code} ${answer.error.message}`);
  return answer.data;
};
const once = <T>(socket: Client, event: string) => new Promise<T>((resolve) => socket.once(event as never, ((e: T) => resolve(e)) as never));
const sfuJoin = async (s: Client, request: { sctpCapabilities?: { numStreams: { OS: number; MIS: number } } } = {}) =>
  ok((await s.timeout(10_000).emitWithAck('sfu:join', request)) as Ack<SfuJoinResponse>);
const topology = async (app: RunningApp, roomId: string) =>
  (await (await fetch(`${app.url}/api/rooms/${roomId}/topology`, operator)).json()) as { topology: string; switching: boolean; switches: SwitchRecord[] };
const sfuStats = async (app: RunningApp, roomId: string) =>
  (await (await fetch(`${app.url}/api/rooms/${roomId}/sfu`, operator)).json()) as { transports: number };
const vp8 = (transportId: string, ssrc: number) => ({
  transportId,
  kind: 'video' as const,
  source: 'camera' as const,
  rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 101, clockRate: 90000 }], encodings: [{ ssrc }] },
});

describe('a cluster room on the SFU', () => {
  it('switches once for everyone when its participants are on different servers, and the switch ends when all of them moved', async () => {
    const [one, two] = [await server({ TOPOLOGY_SFU_FROM: '3' }), await server({ TOPOLOGY_SFU_FROM: '3' })];
    const [ada, bo, cy] = [await connect(one), await connect(two), await connect(one)];
    joined(await join(ada, 'split', 'Ada'));
    joined(await join(bo, 'split', 'Bo'));
    const announced = [once<{ switchId: string; topology: string }>(ada, 'room:topology'), once<{ switchId: string; topology: string }>(bo, 'room:topology')];
    const completed = [once<SwitchRecord>(ada, 'room:switch-complete'), once<SwitchRecord>(bo, 'room:switch-complete')];
    expect(joined(await join(cy, 'split', 'Cy')).topology).toBe('sfu');
    const [toAda, toBo] = await Promise.all(announced);
    expect(toAda).toMatchObject({ topology: 'sfu' });
    expect(toBo).toEqual(toAda);

    // Ada reports on one server, Bo on the other: both servers see the same switch, finished by the second report.
    await ada.timeout(5000).emitWithAck('topology:switched', { switchId: toAda!.switchId });
    expect(await topology(two, 'split')).toMatchObject({ topology: 'sfu', switching: true });
    await bo.timeout(5000).emitWithAck('topology:switched', { switchId: toAda!.switchId });
    const [record, recordOnTwo] = await Promise.all(completed);
    expect(record).toMatchObject({ switchId: toAda!.switchId, from: 'mesh', to: 'sfu', unfinished: 0 });
    expect(recordOnTwo).toEqual(record);
    for (const app of [one, two]) expect(await topology(app, 'split')).toEqual({ topology: 'sfu', switching: false, switches: [record] });
  });

  it('has one router for peers on different servers: a producer on one is consumed on the other, and its end reaches the consumer once', async () => {
    const [one, two] = [await server({ TOPOLOGY_SFU_FROM: '2' }), await server({ TOPOLOGY_SFU_FROM: '2' })];
    const [ada, bo] = [await connect(one), await connect(two)];
    joined(await join(ada, 'media', 'Ada'));
    const b = joined(await join(bo, 'media', 'Bo'));
    const [onA, onB] = [await sfuJoin(ada), await sfuJoin(bo)];
    // Either server shows the one router's four transports.
    for (const app of [one, two]) expect((await sfuStats(app, 'media')).transports).toBe(4);

    const added = once<{ producerId: string; peerId: string }>(bo, 'sfu:producer-added');
    const { producerId } = ok((await ada.timeout(10_000).emitWithAck('sfu:produce', vp8(onA.sendTransport.id, 4242))) as Ack<{ producerId: string }>);
    expect(await added).toMatchObject({ producerId });
    const consumed = ok(await bo.timeout(10_000).emitWithAck('sfu:consume', { producerIds: [producerId], rtpCapabilities: onB.routerRtpCapabilities })) as { consumers: SfuConsumerOptions[] };
    expect(consumed.consumers.map((c) => c.producerId)).toEqual([producerId]);

    const closedEvents: unknown[] = [];
    bo.on('sfu:producer-closed', (e) => closedEvents.push(e));
    ok(await ada.timeout(10_000).emitWithAck('sfu:close-producer', { producerId }));
    await expect.poll(() => closedEvents.length).toBe(1);
    // Both servers hear every media node's events; each passes them to its own sockets only.
    await bo.timeout(5000).emitWithAck('peer:update', { audioMuted: true });
    expect(closedEvents).toEqual([{ producerId, peerId: b.peerId }]);
  });

  it('has one dashboard: a viewer on either server gets the whole room history, and the SFU is sampled by one server', async () => {
    const [one, two] = [await server({ TOPOLOGY_SFU_FROM: '2' }), await server({ TOPOLOGY_SFU_FROM: '2' })];
    const [ada, bo] = [await connect(one), await connect(two)];
    const a = joined(await join(ada, 'dashboard', 'Ada'));
    const b = joined(await join(bo, 'dashboard', 'Bo'));
    await Promise.all([sfuJoin(ada), sfuJoin(bo)]);
    // Each reports to its own server.
    expect(await ada.timeout(5000).emitWithAck('stats:report', { samples: [sample(b.peerId)] })).toEqual({ ok: true, data: {} });
    expect(await bo.timeout(5000).emitWithAck('stats:report', { samples: [sample(a.peerId), sample(a.peerId)] })).toEqual({ ok: true, data: {} });
    const sfuUpdates: StatsUpdate[] = [];
    ada.on('stats:update', (u) => u.type === 'sfu' && sfuUpdates.push(u));
    for (const [viewer, app] of [[ada, one], [bo, two]] as const) {
      const snapshot = ok((await viewer.timeout(5000).emitWithAck('stats:subscribe', { roomId: 'dashboard' })) as Ack<RoomStatsSnapshot>);
      expect(Object.fromEntries(Object.entries(snapshot.samples).map(([id, list]) => [id, list.length])), `history seen on ${app.url}`).toEqual({ [a.peerId]: 1, [b.peerId]: 2 });
    }
    // One SFU sample a second reaches the viewer, not one per server (each server's sampling runs every second).
    await expect.poll(() => sfuUpdates.length, { timeout: 10_000 }).toBeGreaterThan(0);
    const first = sfuUpdates.length;
    const since = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const seconds = (Date.now() - since) / 1000;
    expect(sfuUpdates.length - first).toBeLessThanOrEqual(Math.ceil(seconds) + 1);
    const again = ok((await bo.timeout(5000).emitWithAck('stats:subscribe', { roomId: 'dashboard' })) as Ack<RoomStatsSnapshot>);
    expect(again.sfu.length).toBeGreaterThanOrEqual(sfuUpdates.length);
    expect(again.sfu.at(-1)?.transports).toBe(4);
  });

  it('shows a new viewer what happens on the other server: a join made before that server knew of the viewer, and live samples', async () => {
    const [one, two] = [await server(), await server()];
    const [ada, bo] = [await connect(one), await connect(two)];
    const a = joined(await join(ada, 'watched', 'Ada'));
    const outlines: string[][] = [];
    const samplesFrom: string[] = [];
    ada.on('stats:update', (u) => {
      if (u.type === 'room') outlines.push(u.participants.map((p) => p.displayName).sort());
      if (u.type === 'sample') samplesFrom.push(u.peerId);
    });
    ok((await ada.timeout(5000).emitWithAck('stats:subscribe', { roomId: 'watched' })) as Ack<RoomStatsSnapshot>);
    // At once: the other server sends no update for a room it does not know is watched yet.
    const b = joined(await join(bo, 'watched', 'Bo'));
    await expect.poll(() => outlines.at(-1), { timeout: 10_000, message: 'the viewer sees Bo in the room' }).toEqual(['Ada', 'Bo']);
    await expect
      .poll(async () => (ok(await bo.timeout(5000).emitWithAck('stats:report', { samples: [sample(a.peerId)] })), samplesFrom), { timeout: 10_000, message: "Bo's samples reach the viewer live" })
      .toContain(b.peerId);
  });

  it('puts SFU rooms of a signaling-only server on a media node; when that node goes, the room is told and its next join lands on another', async () => {
    const first = await mediaNode('media-a');
    const signaling = await server({ TOPOLOGY_SFU_FROM: '2', MEDIA_NODE: 'false' });
    expect(((await (await fetch(`${signaling.url}/healthz`)).json()) as HealthReport).sfu.workers).toEqual([]);
    const [ada, bo] = [await connect(signaling), await connect(signaling)];
    joined(await join(ada, 'remote', 'Ada'));
    joined(await join(bo, 'remote', 'Bo'));
    const onA = await sfuJoin(ada);
    await sfuJoin(bo);
    const stats = () => sfuStats(signaling, 'remote');
    expect((await stats()).transports).toBe(4);
    ok(await ada.timeout(10_000).emitWithAck('sfu:produce', vp8(onA.sendTransport.id, 1111)));

    await mediaNode('media-b');
    const reset = [once(ada, 'sfu:reset'), once(bo, 'sfu:reset')];
    await first.close();
    await Promise.all(reset);
    await sfuJoin(ada);
    expect((await stats()).transports).toBe(2);
  });

  it('a media node closes its router of a room that was placed elsewhere meanwhile (it was taken for gone during a stall)', async () => {
    const one = await server({ TOPOLOGY_SFU_FROM: '2' });
    const [ada, bo] = [await connect(one), await connect(one)];
    joined(await join(ada, 'stalled', 'Ada'));
    joined(await join(bo, 'stalled', 'Bo'));
    await sfuJoin(ada);
    const routers = async () => ((await (await fetch(`${one.url}/healthz`)).json()) as HealthReport).sfu.workers.reduce((n, w) => n + w.routers, 0);
    expect(await routers()).toBe(1);
    // What another server does once it takes this node for gone: the room goes to another node.
    await cluster.redis.connect().hset('confer:sfu-placement', 'stalled', 'another-node');
    await expect.poll(routers, { timeout: 10_000 }).toBe(0);
  });

  it('spans media nodes when the home node is full: media of a peer on one is consumed on the other through a pipe, and its end crosses', async () => {
    const nodes = new Map([
      ['media-a', await mediaNode('media-a', { SFU_MAX_PEERS_PER_NODE: '1' })],
      ['media-b', await mediaNode('media-b', { SFU_MAX_PEERS_PER_NODE: '1' })],
    ]);
    const signaling = await server({ TOPOLOGY_SFU_FROM: '2', MEDIA_NODE: 'false' });
    const [ada, bo, cy] = [await connect(signaling), await connect(signaling), await connect(signaling)];
    const a = joined(await join(ada, 'wide', 'Ada'));
    const b = joined(await join(bo, 'wide', 'Bo'));
    const sctp = { sctpCapabilities: { numStreams: { OS: 1024, MIS: 1024 } } };
    const [onA, onB] = [await sfuJoin(ada, sctp), await sfuJoin(bo, sctp)];
    const peerNodes = await cluster.redis.connect().hgetall('confer:sfu-peer-nodes:wide');
    expect(new Set(Object.values(peerNodes))).toEqual(new Set(['media-a', 'media-b']));

    const { producerId } = ok((await ada.timeout(10_000).emitWithAck('sfu:produce', vp8(onA.sendTransport.id, 5151))) as Ack<{ producerId: string }>);
    const chat = { transportId: onA.sendTransport.id, sctpStreamParameters: { streamId: 0, ordered: true }, label: 'chat' };
    const { dataProducerId } = ok((await ada.timeout(10_000).emitWithAck('sfu:produce-data', chat)) as Ack<{ dataProducerId: string }>);
    const consumed = ok(await bo.timeout(10_000).emitWithAck('sfu:consume', { producerIds: [producerId], rtpCapabilities: onB.routerRtpCapabilities })) as { consumers: SfuConsumerOptions[] };
    expect(consumed.consumers).toMatchObject([{ producerId, peerId: a.peerId, kind: 'video', source: 'camera' }]);
    const dataConsumer = ok(await bo.timeout(10_000).emitWithAck('sfu:consume-data', { dataProducerId })) as { dataProducerId: string; peerId: string; label: string };
    expect(dataConsumer).toMatchObject({ dataProducerId, peerId: a.peerId, label: 'chat' });
    // Both nodes' routers: each peer's two transports, and a pipe to the other node on the receiving one.
    const stats = (await sfuStats(signaling, 'wide')) as { transports: number; producers: { producerId: string }[]; consumers: { producerId: string; peerId: string }[] };
    expect(stats.producers.map((p) => p.producerId)).toEqual([producerId]);
    expect(stats.consumers).toMatchObject([{ producerId, peerId: b.peerId }]);
    expect(stats.transports).toBe(4 + 2);

    // Both nodes are full: a newcomer is refused until a third comes up, and then sees Ada's media, on another node.
    joined(await join(cy, 'wide', 'Cy'));
    const full = (await cy.timeout(10_000).emitWithAck('sfu:join', sctp)) as Ack<SfuJoinResponse>;
    expect(full).toMatchObject({ ok: false, error: { code: 'MEDIA_ERROR', message: expect.stringContaining('capacity') } });
    await mediaNode('media-c');
    const onC = await sfuJoin(cy, sctp);
    expect(onC.producers).toMatchObject([{ producerId, peerId: a.peerId }]);
    expect(onC.dataProducers).toMatchObject([{ dataProducerId, peerId: a.peerId }]);

    const closed: unknown[] = [];
    bo.on('sfu:producer-closed', (e) => closed.push(e));
    ok(await ada.timeout(10_000).emitWithAck('sfu:close-producer', { producerId }));
    await expect.poll(() => closed.length, { timeout: 10_000 }).toBe(1);
    expect(closed).toEqual([{ producerId, peerId: b.peerId }]);

    // A node the room spans goes (not its home): the whole room sets up its SFU media again, from nothing.
    const home = await cluster.redis.connect().hget('confer:sfu-placement', 'wide');
    const reset = [once(ada, 'sfu:reset'), once(bo, 'sfu:reset'), once(cy, 'sfu:reset')];
    await nodes.get(peerNodes[b.peerId] === home ? peerNodes[a.peerId]! : peerNodes[b.peerId]!)!.close();
    await Promise.all(reset);
    expect(await cluster.redis.connect().exists('confer:sfu-room-nodes:wide', 'confer:sfu-peer-nodes:wide')).toBe(0);
  });
});
