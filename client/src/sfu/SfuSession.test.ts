import { describe, expect, it, vi } from 'vitest';
import type { SignalingSocket } from '../signaling/SignalingClient';
import { SfuSession } from './SfuSession';

/** The sfu:join answer, held back until the test lets it through. */
let joinAnswered: (() => void) | null = null;
vi.mock('../signaling/request', () => ({
  request: vi.fn(async (_socket: unknown, event: string) => {
    if (event === 'sfu:join') await new Promise<void>((resolve) => (joinAnswered = resolve));
    return { routerRtpCapabilities: {}, producers: [], dataProducers: [] };
  }),
}));
vi.mock('mediasoup-client', () => ({
  Device: class {
    rtpCapabilities = {};
    async load() {}
  },
}));
const made = { receivers: 0, chats: 0 };
vi.mock('./SfuConsumers', () => ({
  SfuConsumers: class {
    constructor() {
      made.receivers++;
    }
    add() {}
    close() {}
  },
}));
vi.mock('./SfuTransports', () => ({
  SfuTransports: class {
    send = {
      produceData: async () => {
        made.chats++;
        return { readyState: 'connecting', on: () => undefined };
      },
    };
    recv = {};
  },
}));

describe('SfuSession', () => {
  it('activated while its standby start is still joining: carries media once (one receiver, one chat channel)', async () => {
    const noop = () => undefined;
    const session = new SfuSession({
      standby: true,
      socket: {} as SignalingSocket,
      rtcConfig: {},
      tracks: { audio: null, video: null, screen: null },
      onPeerStream: noop,
      onPeerScreen: noop,
      onChatChannel: noop,
      onChatMessage: noop,
      onChatPeerOpen: noop,
      onLinkState: noop,
      onTransportFailed: noop,
    });
    const started = session.start();
    // The room moved to the SFU before the server answered the standby's join.
    session.activate();
    await vi.waitFor(() => expect(joinAnswered).not.toBeNull());
    joinAnswered?.();
    await started;
    await vi.waitFor(() => expect(made.chats).toBeGreaterThan(0));
    // The queued activation ran too, after the start.
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(session.idle).toBe(false);
    // A second receiver would orphan the first one's consumers (its tiles play, its stats are lost), a second chat producer doubles every line.
    expect(made).toEqual({ receivers: 1, chats: 1 });
  });
});
