import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Ack, ErrorCode, JoinRequest, JoinResponse } from '@confer/shared';
import { backoffPolicy } from '../net/RetryPolicy';
import { ICE_REFRESH_RETRY_MS, RESTORE_WAIT_MS, RoomSession } from './RoomSession';
import { peerInfo } from '../../test-support/fixtures';

const peer = (peerId: string) => peerInfo(peerId);

function response(over: Partial<JoinResponse> = {}): JoinResponse {
  return { peerId: 'me', roomId: 'room', resumeToken: 'token', peers: [], topology: 'mesh', iceServers: [], iceCredentialsExpireAt: null, resumed: false, ...over } as JoinResponse;
}

const refused = (code: ErrorCode): Ack<JoinResponse> => ({ ok: false, error: { code, message: `server says ${code}` } });

/** A session whose server answers from `answers` in turn, and a record of what it told the room. */
function session(answers: Ack<JoinResponse>[], roster: string[] = []) {
  const requests: JoinRequest[] = [];
  const did: string[] = [];
  const iceAnswers: Ack<{ iceServers: never[]; iceCredentialsExpireAt: number | null }>[] = [];
  const s = new RoomSession({
    roomId: 'room',
    joinToken: null,
    mediaState: () => ({ audioMuted: true, videoMuted: false }),
    topology: () => 'mesh',
    connected: () => true,
    join: async (request) => {
      requests.push(request);
      return answers.shift() ?? refused('INTERNAL');
    },
    refreshIce: async () => {
      did.push('refresh ice');
      return iceAnswers.shift() ?? { ok: false, error: { code: 'INTERNAL', message: 'the server did not answer in time' } };
    },
    rejoinPolicy: backoffPolicy({ initialMs: 1000, maxMs: 1000, jitter: 0 }, { retryOn: new Set<ErrorCode>(['UNAVAILABLE', 'RATE_LIMITED']) }),
    onStart: (data, fresh) => did.push(`start ${data.peerId}${fresh ? ' fresh' : ''}`),
    onResumed: (data) => did.push(`resumed ${data.resumed}`),
    onFailed: (message) => did.push(`failed: ${message}`),
    onWaiting: () => did.push('waiting'),
    onIceServers: () => did.push('ice servers'),
    onPeerGone: (id) => did.push(`gone ${id}`),
    roster: () => roster,
  });
  return { s, requests, did, iceAnswers };
}

describe('RoomSession', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('joins with our name, password and media state; a refusal shows the message for its code, not the server\'s English', async () => {
    const { s, requests, did } = session([refused('WRONG_PASSWORD'), refused('NOT_IN_ROOM'), refused('FORBIDDEN'), { ok: true, data: response() }]);
    await s.join('Ada', 'pw');
    await s.join('Ada', 'pw');
    await s.join('Ada', 'pw');
    expect(did).toEqual(['failed: Wrong password for this room.', 'failed: You are not in the room.', 'failed: The host removed you from this meeting.']);
    await s.join('Ada', '');
    expect(requests.map((r) => [r.displayName, r.password, r.audioMuted])).toEqual([
      ['Ada', 'pw', true],
      ['Ada', 'pw', true],
      ['Ada', 'pw', true],
      ['Ada', undefined, true],
    ]);
    expect(did.at(-1)).toBe('start me');
    expect(s.current?.peerId).toBe('me');
  });

  it('rejoins with the resume token, retrying transient refusals after the policy delay and giving up on the rest', async () => {
    const { s, requests, did } = session([{ ok: true, data: response() }, refused('UNAVAILABLE'), refused('RATE_LIMITED'), refused('ROOM_FULL')]);
    await s.join('Ada');
    await s.rejoin();
    expect(requests[1]?.resume).toEqual({ peerId: 'me', token: 'token', topology: 'mesh' });
    await vi.advanceTimersByTimeAsync(999);
    expect(requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(requests).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1000);
    expect(requests).toHaveLength(4);
    expect(did.at(-1)).toBe('failed: This room is full.');
  });

  it('a freed seat starts afresh; a rejoin answered after close() changes nothing', async () => {
    const { s, did } = session([{ ok: true, data: response() }, { ok: true, data: response({ peerId: 'me2' }) }, { ok: true, data: response({ peerId: 'me3' }) }]);
    await s.join('Ada');
    await s.rejoin();
    expect(did).toEqual(['start me', 'start me2 fresh']);
    const late = s.rejoin();
    s.close();
    await late;
    expect(did).toHaveLength(2);
    expect(s.current).toBeNull();
  });

  it('a held seat: peers the server does not list are gone at once', async () => {
    const { s, did } = session([{ ok: true, data: response() }, { ok: true, data: response({ resumed: 'held', peers: [peer('B')] }) }], ['B', 'C']);
    await s.join('Ada');
    await s.rejoin();
    expect(did).toEqual(['start me', 'gone C', 'resumed held']);
  });

  it('a restored seat: unlisted peers get RESTORE_WAIT_MS to come back', async () => {
    const { s, did } = session([{ ok: true, data: response() }, { ok: true, data: response({ resumed: 'restored' }) }], ['B', 'C']);
    await s.join('Ada');
    await s.rejoin();
    expect(did).toEqual(['start me', 'resumed restored']);
    s.forget('B');
    await vi.advanceTimersByTimeAsync(RESTORE_WAIT_MS);
    expect(did).toEqual(['start me', 'resumed restored', 'gone C']);
  });

  it('refreshes TURN credentials halfway through their lifetime, and again a while after a failure', async () => {
    const expiresAt = Date.now() / 1000 + 600;
    const { s, did, iceAnswers } = session([{ ok: true, data: response({ iceCredentialsExpireAt: expiresAt }) }]);
    iceAnswers.push({ ok: false, error: { code: 'UNAVAILABLE', message: 'busy' } }, { ok: true, data: { iceServers: [], iceCredentialsExpireAt: null } });
    await s.join('Ada');
    await vi.advanceTimersByTimeAsync(299_000);
    expect(did).toEqual(['start me']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(did).toEqual(['start me', 'refresh ice']);
    await vi.advanceTimersByTimeAsync(ICE_REFRESH_RETRY_MS);
    expect(did).toEqual(['start me', 'refresh ice', 'refresh ice', 'ice servers']);
    // No expiry any more: no further refresh.
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(did).toHaveLength(4);
  });
});
