import { vi } from 'vitest';
import type { PeerInfo } from '@confer/shared';

/** A participant as the server describes it; `extra` overrides any field. */
export const peerInfo = (peerId: string, displayName = peerId, extra: Partial<PeerInfo> = {}): PeerInfo => ({
  peerId,
  displayName,
  audioMuted: false,
  videoMuted: false,
  screenSharing: false,
  handRaisedAt: null,
  joinedAt: 0,
  ...extra,
});

/** Every action the room's page gives its components, as spies. */
export const roomActions = () => ({
  setMicMuted: vi.fn(),
  setCameraOn: vi.fn(),
  leave: vi.fn(),
  selectDevice: vi.fn(),
  setFilter: vi.fn(),
  startShare: vi.fn(),
  stopShare: vi.fn(),
  sendChat: vi.fn(() => ({ ok: true as const })),
  setHandRaised: vi.fn(),
  react: vi.fn(),
  copyInvite: vi.fn(),
  setLocked: vi.fn(),
  endMeeting: vi.fn(),
  moderate: vi.fn(),
});
