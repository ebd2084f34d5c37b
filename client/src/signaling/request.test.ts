import { describe, expect, it } from 'vitest';
import type { Ack } from '@confer/shared';
import { ask, request, RequestError, REQUEST_TIMEOUT_MS } from './request';
import type { SignalingSocket } from './SignalingClient';

/** A socket whose every request gets `answer` (or no answer in time, when it rejects), recording the timeouts asked for. */
function socket(answer: () => Promise<Ack<unknown>>) {
  const timeouts: number[] = [];
  const fake = { timeout: (ms: number) => (timeouts.push(ms), { emitWithAck: answer }) } as unknown as SignalingSocket;
  return { fake, timeouts };
}

describe('request', () => {
  it('resolves with the answer’s data, within the default timeout', async () => {
    const { fake, timeouts } = socket(async () => ({ ok: true, data: { iceServers: [], iceCredentialsExpireAt: null } }));
    await expect(request(fake, 'ice:refresh', {})).resolves.toEqual({ iceServers: [], iceCredentialsExpireAt: null });
    expect(timeouts).toEqual([REQUEST_TIMEOUT_MS]);
  });

  it('throws a RequestError with the code the server refused with', async () => {
    const { fake } = socket(async () => ({ ok: false, error: { code: 'RATE_LIMITED', message: 'slow down' } }));
    const error = await request(fake, 'sfu:join', { sctpCapabilities: { numStreams: { OS: 1, MIS: 1 } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ code: 'RATE_LIMITED', event: 'sfu:join', message: 'sfu:join: slow down' });
  });

  it('no answer in time is INTERNAL: thrown by request, answered by ask', async () => {
    const { fake, timeouts } = socket(() => Promise.reject(new Error('operation has timed out')));
    await expect(request(fake, 'room:leave', {})).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(ask(fake, 'room:leave', {}, 5)).resolves.toEqual({ ok: false, error: { code: 'INTERNAL', message: 'the server did not answer in time' } });
    expect(timeouts).toEqual([REQUEST_TIMEOUT_MS, 5]);
  });
});
