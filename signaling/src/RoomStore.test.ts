import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerInfo } from '@confer/shared';
import { redisForTests } from '../test-support/redisServer.js';
import { RedisRoomStore } from './RedisRoomStore.js';
import { InMemoryRoomStore, type RoomStore } from './RoomStore.js';
import type { RoomSeal } from './RoomAccess.js';

let joined = 0;
const peer = (displayName: string): PeerInfo => ({ peerId: randomUUID(), displayName, audioMuted: false, videoMuted: false, screenSharing: false, handRaisedAt: null, joinedAt: ++joined });
const seal = (epoch: string): RoomSeal => ({ epoch: epoch.padEnd(16, '0'), lock: null });
const room = () => `room-${randomUUID().slice(0, 8)}`;

const redis = redisForTests({ beforeAll, afterAll });
const connect = () => redis.connect();

/** The same promises from both stores: what the signaling handlers rely on. */
describe.each([
  ['in memory', (): RoomStore => new InMemoryRoomStore()],
  ['Redis', (): RoomStore => new RedisRoomStore(connect(), `test-${randomUUID()}:`)],
])('RoomStore (%s)', (_, make) => {
  it('seats peers up to the capacity, keeps the first seal, and ends the room with its last peer', async () => {
    const store = make();
    const id = room();
    const [ada, bo, cy] = [peer('Ada'), peer('Bo'), peer('Cy')];
    expect(await store.addPeer(id, ada, 2, seal('first'))).toEqual({ others: [], seal: seal('first'), controls: { hostId: ada.peerId, locked: false }, hostChanged: true });
    expect(await store.addPeer(id, bo, 2, seal('second'))).toEqual({ others: [ada], seal: seal('first'), controls: { hostId: ada.peerId, locked: false }, hostChanged: false });
    expect(await store.addPeer(id, cy, 2, seal('third'))).toBe('full');
    expect(await store.roomSeal(id)).toEqual(seal('first'));
    expect((await store.peers(id)).map((p) => p.displayName).sort()).toEqual(['Ada', 'Bo']);
    expect(await store.getPeer(id, bo.peerId)).toEqual(bo);
    expect(await store.roomIds()).toContain(id);
    const rooms = await store.roomCount();

    expect(await store.removePeer(id, ada.peerId)).toEqual({ remaining: 1, newHost: bo.peerId });
    expect(await store.getPeer(id, ada.peerId)).toBeNull();
    expect(await store.removePeer(id, bo.peerId)).toEqual({ remaining: 0, newHost: null });
    expect(await store.controls(id)).toEqual({ hostId: null, locked: false });
    expect(await store.roomSeal(id)).toBeNull();
    expect(await store.roomIds()).not.toContain(id);
    expect(await store.roomCount()).toBe(rooms - 1);
    // A new room under the same name starts with the seal it is given.
    expect(await store.addPeer(id, cy, 2, seal('fresh'))).toMatchObject({ seal: seal('fresh') });
  });

  it('refuses a joiner without a password a room that has one, and a new room once the limit is reached, with nothing seated', async () => {
    const store = make();
    const [locked, open, extra] = [room(), room(), room()];
    const lock = { ...seal('locked'), lock: { salt: 'c2FsdA', hash: 'aGFzaA' } };
    await store.addPeer(locked, peer('Ada'), 4, lock);
    await store.addPeer(open, peer('Bo'), 4, seal('open'));
    expect(await store.addPeer(locked, peer('Cy'), 4, seal('other'), { unlockedOnly: true })).toBe('locked');
    expect(await store.addPeer(open, peer('Cy'), 4, seal('other'), { unlockedOnly: true })).toMatchObject({ seal: seal('open') });
    // Without the rule (the joiner gave the password, checked before): seated under the room's own seal.
    expect(await store.addPeer(locked, peer('Dee'), 4, seal('other'))).toMatchObject({ seal: lock });
    const count = await store.roomCount();
    expect(await store.addPeer(extra, peer('Eve'), 4, seal('extra'), { maxRooms: count })).toBe('rooms');
    // An existing room is no new one: the limit does not keep anyone out of it.
    expect(await store.addPeer(open, peer('Fay'), 4, seal('other'), { maxRooms: count })).toMatchObject({ seal: seal('open') });
    expect([await store.roomSeal(extra), await store.roomCount(), (await store.peers(locked)).length]).toEqual([null, count, 2]);
    expect(await store.addPeer(extra, peer('Eve'), 4, seal('extra'), { maxRooms: count + 1 })).toMatchObject({ seal: seal('extra') });
  });

  it('patches a seated peer, and nobody else', async () => {
    const store = make();
    const id = room();
    const ada = peer('Ada');
    await store.addPeer(id, ada, 4, seal('s'));
    expect(await store.updatePeer(id, ada.peerId, { audioMuted: true, displayName: 'Ada L.' })).toEqual({ ...ada, audioMuted: true, displayName: 'Ada L.' });
    expect(await store.getPeer(id, ada.peerId)).toEqual({ ...ada, audioMuted: true, displayName: 'Ada L.' });
    expect(await store.updatePeer(id, randomUUID(), { audioMuted: true })).toBeNull();
    expect(await store.updatePeer(room(), ada.peerId, { audioMuted: true })).toBeNull();
  });

  it('remembers a retired peer until its time is up', async () => {
    const store = make();
    const [gone, other] = [randomUUID(), randomUUID()];
    await store.retirePeer(gone, Date.now() + 1500);
    expect(await store.retiredWhy(gone)).toBe('left');
    expect(await store.retiredWhy(other)).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 1700));
    expect(await store.retiredWhy(gone)).toBeNull();
  });
});

describe('RedisRoomStore across servers', () => {
  it('two servers seating 24 peers at once into a room of 4 admit exactly 4', async () => {
    const prefix = `race-${randomUUID()}:`;
    const servers = [new RedisRoomStore(connect(), prefix), new RedisRoomStore(connect(), prefix)];
    const id = room();
    const results = await Promise.all(Array.from({ length: 24 }, (_, i) => servers[i % 2]!.addPeer(id, peer(`P${i}`), 4, seal(`s${i}`))));
    const admitted = results.filter((r) => typeof r !== 'string');
    expect(admitted).toHaveLength(4);
    // Every admitted peer was told of exactly the ones admitted before it, under one seal.
    expect(admitted.map((r) => r.others.length).sort()).toEqual([0, 1, 2, 3]);
    expect(new Set(admitted.map((r) => r.seal.epoch)).size).toBe(1);
    expect(await servers[1]!.peers(id)).toHaveLength(4);
  });

  it('keeps what it acknowledged across a Redis restart', async () => {
    const prefix = `restart-${randomUUID()}:`;
    const client = connect();
    const store = new RedisRoomStore(client, prefix);
    const id = room();
    const ada = peer('Ada');
    await store.addPeer(id, ada, 4, seal('kept'));
    await store.retirePeer(ada.peerId, Date.now() + 60_000);
    await redis.restart();
    // The client reconnects by itself; the scripts are loaded again on first use.
    await expect.poll(() => store.peers(id).catch(() => null), { timeout: 10_000 }).toEqual([ada]);
    expect(await store.roomSeal(id)).toEqual(seal('kept'));
    expect(await store.retiredWhy(ada.peerId)).toBe('left');
    expect(await store.updatePeer(id, ada.peerId, { videoMuted: true })).toEqual({ ...ada, videoMuted: true });
  });
});
