import { afterEach, describe, expect, it } from 'vitest';
import { useConnectionStore } from '../state/connectionStore';
import { en } from '../i18n/en';
import { isOriginRefused, SignalingClient } from './SignalingClient';

const ORIGIN_REFUSED = en.refusals.originRefused;

/** The error engine.io-client reports for a failed polling request (its TransportError: message, description = HTTP status). */
const transportError = (message: string, description: unknown) => Object.assign(new Error(message), { type: 'TransportError', description });

describe('isOriginRefused', () => {
  it('is the 403 the server answers a refused origin with', () => {
    expect(isOriginRefused(transportError('xhr poll error', 403))).toBe(true);
  });

  it.each([
    ['server down (status 0)', transportError('xhr poll error', 0)],
    ['server error', transportError('xhr poll error', 500)],
    ['websocket failure (no status visible)', transportError('websocket error', undefined)],
    ['timeout', new Error('timeout')],
  ])('is not %s', (_name, error) => {
    expect(isOriginRefused(error)).toBe(false);
  });
});

describe('SignalingClient', () => {
  let client: SignalingClient | null = null;
  afterEach(() => client?.close());

  it('tells the user when the server refuses this page’s origin', () => {
    client = new SignalingClient('http://127.0.0.1:9');
    client.close(); // no real connection: the error is injected below
    const emit = (error: Error) => (client!.socket as unknown as { emitReserved(event: 'connect_error', error: Error): void }).emitReserved('connect_error', error);
    emit(transportError('xhr poll error', 403));
    expect(useConnectionStore.getState().lastError).toBe(ORIGIN_REFUSED);
    emit(transportError('xhr poll error', 0));
    // Any other failure keeps its own wording.
    expect(useConnectionStore.getState().lastError).not.toBe(ORIGIN_REFUSED);
  });
});
