import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Ack, JoinResponse, SfuJoinResponse, SwitchRecord } from '@confer/shared';
import { silentLogger } from '@confer/shared';
import { startApp, type RunningApp } from './app.js';
import { join as joinRoom, socketClients, type Client } from '../test-support/clients.js';
import { sendingSample } from '../test-support/samples.js';

type Joined = Extract<Ack<JoinResponse>, { ok: true }>;

const OPERATOR_TOKEN = 'operator-token-for-topology-tests';
/** The room endpoints are the operator's (http/routes.ts). */
const operator = { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } };
let app: RunningApp;
const clients = socketClients(() => app.url);
const client = () => clients.connect();
const join = (s: Client, roomId: string, name: string) => joinRoom(s, roomId, name) as Promise<Joined>;
const nextTopology = (s: Client) => new Promise<string>((resolve) => s.once('room:topology', ({ topology }) => resolve(topology)));

beforeAll(async () => {
  app = await startApp({ PORT: '0', TURN_MODE: 'off', SFU_WORKERS: '1', SFU_WEBRTC_PORT: '0', TOPOLOGY_SFU_FROM: '3', TOPOLOGY_SFU_FROM_SHARING: '2', TOPOLOGY_MESH_HOLD_MS: '500', OPERATOR_TOKEN }, silentLogger);
});
afterEach(() => clients.closeAll());
afterAll(async () => {
  await app?.close();
});

describe('room topology', () => {
  it('moves to the SFU at the threshold, tells everyone, and returns to mesh after the hold time', async () => {
    const [a, b, c] = [await client(), await client(), await client()];
    expect((await join(a, 'topo', 'A')).data.topology).toBe('mesh');
    expect((await join(b, 'topo', 'B')).data.topology).toBe('mesh');
    const toSfu = [nextTopology(a), nextTopology(b)];
    const announced = new Promise<{ switchId: string }>((resolve) => a.once('room:topology', resolve));
    const completed = new Promise<SwitchRecord>((resolve) => a.once('room:switch-complete', resolve));
    const joined = await join(c, 'topo', 'C');
    expect(joined.data.topology).toBe('sfu');
    expect(await Promise.all(toSfu)).toEqual(['sfu', 'sfu']);

    // The switch ends when the two who had to move (not the newcomer) report it done.
    const { switchId } = await announced;
    await a.timeout(5000).emitWithAck('topology:switched', { switchId });
    expect((await (await fetch(`${app.url}/api/rooms/topo/topology`, operator)).json()) as object).toMatchObject({ topology: 'sfu', switching: true });
    await b.timeout(5000).emitWithAck('topology:switched', { switchId });
    const record = await completed;
    expect(record).toMatchObject({ switchId, from: 'mesh', to: 'sfu', reason: 'participants', unfinished: 0 });
    expect(record.durationMs).toBeGreaterThanOrEqual(0);
    expect((await (await fetch(`${app.url}/api/rooms/topo/topology`, operator)).json()) as object).toMatchObject({ switching: false, switches: [record] });

    const started = Date.now();
    const toMesh = nextTopology(a);
    c.close();
    expect(await toMesh).toBe('mesh');
    expect(Date.now() - started).toBeGreaterThanOrEqual(450);
  });

  it('moves a room with a screen share to the SFU from TOPOLOGY_SFU_FROM_SHARING, and back when the share stops', async () => {
    const [a, b] = [await client(), await client()];
    await join(a, 'share-topo', 'A');
    await join(b, 'share-topo', 'B');
    const next = (s: Client) => new Promise<{ topology: string; reason: string }>((resolve) => s.once('room:topology', resolve));
    const toSfu = [next(a), next(b)];
    expect(await a.timeout(5000).emitWithAck('peer:update', { screenSharing: true })).toMatchObject({ ok: true });
    expect(await Promise.all(toSfu)).toEqual([expect.objectContaining({ topology: 'sfu', reason: 'screen-share' }), expect.objectContaining({ topology: 'sfu', reason: 'screen-share' })]);
    // Other updates do not move it; stopping the share does, after the hold time.
    await a.timeout(5000).emitWithAck('peer:update', { audioMuted: true });
    const toMesh = next(b);
    const stopped = Date.now();
    await a.timeout(5000).emitWithAck('peer:update', { screenSharing: false });
    expect(await toMesh).toMatchObject({ topology: 'mesh', reason: 'below-threshold' });
    expect(Date.now() - stopped).toBeGreaterThanOrEqual(450);
    const history = (await (await fetch(`${app.url}/api/rooms/share-topo/topology`, operator)).json()) as { switches: SwitchRecord[] };
    expect(history.switches.map((s) => [s.to, s.reason])).toEqual([
      ['sfu', 'screen-share'],
      ['mesh', 'below-threshold'],
    ]);
  });

  it('keeps a warm standby one short of the SFU: sfu:join works then, it ends after the hold time, and leaving frees the transports', async () => {
    // The SFU at 3 here: the standby starts at 2.
    const [a, b] = [await client(), await client()];
    await join(a, 'standby', 'A');
    expect(await a.timeout(5000).emitWithAck('sfu:join', {})).toMatchObject({ ok: false, error: { code: 'MEDIA_ERROR' } });
    const on = new Promise((resolve) => a.once('room:standby', resolve));
    expect((await join(b, 'standby', 'B')).data).toMatchObject({ topology: 'mesh', standby: true });
    expect(await on).toEqual({ standby: true });
    for (const s of [a, b]) expect(await s.timeout(5000).emitWithAck('sfu:join', {})).toMatchObject({ ok: true });
    const transports = async () => {
      const answer = await fetch(`${app.url}/api/rooms/standby/sfu`, operator);
      return answer.status === 404 ? 0 : ((await answer.json()) as { transports: number }).transports;
    };
    expect(await transports()).toBe(4);
    // One leaves: after the hold time the standby ends; the other leaves the SFU as a client then does.
    const off = new Promise((resolve) => a.once('room:standby', resolve));
    const left = Date.now();
    b.close();
    expect(await off).toEqual({ standby: false });
    expect(Date.now() - left).toBeGreaterThanOrEqual(450);
    await a.timeout(5000).emitWithAck('sfu:leave', {});
    await expect.poll(transports).toBe(0);
    expect(await a.timeout(5000).emitWithAck('sfu:join', {})).toMatchObject({ ok: false, error: { code: 'MEDIA_ERROR' } });
  });

  it('moves a mesh of 3 to the SFU when a participant’s sending stays limited for TOPOLOGY_STRAIN_MS, keeps it there while 3, and back at 2', async () => {
    // The SFU at 5 here, so that 3 are a mesh; strain counts after 300 ms.
    const strained = await startApp({ PORT: '0', TURN_MODE: 'off', SFU_WORKERS: '1', SFU_WEBRTC_PORT: '0', TOPOLOGY_STRAIN_MS: '300', TOPOLOGY_MESH_HOLD_MS: '500', OPERATOR_TOKEN }, silentLogger);
    const own = socketClients(() => strained.url);
    try {
      const [a, b, c] = [await own.connect(), await own.connect(), await own.connect()];
      const ids: string[] = [];
      for (const [s, name] of [[a, 'A'], [b, 'B'], [c, 'C']] as const) ids.push((await join(s, 'strain', name)).data.peerId);
      const next = (s: Client) => new Promise<{ topology: string; reason: string }>((resolve) => s.once('room:topology', resolve));
      const toSfu = next(b);
      const report = async (limit: 'cpu' | 'none') => expect(await a.timeout(5000).emitWithAck('stats:report', { samples: [sendingSample(ids[1]!, limit)] })).toEqual({ ok: true, data: {} });
      await report('cpu');
      await new Promise((resolve) => setTimeout(resolve, 350));
      await report('cpu');
      expect(await toSfu).toMatchObject({ topology: 'sfu', reason: 'strain' });
      // Calm on the SFU (no mesh strain to see), the room of 3 stays; at 2 it goes back after the hold time.
      await report('none');
      const toMesh = next(b);
      c.close();
      expect(await toMesh).toMatchObject({ topology: 'mesh', reason: 'below-threshold' });
      const history = (await (await fetch(`${strained.url}/api/rooms/strain/topology`, operator)).json()) as { switches: SwitchRecord[] };
      expect(history.switches.map((s) => [s.to, s.reason])).toEqual([
        ['sfu', 'strain'],
        ['mesh', 'below-threshold'],
      ]);
    } finally {
      own.closeAll();
      await strained.close();
    }
  });

  it('hands out SFU transports, refuses bad media requests with typed errors, and reports the room', async () => {
    const [a, b, c, outsider] = [await client(), await client(), await client(), await client()];
    for (const [s, n] of [[a, 'A'], [b, 'B'], [c, 'C']] as const) await join(s, 'media', n);
    const answer = (await a.timeout(5000).emitWithAck('sfu:join', {})) as Extract<Ack<SfuJoinResponse>, { ok: true }>;
    expect(answer.ok).toBe(true);
    const codecs = (answer.data.routerRtpCapabilities.codecs as { mimeType: string }[]).map((c) => c.mimeType);
    expect(codecs).toEqual(expect.arrayContaining(['audio/opus', 'video/VP8', 'video/H264']));
    expect(answer.data.sendTransport.id).not.toBe(answer.data.recvTransport.id);
    expect((answer.data.sendTransport.iceCandidates as { ip: string }[]).every((cand) => cand.ip === '127.0.0.1')).toBe(true);

    expect(await outsider.timeout(5000).emitWithAck('sfu:join', {})).toMatchObject({ ok: false, error: { code: 'NOT_IN_ROOM' } });
    const badProduce = await a.timeout(5000).emitWithAck('sfu:produce', {
      transportId: answer.data.sendTransport.id,
      kind: 'video',
      source: 'camera',
      rtpParameters: { codecs: [{ mimeType: 'video/NOPE', payloadType: 96, clockRate: 90000 }] },
    });
    expect(badProduce).toMatchObject({ ok: false, error: { code: 'MEDIA_ERROR' } });
    const wrongTransport = await a.timeout(5000).emitWithAck('sfu:produce', {
      transportId: answer.data.recvTransport.id,
      kind: 'audio',
      source: 'mic',
      rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }] },
    });
    expect(wrongTransport).toMatchObject({ ok: false, error: { code: 'MEDIA_ERROR', message: expect.stringContaining('no send transport') } });
    expect(await a.timeout(5000).emitWithAck('sfu:resume', { consumerIds: ['nope'] })).toMatchObject({ ok: false, error: { code: 'MEDIA_ERROR' } });
    expect(await a.timeout(5000).emitWithAck('sfu:consume', { producerIds: ['nope', 'neither'], rtpCapabilities: { codecs: [] } })).toMatchObject({ ok: false, error: { code: 'MEDIA_ERROR', message: expect.stringContaining('nope') } });
    const screenAsAudio = await a.timeout(5000).emitWithAck('sfu:produce', {
      transportId: answer.data.sendTransport.id,
      kind: 'audio',
      source: 'screen',
      rtpParameters: { codecs: [{ mimeType: 'audio/opus' }] },
    });
    expect(screenAsAudio).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', message: expect.stringContaining('source does not match kind') } });
    expect(await a.timeout(5000).emitWithAck('sfu:close-producer', { producerId: 'nope' })).toMatchObject({ ok: false, error: { code: 'MEDIA_ERROR' } });

    // Without SCTP capabilities the transports carry no data channels.
    const noData = await a.timeout(5000).emitWithAck('sfu:produce-data', { transportId: answer.data.sendTransport.id, sctpStreamParameters: { streamId: 0, ordered: true } });
    expect(noData).toMatchObject({ ok: false, error: { code: 'MEDIA_ERROR', message: expect.stringContaining('sctpCapabilities') } });

    const stats = await (await fetch(`${app.url}/api/rooms/media/sfu`, operator)).json();
    expect(stats).toMatchObject({ transports: 2, producers: [], consumers: [], recvBitrate: expect.any(Number), sendBitrate: expect.any(Number) });
    // Leaving the room frees the peer's SFU transports.
    a.close();
    await expect.poll(async () => ((await (await fetch(`${app.url}/api/rooms/media/sfu`, operator)).json()) as { transports: number }).transports).toBe(0);
    expect(app.server.io.engine.clientsCount).toBeGreaterThan(0);
  });

  it('carries chat data channels through the SFU: data producers are announced and consumed, never by their owner', async () => {
    // Three move the room to the SFU here.
    const [a, b, c] = [await client(), await client(), await client()];
    for (const [s, n] of [[a, 'A'], [b, 'B'], [c, 'C']] as const) await join(s, 'chat-sfu', n);
    const sctpCapabilities = { numStreams: { OS: 1024, MIS: 1024 } };
    const joinA = (await a.timeout(5000).emitWithAck('sfu:join', { sctpCapabilities })) as Extract<Ack<SfuJoinResponse>, { ok: true }>;
    expect(joinA.data.sendTransport.sctpParameters).toMatchObject({ port: 5000 });
    const joinB = (await b.timeout(5000).emitWithAck('sfu:join', { sctpCapabilities })) as Extract<Ack<SfuJoinResponse>, { ok: true }>;
    const announced = new Promise<unknown>((resolve) => b.once('sfu:data-producer-added', resolve));
    const produced = await a.timeout(5000).emitWithAck('sfu:produce-data', { transportId: joinA.data.sendTransport.id, sctpStreamParameters: { streamId: 0, ordered: true }, label: 'chat' });
    if (!produced.ok) throw new Error(produced.error.message);
    expect(await announced).toEqual({ dataProducerId: produced.data.dataProducerId, peerId: expect.any(String) });
    const consumed = await b.timeout(5000).emitWithAck('sfu:consume-data', { dataProducerId: produced.data.dataProducerId });
    expect(consumed).toMatchObject({ ok: true, data: { dataProducerId: produced.data.dataProducerId, label: 'chat', sctpStreamParameters: { ordered: true } } });
    expect(await a.timeout(5000).emitWithAck('sfu:consume-data', { dataProducerId: produced.data.dataProducerId })).toMatchObject({ ok: false, error: { code: 'MEDIA_ERROR' } });
    expect(joinB.data.dataProducers).toEqual([]);
    const sfu = async () => (await (await fetch(`${app.url}/api/rooms/chat-sfu/sfu`, operator)).json()) as { dataProducers: number; dataConsumers: number };
    expect(await sfu()).toMatchObject({ dataProducers: 1, dataConsumers: 1 });
    // The producer's owner leaves: its data consumers close too.
    a.close();
    await expect.poll(sfu).toMatchObject({ dataProducers: 0, dataConsumers: 0 });
  });
});
