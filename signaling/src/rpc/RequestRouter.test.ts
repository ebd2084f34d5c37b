import { describe, expect, it, vi } from 'vitest';
import { silentLogger, type Ack, type ErrorCode, type Logger, type ProtocolError } from '@confer/shared';
import { ConnectionBudget, REQUEST_LIMITS } from '../ConnectionBudget.js';
import { RequestRouter, type Call, type RpcSocket } from './RequestRouter.js';

/** A socket that records what the router listens to and what it emits; `send` plays a client's emit. */
class FakeSocket implements RpcSocket {
  private any?: (event: unknown, ...args: unknown[]) => void;
  readonly errors: (ProtocolError & { event: string })[] = [];
  onAny(listener: (event: unknown, ...args: unknown[]) => void) {
    this.any = listener;
  }
  emit(_: 'server:error', error: ProtocolError & { event: string }) {
    this.errors.push(error);
  }
  /** Like Socket.IO: the catch-all listener hears every event, with its ack last. */
  send(event: string, ...args: unknown[]) {
    this.any?.(event, ...args);
  }
  /** Sends with an ack and resolves with the answer. */
  ask(event: string, payload?: unknown): Promise<Ack<unknown>> {
    return new Promise((resolve) => (payload === undefined ? this.send(event, resolve) : this.send(event, payload, resolve)));
  }
}

function setUp(slowMs = 2000) {
  const refusals: [string, ErrorCode][] = [];
  const router = new RequestRouter<FakeSocket>((event, code) => refusals.push([event, code]), slowMs);
  const socket = new FakeSocket();
  const log = { ...silentLogger, warn: vi.fn(), error: vi.fn() } as unknown as Logger;
  const call: Call<FakeSocket> = { socket, log, budget: new ConnectionBudget() };
  return { router, socket, call, log, refusals };
}

describe('RequestRouter', () => {
  it('hands a valid request to its handler, with defaults applied, and acks the answer', async () => {
    const { router, socket, call } = setUp();
    const seen: unknown[] = [];
    router.on('room:join', async (req, c) => (seen.push(req, c === call), { ok: true, data: {} as never }));
    router.attach(call);
    expect(await socket.ask('room:join', { roomId: 'r1', displayName: 'Ann' })).toEqual({ ok: true, data: {} });
    expect(seen).toEqual([{ roomId: 'r1', displayName: 'Ann', audioMuted: false, videoMuted: false }, true]);
  });

  it('refuses an invalid payload as BAD_REQUEST naming the field, without calling the handler', async () => {
    const { router, socket, call, refusals } = setUp();
    const handler = vi.fn();
    router.on('signal:send', handler).attach(call);
    const answer = await socket.ask('signal:send', { to: 'not-a-uuid', signal: {} });
    expect(answer).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST', issues: expect.arrayContaining([expect.objectContaining({ path: 'to' })]) } });
    expect(handler).not.toHaveBeenCalled();
    expect(refusals).toEqual([['signal:send', 'BAD_REQUEST']]);
  });

  it('takes an ack sent without a payload (the schema sees none)', async () => {
    const { router, socket, call } = setUp();
    router.on('ice:refresh', async () => ({ ok: true, data: { iceServers: [], iceCredentialsExpireAt: null } })).attach(call);
    expect(await socket.ask('ice:refresh')).toMatchObject({ ok: false, error: { code: 'BAD_REQUEST' } });
    expect(await socket.ask('ice:refresh', {})).toMatchObject({ ok: true });
  });

  it('answers a refused request that came without an ack through server:error', async () => {
    const { router, socket, call } = setUp();
    router.on('room:leave', async (req) => (Object.keys(req).length ? { ok: true, data: {} } : { ok: false, error: { code: 'NOT_IN_ROOM', message: 'no' } }));
    router.attach(call);
    socket.send('room:leave', {});
    socket.send('room:leave', { extra: 1 });
    await vi.waitFor(() => expect(socket.errors).toHaveLength(2));
    // The invalid one is refused at once; the valid one after its handler's await.
    expect(socket.errors.map((e) => [e.event, e.code])).toEqual([
      ['room:leave', 'BAD_REQUEST'],
      ['room:leave', 'NOT_IN_ROOM'],
    ]);
  });

  it('turns a handler exception into INTERNAL (logged, no detail to the client) and keeps serving', async () => {
    const { router, socket, call, log } = setUp();
    let fail = true;
    router.on('room:leave', async () => {
      if (fail) throw new Error('secret detail');
      return { ok: true, data: {} };
    });
    router.attach(call);
    expect(await socket.ask('room:leave', {})).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'internal error' } });
    expect(log.error).toHaveBeenCalledWith({ event: 'room:leave', err: 'secret detail' }, 'request handler failed');
    fail = false;
    expect(await socket.ask('room:leave', {})).toEqual({ ok: true, data: {} });
  });

  it('refuses requests over the connection budget as RATE_LIMITED, before validating them', async () => {
    const { router, socket, call } = setUp();
    const handler = vi.fn(async () => ({ ok: true as const, data: {} as never }));
    router.on('room:join', handler).attach(call);
    const answers = await Promise.all(Array.from({ length: REQUEST_LIMITS['room:join'] + 2 }, () => socket.ask('room:join', { bad: true })));
    expect(answers.filter((a) => !a.ok && a.error.code === 'BAD_REQUEST')).toHaveLength(REQUEST_LIMITS['room:join']);
    expect(answers.slice(-2)).toEqual(Array(2).fill({ ok: false, error: { code: 'RATE_LIMITED', message: 'at most 10 room:join requests per 10 s; slow down' } }));
  });

  it('refuses unknown events (named cut short) and counts them against the budget', async () => {
    const { router, socket, call, refusals } = setUp();
    router.on('room:leave', async () => ({ ok: true, data: {} })).attach(call);
    expect(await socket.ask('x'.repeat(100), {})).toEqual({ ok: false, error: { code: 'BAD_REQUEST', message: `unknown event "${'x'.repeat(64)}"` } });
    socket.send('nope');
    expect(socket.errors).toEqual([{ event: 'nope', code: 'BAD_REQUEST', message: 'unknown event "nope"' }]);
    for (let i = 0; i < REQUEST_LIMITS.total; i++) socket.send('flood');
    expect(socket.errors.at(-1)).toMatchObject({ code: 'RATE_LIMITED' });
    expect(await socket.ask('room:leave', {})).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect(refusals[0]).toEqual(['unknown', 'BAD_REQUEST']);
  });

  it('counts requests in flight and logs a slow one', async () => {
    const { router, socket, call, log } = setUp(20);
    let release = () => {};
    router.on('room:leave', () => new Promise((resolve) => (release = () => resolve({ ok: true, data: {} })))).attach(call);
    const answer = socket.ask('room:leave', {});
    await vi.waitFor(() => expect(router.requestsInFlight).toBe(1));
    await new Promise((r) => setTimeout(r, 30));
    release();
    await answer;
    expect(router.requestsInFlight).toBe(0);
    expect(log.warn).toHaveBeenCalledWith(expect.objectContaining({ event: 'room:leave' }), 'slow request');
  });

  it('says which events have no handler', () => {
    const { router } = setUp();
    router.on('room:join', async () => ({ ok: true, data: {} as never }));
    expect(() => router.assertComplete()).toThrow(/no handler for room:leave, peer:update, .*stats:rooms, room:react, room:moderate, room:lock, room:end$/);
  });
});
