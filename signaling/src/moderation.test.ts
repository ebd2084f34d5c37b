import { describe, expect, it } from 'vitest';
import type { JoinResponse, ServerToClientEvents } from '@confer/shared';
import { join, type Client } from '../test-support/clients.js';
import { clusterForTests, joined } from '../test-support/clusterServers.js';

const cluster = clusterForTests();

const next = <E extends keyof ServerToClientEvents>(socket: Client, event: E) =>
  new Promise<Parameters<ServerToClientEvents[E]>[0]>((resolve) => socket.once(event, ((e: never) => resolve(e)) as never));
/** The next `event` about `peerId` (others' updates may still be on their way through Redis). */
const about = <E extends 'room:peer-updated'>(socket: Client, event: E, peerId: string) =>
  new Promise<Parameters<ServerToClientEvents[E]>[0]>((resolve) => {
    const listener = (e: Parameters<ServerToClientEvents[E]>[0]) => {
      if (e.peerId !== peerId) return;
      socket.off(event, listener as never);
      resolve(e);
    };
    socket.on(event, listener as never);
  });
const closed = (socket: Client) => new Promise<void>((resolve) => socket.once('disconnect', () => resolve()));
const forbidden = { ok: false, error: { code: 'FORBIDDEN', message: expect.any(String) } };
const ok = { ok: true, data: {} };

/**
 * The host's powers and the waiting room, through real Socket.IO: on one server (in memory), and on two
 * servers over Redis with the host on one and the others on the other (fan-out, store and tickets cross).
 */
describe.each([
  ['one server', { REDIS_URL: '' }, 1],
  ['two servers over Redis', {}, 2],
])('moderation (%s)', (_, env, nodes) => {
  /** Clients alternate between the servers: the first (the host) on the first one. */
  async function room(roomId: string, names: string[]): Promise<{ sockets: Client[]; seats: JoinResponse[]; connect: () => Promise<Client> }> {
    const servers = await Promise.all(Array.from({ length: nodes }, () => cluster.server(env)));
    let n = 0;
    const connect = () => cluster.connect(servers[n++ % servers.length]!);
    const sockets: Client[] = [];
    const seats: JoinResponse[] = [];
    for (const name of names) {
      const socket = await connect();
      sockets.push(socket);
      seats.push(joined(await join(socket, roomId, name)));
    }
    return { sockets, seats, connect };
  }

  it('the first one in is host; only the host mutes, stops a camera or lowers a hand; a muted participant may unmute itself', async () => {
    const { sockets: [ada, bo, cy], seats: [a, b, c] } = await room('mod-basics', ['Ada', 'Bo', 'Cy']);
    expect(c!.controls).toEqual({ hostId: a!.peerId, locked: false });
    for (const [event, payload] of [['room:moderate', { action: 'mute', peerId: a!.peerId }], ['room:lock', { locked: true }], ['room:end', {}]] as const) {
      expect(await bo!.timeout(5000).emitWithAck(event as 'room:lock', payload as never)).toEqual(forbidden);
    }
    const told = next(bo!, 'room:moderated');
    const seen = about(cy!, 'room:peer-updated', b!.peerId);
    expect(await ada!.timeout(5000).emitWithAck('room:moderate', { action: 'mute', peerId: b!.peerId })).toEqual(ok);
    expect(await told).toEqual({ action: 'mute' });
    expect(await seen).toMatchObject({ peerId: b!.peerId, audioMuted: true });
    expect(await bo!.timeout(5000).emitWithAck('peer:update', { audioMuted: false })).toMatchObject({ ok: true, data: { audioMuted: false } });

    const raised = about(ada!, 'room:peer-updated', c!.peerId);
    expect(await cy!.timeout(5000).emitWithAck('peer:update', { handRaised: true })).toMatchObject({ ok: true, data: { handRaisedAt: expect.any(Number) } });
    expect(await raised).toMatchObject({ peerId: c!.peerId, handRaisedAt: expect.any(Number) });
    expect(await bo!.timeout(5000).emitWithAck('room:moderate', { action: 'lower-hand', peerId: c!.peerId })).toEqual(forbidden);
    const lowered = about(bo!, 'room:peer-updated', c!.peerId);
    expect(await ada!.timeout(5000).emitWithAck('room:moderate', { action: 'lower-hand', peerId: c!.peerId })).toEqual(ok);
    expect(await lowered).toMatchObject({ peerId: c!.peerId, handRaisedAt: null });

    const reactions = [ada!, bo!, cy!].map((s) => next(s, 'room:reaction'));
    expect(await bo!.timeout(5000).emitWithAck('room:react', { emoji: '🎉' })).toEqual(ok);
    for (const reaction of await Promise.all(reactions)) expect(reaction).toEqual({ peerId: b!.peerId, emoji: '🎉' });
    expect(await bo!.timeout(5000).emitWithAck('room:react', { emoji: '💩' as never })).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    // A burst is cut at the per-connection budget (20 per 10 s), without costing the others theirs.
    const burst = await Promise.all(Array.from({ length: 25 }, () => cy!.timeout(5000).emitWithAck('room:react', { emoji: '👍' })));
    expect(burst.filter((a) => !a.ok).map((a) => !a.ok && a.error.code)).toEqual(new Array(5).fill('RATE_LIMITED'));
    expect(await ada!.timeout(5000).emitWithAck('room:react', { emoji: '👏' })).toEqual(ok);
  });

  it('the host hands the role over; when the host leaves, the longest present takes it', async () => {
    const { sockets: [ada, bo, cy], seats: [a, b] } = await room('mod-handover', ['Ada', 'Bo', 'Cy']);
    const toBo = next(cy!, 'room:controls');
    expect(await ada!.timeout(5000).emitWithAck('room:moderate', { action: 'make-host', peerId: b!.peerId })).toEqual(ok);
    expect(await toBo).toEqual({ hostId: b!.peerId, locked: false });
    expect(await ada!.timeout(5000).emitWithAck('room:lock', { locked: true })).toEqual(forbidden);
    const toAda = next(cy!, 'room:controls');
    await bo!.timeout(5000).emitWithAck('room:leave', {});
    expect(await toAda).toEqual({ hostId: a!.peerId, locked: false });
    expect(await ada!.timeout(5000).emitWithAck('room:lock', { locked: true })).toEqual({ ok: true, data: { hostId: a!.peerId, locked: true } });
  });

  it('a removed participant is told, disconnected, and refused with its resume token', async () => {
    const { sockets: [ada, bo, cy], seats: [, b], connect } = await room('mod-remove', ['Ada', 'Bo', 'Cy']);
    const told = next(bo!, 'room:closed');
    const gone = closed(bo!);
    const left = next(cy!, 'room:peer-left');
    expect(await cy!.timeout(5000).emitWithAck('room:moderate', { action: 'remove', peerId: b!.peerId })).toEqual(forbidden);
    expect(await ada!.timeout(5000).emitWithAck('room:moderate', { action: 'remove', peerId: b!.peerId })).toEqual(ok);
    expect(await told).toEqual({ reason: 'removed' });
    await gone;
    expect(await left).toEqual({ peerId: b!.peerId });
    const again = await connect();
    const resume = { peerId: b!.peerId, token: b!.resumeToken };
    expect(await again.timeout(5000).emitWithAck('room:join', { roomId: 'mod-remove', displayName: 'Bo', resume })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('a locked room: newcomers wait, the host sees them, admits one (who then sees everyone) and denies another', async () => {
    const { sockets: [ada, bo], seats: [a, b], connect } = await room('mod-lobby', ['Ada', 'Bo']);
    let waiting: { peerId: string; displayName: string }[] = [];
    ada!.on('room:waiting', (event) => (waiting = event.waiting));
    const waitingNames = () => waiting.map((k) => k.displayName).sort();
    await ada!.timeout(5000).emitWithAck('room:lock', { locked: true });
    const [cy, dee, eve] = [await connect(), await connect(), await connect()];
    expect(await join(cy, 'mod-lobby', 'Cy')).toMatchObject({ ok: false, error: { code: 'WAITING' } });
    await join(dee, 'mod-lobby', 'Dee');
    await expect.poll(waitingNames).toEqual(['Cy', 'Dee']);
    const idOf = (name: string) => waiting.find((k) => k.displayName === name)!.peerId;

    expect(await bo!.timeout(5000).emitWithAck('room:moderate', { action: 'admit', peerId: idOf('Dee') })).toEqual(forbidden);
    const admission = next(cy, 'room:admission');
    expect(await ada!.timeout(5000).emitWithAck('room:moderate', { action: 'admit', peerId: idOf('Cy') })).toEqual(ok);
    const answer = await admission;
    if (!answer.admitted) throw new Error('not admitted');
    const inside = joined(await cy.timeout(5000).emitWithAck('room:join', { roomId: 'mod-lobby', displayName: 'Cy', admission: answer.ticket }));
    expect(inside.peers.map((p) => p.peerId).sort()).toEqual([a!.peerId, b!.peerId].sort());
    // A ticket admits its own connection only.
    expect(await eve.timeout(5000).emitWithAck('room:join', { roomId: 'mod-lobby', displayName: 'Eve', admission: answer.ticket })).toMatchObject({ ok: false, error: { code: 'WAITING' } });
    await expect.poll(waitingNames).toEqual(['Dee', 'Eve']);

    const denied = next(dee, 'room:admission');
    expect(await ada!.timeout(5000).emitWithAck('room:moderate', { action: 'deny', peerId: idOf('Dee') })).toEqual(ok);
    expect(await denied).toEqual({ admitted: false });
    expect(await ada!.timeout(5000).emitWithAck('room:moderate', { action: 'deny', peerId: inside.peerId })).toMatchObject({ ok: false, error: { code: 'PEER_NOT_FOUND' } });
    // One who gives up waiting leaves the host's list.
    eve.close();
    await expect.poll(waitingNames).toEqual([]);
  });

  it('the host ends the meeting: everyone is told and disconnected, who waits is turned away, and the room starts afresh', async () => {
    const { sockets: [ada, bo], connect } = await room('mod-end', ['Ada', 'Bo']);
    await ada!.timeout(5000).emitWithAck('room:lock', { locked: true });
    const cy = await connect();
    expect(await join(cy, 'mod-end', 'Cy')).toMatchObject({ ok: false, error: { code: 'WAITING' } });
    const told = [ada!, bo!].map((s) => next(s, 'room:closed'));
    const gone = [ada!, bo!].map(closed);
    const turnedAway = next(cy, 'room:admission');
    expect(await ada!.timeout(5000).emitWithAck('room:end', {})).toEqual(ok);
    expect(await Promise.all(told)).toEqual([{ reason: 'ended' }, { reason: 'ended' }]);
    await Promise.all(gone);
    expect(await turnedAway).toEqual({ admitted: false });
    // The room is over: the next one in opens it anew, as its host, unlocked.
    const dee = await connect();
    const fresh = joined(await join(dee, 'mod-end', 'Dee'));
    expect([fresh.peers, fresh.controls]).toEqual([[], { hostId: fresh.peerId, locked: false }]);
  });
});
