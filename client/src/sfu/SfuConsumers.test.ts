import { afterEach, describe, expect, it, vi } from 'vitest';
import type { types } from 'mediasoup-client';
import type { SfuProducerInfo } from '@confer/shared';
import type { SignalingSocket } from '../signaling/SignalingClient';
import { SfuConsumers } from './SfuConsumers';

const requests: { event: string; payload: Record<string, unknown> }[] = [];
/** sfu:consume requests still to fail (a timeout on a starved page). */
let failConsumes = 0;
/** When set, sfu:consume answers only once this settles (an answer still on its way). */
let consumeAnswered: Promise<void> | null = null;
/** sfu:resume requests still to fail. */
let failResumes = 0;
vi.mock('../signaling/request', () => ({
  request: vi.fn(async (_socket: unknown, event: string, payload: Record<string, unknown>) => {
    requests.push({ event, payload });
    if (event === 'sfu:consume' && failConsumes-- > 0) throw new Error('sfu:consume timed out');
    if (event === 'sfu:consume' && consumeAnswered) await consumeAnswered;
    if (event === 'sfu:resume' && failResumes-- > 0) throw new Error('sfu:resume timed out');
    if (event !== 'sfu:consume') return {};
    return { consumers: (payload.producerIds as string[]).map((producerId) => ({ id: `c-${producerId}`, producerId, peerId: 'bo', kind: 'video', source: 'camera', rtpParameters: {} })) };
  }),
}));

// jsdom has no MediaStream: a stand-in that holds tracks.
class FakeStream {
  private readonly tracks: unknown[] = [];
  addTrack(track: unknown) {
    this.tracks.push(track);
  }
  removeTrack() {}
}

const producer = (producerId: string): SfuProducerInfo => ({ producerId, peerId: 'bo', kind: 'video', source: 'camera' });

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('SfuConsumers', () => {
  it('consumes the producers announced close together in one request, one renegotiation and one resume, each producer once', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('MediaStream', FakeStream);
    requests.length = 0;
    const ticks: number[] = [];
    let tick = 0;
    const made: { closed: boolean }[] = [];
    const transport = {
      closed: false,
      consume: vi.fn(async (o: { id: string; producerId: string }) => {
        ticks.push(tick);
        const consumer = { id: o.id, producerId: o.producerId, kind: 'video', track: {}, closed: false, getStats: async () => new Map(), close: () => (consumer.closed = true) };
        made.push(consumer);
        return consumer;
      }),
    };
    const receiver = new SfuConsumers({ socket: {} as SignalingSocket, transport: transport as unknown as types.Transport, rtpCapabilities: {}, onPeerStream: vi.fn(), onPeerScreen: vi.fn() });
    // The join answer and an announcement while joining both name p1.
    receiver.add([producer('p1'), producer('p1'), producer('p2')]);
    await vi.advanceTimersByTimeAsync(10);
    receiver.add([producer('p2'), producer('p3')]);
    tick++;
    await vi.advanceTimersByTimeAsync(50);
    expect(requests.map((r) => r.event)).toEqual(['sfu:consume', 'sfu:resume']);
    expect(requests[0]!.payload.producerIds).toEqual(['p1', 'p2', 'p3']);
    expect(requests[1]!.payload.consumerIds).toEqual(['c-p1', 'c-p2', 'c-p3']);
    // All three asked of mediasoup-client in the same tick: it creates them in one renegotiation.
    expect(new Set(ticks).size).toBe(1);
    expect(transport.consume).toHaveBeenCalledTimes(3);
    // Announced again later: nothing more.
    receiver.add([producer('p3')]);
    await vi.advanceTimersByTimeAsync(50);
    expect(requests).toHaveLength(2);
    // Closing (the session going idle keeps its transport) closes every consumer on the browser's side.
    receiver.close();
    expect(made.map((c) => c.closed)).toEqual([true, true, true]);
  });

  it('asks again for a batch whose request failed, and stops after a few tries', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('MediaStream', FakeStream);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    requests.length = 0;
    const transport = { closed: false, consume: vi.fn(async (o: { id: string; producerId: string }) => ({ id: o.id, producerId: o.producerId, kind: 'video', track: {}, closed: false, getStats: async () => new Map(), close: () => undefined })) };
    const receiver = new SfuConsumers({ socket: {} as SignalingSocket, transport: transport as unknown as types.Transport, rtpCapabilities: {}, onPeerStream: vi.fn(), onPeerScreen: vi.fn() });
    failConsumes = 1;
    receiver.add([producer('p1')]);
    await vi.advanceTimersByTimeAsync(50);
    expect(transport.consume).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1100);
    expect(requests.map((r) => r.event)).toEqual(['sfu:consume', 'sfu:consume', 'sfu:resume']);
    expect(transport.consume).toHaveBeenCalledTimes(1);

    // A producer whose requests keep failing is given up after the last try.
    requests.length = 0;
    failConsumes = 100;
    receiver.add([producer('p2')]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(requests.map((r) => r.event)).toEqual(Array(4).fill('sfu:consume'));
    failConsumes = 0;
    receiver.close();
  });

  it('never sets up a consumer whose producer closed while the consume answer was on its way', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('MediaStream', FakeStream);
    requests.length = 0;
    let answer = () => undefined as void;
    consumeAnswered = new Promise((resolve) => (answer = resolve));
    const transport = { closed: false, consume: vi.fn(async (o: { id: string; producerId: string }) => ({ id: o.id, producerId: o.producerId, kind: 'video', track: {}, closed: false, getStats: async () => new Map(), close: () => undefined })) };
    const onPeerStream = vi.fn();
    const receiver = new SfuConsumers({ socket: {} as SignalingSocket, transport: transport as unknown as types.Transport, rtpCapabilities: {}, onPeerStream, onPeerScreen: vi.fn() });
    receiver.add([producer('p1'), producer('p2')]);
    await vi.advanceTimersByTimeAsync(50);
    expect(requests.map((r) => r.event)).toEqual(['sfu:consume']);
    // p1's producer-closed overtakes the answer that includes p1.
    receiver.removeProducer('p1');
    answer();
    consumeAnswered = null;
    await vi.advanceTimersByTimeAsync(50);
    expect(transport.consume.mock.calls.map(([o]) => o.producerId)).toEqual(['p2']);
    expect(requests.at(-1)).toEqual({ event: 'sfu:resume', payload: { consumerIds: ['c-p2'] } });
    receiver.close();
  });

  it('drops the consumers of a batch whose resume failed, and asks for the batch again', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('MediaStream', FakeStream);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    requests.length = 0;
    const made: { id: string; closed: boolean }[] = [];
    const transport = {
      closed: false,
      consume: vi.fn(async (o: { id: string; producerId: string }) => {
        const consumer = { id: o.id, producerId: o.producerId, kind: 'video', track: {}, closed: false, getStats: async () => new Map(), close: () => (consumer.closed = true) };
        made.push(consumer);
        return consumer;
      }),
    };
    const receiver = new SfuConsumers({ socket: {} as SignalingSocket, transport: transport as unknown as types.Transport, rtpCapabilities: {}, onPeerStream: vi.fn(), onPeerScreen: vi.fn() });
    failResumes = 1;
    receiver.add([producer('p1')]);
    await vi.advanceTimersByTimeAsync(50);
    // Set up but never resumed: it would wait for frames for ever, so it goes.
    expect(made.map((c) => c.closed)).toEqual([true]);
    await vi.advanceTimersByTimeAsync(1100);
    expect(requests.map((r) => r.event)).toEqual(['sfu:consume', 'sfu:resume', 'sfu:consume', 'sfu:resume']);
    expect(made.map((c) => c.closed)).toEqual([true, false]);
    receiver.close();
  });

  it('keeps a camera paused that arrives for a peer whose tile is already off screen', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('MediaStream', FakeStream);
    requests.length = 0;
    const made: { id: string; paused: boolean }[] = [];
    const transport = {
      closed: false,
      consume: vi.fn(async (o: { id: string; producerId: string }) => {
        const consumer = { id: o.id, producerId: o.producerId, kind: 'video', track: {}, closed: false, paused: false, pause: () => (consumer.paused = true), getStats: async () => new Map(), close: () => undefined };
        made.push(consumer);
        return consumer;
      }),
    };
    const receiver = new SfuConsumers({ socket: {} as SignalingSocket, transport: transport as unknown as types.Transport, rtpCapabilities: {}, onPeerStream: vi.fn(), onPeerScreen: vi.fn() });
    // Bo's tile went off the page before his camera was consumed (his microphone came first).
    await receiver.setVideoPaused('bo', true);
    receiver.add([producer('p1')]);
    await vi.advanceTimersByTimeAsync(50);
    // The server made it paused and nobody resumes it: no video comes for a tile nobody sees.
    expect(requests.map((r) => r.event)).toEqual(['sfu:consume']);
    expect(made.map((c) => c.paused)).toEqual([true]);
    receiver.close();
  });
});
