import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerInfo } from '@confer/shared';
import { redisForTests } from '../test-support/redisServer.js';
import { RedisRoomStore } from './RedisRoomStore.js';
import { InMemoryRoomStore, type AddedPeer, type RoomStore } from './RoomStore.js';
import type { RoomSeal } from './RoomAccess.js';
import { StateJournal } from './StateJournal.js';

let joined = 0;
const peer = (displayName: string): PeerInfo => ({ peerId: randomUUID(), displayName, audioMuted: false, videoMuted: false, screenSharing: false, handRaisedAt: null, joinedAt: ++joined });
const seal: RoomSeal = { epoch: 'e'.repeat(16), lock: null };
const room = () => `room-${randomUUID().slice(0, 8)}`;
const seated = (r: AddedPeer | string): AddedPeer => {
  if (typeof r === 'string') throw new Error(`not seated: ${r}`);
  return r;
};

const redis = redisForTests({ beforeAll, afterAll });

/** Host, lock and waiting room: the same rules from both stores (the host's powers rest on them). */
describe.each([
  ['in memory', (): RoomStore => new InMemoryRoomStore()],
  ['Redis', (): RoomStore => new RedisRoomStore(redis.connect(), `test-${randomUUID()}:`)],
])('room controls (%s)', (_, make) => {
  it('makes the first one in host, passes the role to the longest present when the host leaves, and lets only the host change it', async () => {
    const store = make();
    const id = room();
    const [ada, bo, cy] = [peer('Ada'), peer('Bo'), peer('Cy')];
    expect(seated(await store.addPeer(id, ada, 4, seal)).controls).toEqual({ hostId: ada.peerId, locked: false });
    await store.addPeer(id, bo, 4, seal);
    await store.addPeer(id, cy, 4, seal);
    expect(await store.updateControls(id, bo.peerId, { locked: true })).toBeNull();
    expect(await store.updateControls(id, ada.peerId, { hostId: randomUUID() })).toBeNull();
    expect(await store.controls(id)).toEqual({ hostId: ada.peerId, locked: false });
    expect(await store.updateControls(id, ada.peerId, { hostId: cy.peerId })).toEqual({ hostId: cy.peerId, locked: false });
    // Cy leaves: Ada is the longest present, not Bo.
    expect(await store.removePeer(id, cy.peerId)).toEqual({ remaining: 2, newHost: ada.peerId });
    expect(await store.removePeer(id, bo.peerId)).toEqual({ remaining: 1, newHost: null });
    expect(await store.controls(id)).toEqual({ hostId: ada.peerId, locked: false });
  });

  it('a locked room keeps newcomers waiting unless the host admitted them; a host token takes the role', async () => {
    const store = make();
    const id = room();
    const [ada, bo, cy, dee] = [peer('Ada'), peer('Bo'), peer('Cy'), peer('Dee')];
    await store.addPeer(id, ada, 4, seal);
    expect(await store.updateControls(id, ada.peerId, { locked: true })).toEqual({ hostId: ada.peerId, locked: true });
    expect(await store.addPeer(id, bo, 4, seal)).toBe('knock');
    expect(await store.peers(id)).toHaveLength(1);
    expect(seated(await store.addPeer(id, bo, 4, seal, { admitted: true })).hostChanged).toBe(false);
    const claimed = seated(await store.addPeer(id, cy, 4, seal, { claimHost: true }));
    expect([claimed.controls, claimed.hostChanged]).toEqual([{ hostId: cy.peerId, locked: true }, true]);
    // ADMISSION=knock: every room, locked or not; the first one in never waits.
    const other = room();
    expect(await store.addPeer(other, dee, 4, seal, { knock: true })).toMatchObject({ controls: { hostId: dee.peerId } });
    expect(await store.addPeer(other, peer('Eve'), 4, seal, { knock: true })).toBe('knock');
  });

  it('keeps a bounded waiting room, oldest first, and forgets it with the room', async () => {
    const store = make();
    const id = room();
    const ada = peer('Ada');
    await store.addPeer(id, ada, 4, seal);
    const knocks = [0, 1, 2].map((i) => ({ peerId: randomUUID(), displayName: `K${i}`, since: 1000 - i }));
    for (const k of knocks.slice(0, 2)) expect(await store.knock(id, k, 2)).not.toBe('full');
    expect(await store.knock(id, knocks[2]!, 2)).toBe('full');
    // Knocking again (a reconnect) replaces the entry, within the bound.
    expect(await store.knock(id, { ...knocks[0]!, since: 5 }, 2)).toEqual([{ ...knocks[0]!, since: 5 }, knocks[1]]);
    expect(await store.unknock(id, knocks[1]!.peerId)).toEqual(knocks[1]);
    expect(await store.unknock(id, knocks[1]!.peerId)).toBeNull();
    expect(await store.waiting(id)).toEqual([{ ...knocks[0]!, since: 5 }]);
    await store.removePeer(id, ada.peerId);
    expect(await store.waiting(id)).toEqual([]);
  });
});

describe('room controls across servers and restarts', () => {
  it('of many first joins at once on two servers, exactly one becomes host', async () => {
    const prefix = `race-${randomUUID()}:`;
    const servers = [new RedisRoomStore(redis.connect(), prefix), new RedisRoomStore(redis.connect(), prefix)];
    const id = room();
    const results = (await Promise.all(Array.from({ length: 8 }, (_, i) => servers[i % 2]!.addPeer(id, peer(`P${i}`), 8, seal)))).map(seated);
    expect(results.filter((r) => r.hostChanged)).toHaveLength(1);
    expect(new Set(results.map((r) => r.controls.hostId)).size).toBe(1);
  });

  it('a single server keeps host and lock in its journal across a restart; restored seats wait for their host', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'controls-')), 'state.jsonl');
    const id = room();
    const [ada, bo] = [peer('Ada'), peer('Bo')];
    const before = new InMemoryRoomStore(StateJournal.open(file));
    await before.addPeer(id, ada, 4, seal);
    await before.addPeer(id, bo, 4, seal);
    await before.updateControls(id, ada.peerId, { locked: true });
    const after = new InMemoryRoomStore(StateJournal.open(file));
    expect(await after.controls(id)).toEqual({ hostId: ada.peerId, locked: true });
    // Bo's seat comes back first: Ada, not yet back, stays host; then Ada's; newcomers still wait.
    expect(seated(await after.addPeer(id, bo, 4, seal, { admitted: true, restoring: true })).controls).toEqual({ hostId: ada.peerId, locked: true });
    expect(seated(await after.addPeer(id, ada, 4, seal, { admitted: true, restoring: true })).hostChanged).toBe(false);
    expect(await after.addPeer(id, peer('Cy'), 4, seal)).toBe('knock');
  });
});
