import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CONSUMERS_PER_REQUEST, type Ack, type SfuConsumerOptions, type SfuJoinResponse } from '@confer/shared';
import { join, type Client } from '../test-support/clients.js';
import { redisForTests } from '../test-support/redisServer.js';
import { SETUPS, spreadServers } from '../test-support/spreadServers.js';

/**
 * The SFU through Socket.IO as an attacker drives it: floods of producers and consumers, racing joins and
 * leaves. On one server, and on a cluster of two over Redis (clients spread over both, the room's router on
 * one of them, so half the requests cross the bus).
 */
const OPERATOR_TOKEN = 'operator-token-for-sfu-attacks-0123';
const redis = redisForTests({ beforeAll, afterAll });
const base = { PORT: '0', HOST: '127.0.0.1', TURN_MODE: 'off', SFU_WORKERS: '1', SFU_WEBRTC_PORT: '0', PUBLIC_DIR: '/nonexistent', TOPOLOGY_SFU_FROM: '2', OPERATOR_TOKEN };

describe.each(SETUPS)('SFU under attack (%s)', (_, servers) => {
  const setup = spreadServers(servers, base, redis);
  const { clients, requestsInFlight } = setup;

  type Joined = Extract<Ack<SfuJoinResponse>, { ok: true }>;
  const sfuJoin = (s: Client) => s.timeout(10_000).emitWithAck('sfu:join', {}) as Promise<Ack<SfuJoinResponse>>;
  const sfu = async (room: string) =>
    (await (await fetch(`${setup.app.url}/api/rooms/${room}/sfu`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).json()) as {
      transports: number;
      producers: { producerId: string; peerId: string; source: string }[];
      consumers: { consumerId: string; peerId: string; producerId: string }[];
    };
  /** Each client in `room` (two or more: the room is on the SFU), each joined to the SFU. */
  async function onSfu(room: string, n: number): Promise<{ sockets: Client[]; joined: Joined[] }> {
    const sockets = await Promise.all(Array.from({ length: n }, () => clients.connect()));
    for (const [i, s] of sockets.entries()) await join(s, room, `P${i}`);
    const joined: Joined[] = [];
    for (const s of sockets) {
      const answer = await sfuJoin(s);
      if (!answer.ok) throw new Error(answer.error.message);
      joined.push(answer);
    }
    return { sockets, joined };
  }
  const mic = (transportId: string, ssrc: number) => ({
    transportId,
    kind: 'audio' as const,
    source: 'mic' as const,
    rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc }] },
  });
  const settle = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
  };

    it('150 microphones from one peer leave one producer: each new one replaces the last', async () => {
      const { sockets, joined } = await onSfu('many-mics', 2);
      const answers = await Promise.all(Array.from({ length: 150 }, (_, i) => sockets[0]!.timeout(10_000).emitWithAck('sfu:produce', mic(joined[0]!.data.sendTransport.id, 1000 + i))));
      expect(answers.filter((a) => a.ok).length).toBeGreaterThan(0);
      const producers = (await sfu('many-mics')).producers;
      expect(producers).toHaveLength(1);
      expect(producers[0]).toMatchObject({ source: 'mic' });
    });

    it('consuming one producer 150 times (and 48 times in one request) makes one consumer', async () => {
      const { sockets, joined } = await onSfu('many-consumers', 2);
      const produced = await sockets[0]!.timeout(10_000).emitWithAck('sfu:produce', mic(joined[0]!.data.sendTransport.id, 2000));
      if (!produced.ok) throw new Error(produced.error.message);
      const rtpCapabilities = joined[1]!.data.routerRtpCapabilities;
      const answers = (await Promise.all(
        Array.from({ length: 150 }, () => sockets[1]!.timeout(10_000).emitWithAck('sfu:consume', { producerIds: new Array<string>(MAX_CONSUMERS_PER_REQUEST).fill(produced.data.producerId), rtpCapabilities })),
      )) as Ack<{ consumers: SfuConsumerOptions[] }>[];
      // A producer named 48 times in one request is consumed once and returned once.
      for (const answer of answers) if (answer.ok) expect(answer.data.consumers).toHaveLength(1);
      const ids = new Set(answers.flatMap((a) => (a.ok ? a.data.consumers.map((c) => c.id) : [])));
      expect(ids.size).toBe(1);
      expect((await sfu('many-consumers')).consumers).toHaveLength(1);
    });

    it('20 concurrent sfu:join, and joins cut short by a leave or a disconnect, leave no transport behind', async () => {
      const { sockets } = await onSfu('join-race', 2);
      const [racer, leaver, dropper] = await Promise.all([clients.connect(), clients.connect(), clients.connect()]);
      for (const [i, s] of [racer, leaver, dropper].entries()) await join(s!, 'join-race', `R${i}`);
      await Promise.all(Array.from({ length: 20 }, () => sfuJoin(racer!)));
      // A leave (and a disconnect) sent right behind an sfu:join, while its transports are being made.
      void sfuJoin(leaver!);
      await leaver!.timeout(5000).emitWithAck('room:leave', {});
      dropper!.emit('sfu:join', {}, () => undefined);
      setTimeout(() => dropper!.disconnect(), 5);
      // Everyone with SFU media now: the two first peers and the racer, two transports each.
      await settle(async () => requestsInFlight() === 0 && (await sfu('join-race')).transports === 6);
      const transports = (await sfu('join-race')).transports;
      console.log(`join/leave race: ${transports} transports on the router for 3 peers with SFU media`);
      expect(transports).toBe(6);
      for (const s of [...sockets, racer!]) s.close();
      await settle(async () => (await fetch(`${setup.app.url}/api/rooms/join-race/sfu`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).status === 404);
    });

    it('a room on the mesh refuses sfu:join', async () => {
      const alone = await clients.connect();
      await join(alone, 'still-mesh', 'Ada');
      expect(await sfuJoin(alone)).toMatchObject({ ok: false, error: { code: 'MEDIA_ERROR', message: expect.stringContaining('on the mesh') } });
    });
});
