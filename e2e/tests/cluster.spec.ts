import { Redis } from 'ioredis';
import { expect, type Page } from '@playwright/test';
import { asOperator, closeAll, expectMediaFlowing, expectPath, joinRoom } from '../support/participants.js';
import { expectChat, openChat, peerIdOf, sendChat } from '../support/shareChat.js';
import { test } from '../support/cluster.js';
import type { ServerProcess } from '../../signaling/test-support/serverProcess.js';

/**
 * Two signaling servers over one Redis are one service: pages on either are in the same room, on the mesh
 * and on the SFU (TOPOLOGY_SFU_FROM=3, so three pages are enough). Each test starts its own Redis, servers
 * and (where it says so) media nodes as processes, so it can kill and restart them.
 */

const sfuTransports = async (server: ServerProcess, room: string) => {
  const res = await fetch(`${server.url}/api/rooms/${room}/sfu`, { headers: { authorization: `Bearer ${process.env.CONFER_E2E_OPERATOR_TOKEN ?? ''}` } });
  return res.ok ? ((await res.json()) as { transports: number }).transports : 0;
};

test('three pages on two servers: one room on the mesh, then on the SFU, with frames on every tile', async ({ browser, cluster }) => {
  test.setTimeout(150_000);
  const env = { OPERATOR_TOKEN: process.env.CONFER_E2E_OPERATOR_TOKEN ?? '' };
  const [one, two] = [await cluster.start(env), await cluster.start(env)];
  const room = `cluster-${Date.now()}`;
  const pages: Page[] = [];
  try {
    pages.push(await joinRoom(browser, room, 'Ada', { server: one.url }), await joinRoom(browser, room, 'Bo', { server: two.url }));
    await expectPath(pages, 'mesh', 1);
    await expectMediaFlowing(pages, 1);
    pages.push(await joinRoom(browser, room, 'Cy', { server: one.url }));
    await expectPath(pages, 'sfu', 2);
    await expectMediaFlowing(pages, 2);
    // One router for all three, whichever server is asked: each page's two transports.
    for (const server of [one, two]) expect(await sfuTransports(server, room)).toBe(6);
  } finally {
    await closeAll(pages);
  }
});

test("signaling-only servers and two media nodes: the room's media node is killed, and media comes back through the other without anyone doing anything", async ({ browser, cluster }) => {
  test.setTimeout(180_000);
  const nodes = new Map([
    ['media-a', await cluster.mediaNode('media-a')],
    ['media-b', await cluster.mediaNode('media-b')],
  ]);
  const signalingOnly = { MEDIA_NODE: 'false' };
  const [one, two] = [await cluster.start(signalingOnly), await cluster.start(signalingOnly)];
  const room = `cluster-node-${Date.now()}`;
  const pages: Page[] = [];
  const admin = new Redis(cluster.redis.url);
  try {
    pages.push(
      await joinRoom(browser, room, 'Ada', { server: one.url }),
      await joinRoom(browser, room, 'Bo', { server: two.url }),
      await joinRoom(browser, room, 'Cy', { server: two.url }),
    );
    await expectPath(pages, 'sfu', 2);
    await expectMediaFlowing(pages, 2);
    // Each page counts the server's word that the room's SFU media is gone.
    for (const page of pages) await page.evaluate(() => window.__confer.signaling.socket.on('sfu:reset', () => Object.assign(window, { resets: ((window as { resets?: number }).resets ?? 0) + 1 })));
    const resets = () => Promise.all(pages.map((page) => page.evaluate(() => (window as { resets?: number }).resets ?? 0)));
    const placed = await admin.hget('confer:sfu-placement', room);
    expect([...nodes.keys()]).toContain(placed);
    await nodes.get(placed!)!.stop('SIGKILL');
    // Gone after 5 s of silence: the room is told, re-placed on the other node, and every tile decodes again.
    await expect.poll(async () => (await resets()).every((n) => n > 0), { timeout: 30_000, message: 'every page is told to set up its SFU media again' }).toBe(true);
    await expect.poll(() => admin.hget('confer:sfu-placement', room), { timeout: 30_000 }).toBe([...nodes.keys()].find((id) => id !== placed));
    await expectPath(pages, 'sfu', 2);
    await expectMediaFlowing(pages, 2);
  } finally {
    admin.disconnect();
    await closeAll(pages);
  }
});

test('a room spanning two media nodes (2 peers each at most): frames on every tile and chat through the pipes between them', async ({ browser, cluster }) => {
  test.setTimeout(150_000);
  const perNode = { SFU_MAX_PEERS_PER_NODE: '2' };
  await cluster.mediaNode('media-a', perNode);
  await cluster.mediaNode('media-b', perNode);
  const server = await cluster.start({ MEDIA_NODE: 'false', OPERATOR_TOKEN: process.env.CONFER_E2E_OPERATOR_TOKEN ?? '' });
  const room = `cluster-span-${Date.now()}`;
  const pages: Page[] = [];
  const admin = new Redis(cluster.redis.url);
  try {
    for (const name of ['Ada', 'Bo', 'Cy']) pages.push(await joinRoom(browser, room, name, { server: server.url }));
    await expectPath(pages, 'sfu', 2);
    const nodesOfPeers = Object.values(await admin.hgetall(`confer:sfu-peer-nodes:${room}`));
    expect(nodesOfPeers.sort()).toEqual(expect.arrayContaining(['media-a', 'media-b']));
    expect(nodesOfPeers).toHaveLength(3);
    // The lone peer's tiles decode media sent on the other node, and the others decode its media: all through pipes.
    await expectMediaFlowing(pages, 2);

    const sfu = async () => (await (await fetch(`${server.url}/api/rooms/${room}/sfu`, asOperator())).json()) as { dataProducers: number; dataConsumers: number };
    await expect.poll(async () => { const s = await sfu(); return [s.dataProducers, s.dataConsumers]; }, { timeout: 20_000, message: "every page's chat channel, consumed by the 2 others" }).toEqual([3, 6]);
    for (const page of pages) await openChat(page);
    const expected: [string, string][] = [];
    for (const page of pages) {
      await sendChat(page, `hello from ${await peerIdOf(page)}`);
      expected.push([await peerIdOf(page), `hello from ${await peerIdOf(page)}`]);
    }
    for (const page of pages) await expectChat(page, expected);
  } finally {
    admin.disconnect();
    await closeAll(pages);
  }
});

test('Redis restarted during a call: the call keeps its frames, and a newcomer still joins (and moves the room to the SFU)', async ({ browser, cluster }) => {
  test.setTimeout(150_000);
  const [one, two] = [await cluster.start(), await cluster.start()];
  const room = `cluster-redis-${Date.now()}`;
  const pages: Page[] = [];
  try {
    pages.push(await joinRoom(browser, room, 'Ada', { server: one.url }), await joinRoom(browser, room, 'Bo', { server: two.url }));
    await expectMediaFlowing(pages, 1);
    await cluster.redis.restart();
    await expectMediaFlowing(pages, 1);
    pages.push(await joinRoom(browser, room, 'Cy', { server: two.url }));
    await expectPath(pages, 'sfu', 2);
    await expectMediaFlowing(pages, 2);
  } finally {
    await closeAll(pages);
  }
});
