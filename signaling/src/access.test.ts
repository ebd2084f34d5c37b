import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConnectionBudget, REQUEST_LIMITS } from './ConnectionBudget.js';
import { joinTokenClaimsSchema, RoomAccess } from './RoomAccess.js';
import { signToken, verifyToken } from './signedToken.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123';
const JOIN_SECRET = 'join-token-secret-for-tests-0123456789';
const now = Date.UTC(2026, 10, 26);
const inAnHour = now / 1000 + 3600;
const claims = z.object({ sub: z.string(), exp: z.number() });

describe('signed tokens (HS256 JWT)', () => {
  it('verifies what it signed, in the standard compact form', () => {
    const token = signToken(SECRET, { sub: 'ada', exp: inAnHour });
    expect(token.split('.')).toHaveLength(3);
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(verifyToken(SECRET, token, claims, now)).toEqual({ ok: true, claims: { sub: 'ada', exp: inAnHour } });
  });

  it('refuses a changed payload, another secret, an expired token, alg none and garbage', () => {
    const token = signToken(SECRET, { sub: 'ada', exp: inAnHour });
    const [h, , sig] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'eve', exp: inAnHour })).toString('base64url')}.${sig}`;
    expect(verifyToken(SECRET, forged, claims, now)).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifyToken('another-secret-entirely-0123456789', token, claims, now)).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifyToken(SECRET, token, claims, (inAnHour + 1) * 1000)).toEqual({ ok: false, reason: 'expired' });
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${token.split('.')[1]}.`;
    expect(verifyToken(SECRET, none, claims, now)).toMatchObject({ ok: false });
    expect(verifyToken(SECRET, 'not-a-token', claims, now)).toEqual({ ok: false, reason: 'not a JWT' });
    expect(verifyToken(SECRET, signToken(SECRET, { exp: inAnHour }), claims, now)).toMatchObject({ ok: false, reason: expect.stringContaining('sub') });
  });
});

describe('RoomAccess', () => {
  const access = new RoomAccess({ sessionSecret: SECRET, joinTokenSecret: JOIN_SECRET, joinTokensRequired: false });
  const join = { roomId: 'blue', displayName: 'Ada' };

  it('admits anyone to an open room, and to a locked one only with its password', async () => {
    expect(await access.admit(join, null, '198.51.100.1')).toEqual({ ok: true, displayName: 'Ada' });
    const { lock } = (await access.seal('s3cret'))!;
    expect(JSON.stringify(lock)).not.toContain('s3cret');
    expect(await access.admit(join, lock, '198.51.100.1')).toMatchObject({ ok: false, error: { code: 'PASSWORD_REQUIRED' } });
    expect(await access.admit({ ...join, password: 'guess' }, lock, '198.51.100.1')).toMatchObject({ ok: false, error: { code: 'WRONG_PASSWORD' } });
    expect(await access.admit({ ...join, password: 's3cret' }, lock, '198.51.100.1')).toEqual({ ok: true, displayName: 'Ada' });
  });

  it('admits with a join token for the room (named by it), past a password', async () => {
    const { lock } = (await access.seal('s3cret'))!;
    const token = signToken(JOIN_SECRET, { room: 'blue', name: 'Embedded Ada', exp: Date.now() / 1000 + 60 });
    expect(await access.admit({ ...join, joinToken: token }, lock, '198.51.100.1')).toEqual({ ok: true, displayName: 'Embedded Ada', fixedName: 'Embedded Ada' });
    const other = signToken(JOIN_SECRET, { room: 'red', name: 'Ada', exp: Date.now() / 1000 + 60 });
    expect(await access.admit({ ...join, joinToken: other }, null, '198.51.100.1')).toMatchObject({ ok: false, error: { code: 'INVALID_TOKEN', message: 'join token is for room red, not blue' } });
    const expired = signToken(JOIN_SECRET, { room: 'blue', name: 'Ada', exp: Date.now() / 1000 - 1 });
    expect(await access.admit({ ...join, joinToken: expired }, null, '198.51.100.1')).toMatchObject({ ok: false, error: { code: 'INVALID_TOKEN', message: 'join token refused: expired' } });
    expect(verifyToken(JOIN_SECRET, token, joinTokenClaimsSchema)).toMatchObject({ ok: true });
  });

  it('requires a token when configured to, and refuses tokens when it has no secret', async () => {
    const strict = new RoomAccess({ sessionSecret: SECRET, joinTokenSecret: JOIN_SECRET, joinTokensRequired: true });
    expect(await strict.admit(join, null, '198.51.100.1')).toMatchObject({ ok: false, error: { code: 'INVALID_TOKEN' } });
    const none = new RoomAccess({ sessionSecret: SECRET, joinTokenSecret: null, joinTokensRequired: false });
    expect(await none.admit({ ...join, joinToken: 'x'.repeat(40) }, null, '198.51.100.1')).toMatchObject({ ok: false, error: { code: 'INVALID_TOKEN' } });
  });

  it('resume tokens name one peer in one life (epoch) of one room, and carry nothing secret', async () => {
    const seal = (await access.seal('pw'))!;
    const peerId = crypto.randomUUID();
    const token = access.resumeToken(peerId, 'blue', seal);
    expect(access.verifyResume({ peerId, token }, 'blue')).toMatchObject({ sub: peerId, room: 'blue', epoch: seal.epoch });
    // Its holder can read it: neither the salt nor the hash of the room's password is in it.
    const readable = Buffer.from(token.split('.')[1]!, 'base64url').toString();
    expect(JSON.parse(readable)).toEqual({ sub: peerId, room: 'blue', epoch: seal.epoch, exp: expect.any(Number) });
    for (const secret of [seal.lock!.salt, seal.lock!.hash]) expect(readable).not.toContain(secret);
    expect((await access.seal())!.epoch).not.toBe(seal.epoch);
    // A name a join token gave travels with it, so it stays fixed through resumes.
    expect(access.verifyResume({ peerId, token: access.resumeToken(peerId, 'blue', seal, 'Embedded Ada') }, 'blue')).toMatchObject({ name: 'Embedded Ada' });
    expect(access.verifyResume({ peerId, token }, 'red')).toBeNull();
    expect(access.verifyResume({ peerId: crypto.randomUUID(), token }, 'blue')).toBeNull();
    const elsewhere = new RoomAccess({ sessionSecret: 'some-other-server-secret-0123456789', joinTokenSecret: null, joinTokensRequired: false });
    expect(elsewhere.verifyResume({ peerId, token }, 'blue')).toBeNull();
  });
});

describe('ConnectionBudget', () => {
  it('trips at the limit of a kind, and resets once the window has passed', () => {
    let t = 0;
    const budget = new ConnectionBudget(() => t);
    for (let i = 0; i < REQUEST_LIMITS['room:join']; i++) expect(budget.take('room:join')).toBeNull();
    expect(budget.take('room:join')).toEqual({ kind: 'room:join', limit: REQUEST_LIMITS['room:join'] });
    // Other kinds still pass: each has its own budget.
    expect(budget.take('sfu:consume')).toBeNull();
    t += 10_001;
    expect(budget.take('room:join')).toBeNull();
  });

  it('bounds all requests together', () => {
    const budget = new ConnectionBudget(() => 0);
    let refused: unknown = null;
    for (let i = 0; i <= REQUEST_LIMITS.total && !refused; i++) refused = budget.take(i % 2 ? 'sfu:consume' : 'unknown');
    expect(refused).toEqual({ kind: 'total', limit: REQUEST_LIMITS.total });
  });
});
