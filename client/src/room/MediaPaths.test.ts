import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Topology } from '@confer/shared';
import type { ChatService } from '../chat/ChatService';
import { backoffPolicy } from '../net/RetryPolicy';
import type { SignalingSocket } from '../signaling/SignalingClient';
import { STANDBY_SETUP_DELAY_MS } from '@confer/shared';
import { MediaPaths } from './MediaPaths';
import type { PathSwitcher } from './PathSwitcher';

/** SfuSession without WebRTC: what MediaPaths asked of each one. */
const sessions: { idle: boolean; closed: boolean; started: boolean }[] = [];
vi.mock('../sfu/SfuSession', () => ({
  SfuSession: class {
    idle: boolean;
    closed = false;
    started = false;
    constructor(o: { standby?: boolean }) {
      this.idle = o.standby ?? false;
      sessions.push(this);
    }
    async start() {
      this.started = true;
    }
    activate() {
      this.idle = false;
    }
    deactivate() {
      this.idle = true;
    }
    close() {
      this.closed = true;
    }
  },
}));

function paths() {
  const at = { topology: 'mesh' as Topology };
  const media = new MediaPaths({
    socket: { on: vi.fn(), off: vi.fn() } as unknown as SignalingSocket,
    selfId: () => 'me',
    rtcConfig: () => ({}),
    tracks: () => ({ audio: null, video: null, screen: null }),
    retry: { sfuSetup: backoffPolicy({ initialMs: 10, maxMs: 10 }), relink: backoffPolicy({ initialMs: 10, maxMs: 10 }) },
    paths: at as unknown as PathSwitcher<MediaStream>,
    chat: {} as ChatService,
    sendSignal: vi.fn(),
    setLink: vi.fn(),
    roster: () => [],
    videoMuted: () => false,
  });
  return { media, at };
}

describe('MediaPaths warm standby', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    sessions.length = 0;
  });
  afterEach(() => vi.useRealTimers());

  it('opens an idle SFU session on the mesh, uses it for the switch, keeps it (idle) back on the mesh, and closes it when the standby ends', async () => {
    const { media, at } = paths();
    media.setStandby(true);
    // Not at once: the mesh links being set up at that moment go first.
    expect(sessions).toHaveLength(0);
    vi.advanceTimersByTime(STANDBY_SETUP_DELAY_MS);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ idle: true, started: true });
    // An idle session is no SFU path: nothing would close it, nor show tiles through it.
    expect(media.sfuOpen).toBe(false);
    media.setStandby(true);
    expect(sessions).toHaveLength(1);

    // The room moves to the SFU: the standby session becomes the path, no second one is made.
    at.topology = 'sfu';
    await media.startSfu();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ idle: false, closed: false });
    expect(media.sfuOpen).toBe(true);
    // The server ends the standby while the room is on the SFU: the path stays.
    media.setStandby(false);
    media.setStandby(true);
    expect(sessions[0]!.closed).toBe(false);

    // Back on the mesh (PathSwitcher leaves the SFU path): the same session goes idle, nothing is rebuilt.
    at.topology = 'mesh';
    media.leaveSfu();
    expect(sessions[0]).toMatchObject({ idle: true, closed: false });
    expect(media.sfuOpen).toBe(false);
    media.syncStandby();
    vi.advanceTimersByTime(STANDBY_SETUP_DELAY_MS);
    expect(sessions).toHaveLength(1);

    // ...and carries the next switch again.
    at.topology = 'sfu';
    await media.startSfu();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.idle).toBe(false);
    at.topology = 'mesh';
    media.leaveSfu();

    // The standby ends: the idle session goes, and nothing is left open.
    media.setStandby(false);
    expect(sessions[0]!.closed).toBe(true);
    expect(media.sfuOpen).toBe(false);
    media.syncStandby();
    vi.advanceTimersByTime(STANDBY_SETUP_DELAY_MS);
    expect(sessions).toHaveLength(1);
  });

  it('leaving the SFU path without a standby wanted closes the session', async () => {
    const { media, at } = paths();
    at.topology = 'sfu';
    await media.startSfu();
    at.topology = 'mesh';
    media.leaveSfu();
    expect(sessions[0]!.closed).toBe(true);
    media.syncStandby();
    vi.advanceTimersByTime(STANDBY_SETUP_DELAY_MS);
    expect(sessions).toHaveLength(1);
  });

  it('a standby that ends, or a switch that comes, before the delay sets nothing up on the side', async () => {
    const { media, at } = paths();
    media.setStandby(true);
    media.setStandby(false);
    vi.advanceTimersByTime(STANDBY_SETUP_DELAY_MS);
    expect(sessions).toHaveLength(0);
    media.setStandby(true);
    at.topology = 'sfu';
    await media.startSfu();
    vi.advanceTimersByTime(STANDBY_SETUP_DELAY_MS);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.idle).toBe(false);
  });

  it('without a standby the mesh has no SFU session, and a switch makes one that carries media at once', async () => {
    const { media, at } = paths();
    media.syncStandby();
    expect(sessions).toHaveLength(0);
    at.topology = 'sfu';
    await media.startSfu();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.idle).toBe(false);
  });
});
