import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '@confer/shared';
import type { Sfu } from '@confer/sfu';
import type { RoomStore } from './RoomStore.js';
import type { RoomTopology } from './RoomTopology.js';
import { OUTLINE_DELAY_MS, StatsHub } from './StatsHub.js';
import { InMemoryStatsHistory } from './StatsHistory.js';

describe('StatsHub', () => {
  it('a room change with the store unreachable is logged, never rejected (its callers do not wait); a burst of changes makes one outline', async () => {
    vi.useFakeTimers();
    const down = () => Promise.reject(new Error('Connection is closed.'));
    const warn = vi.fn();
    const hub = new StatsHub({
      sfu: {} as Sfu,
      rooms: { peers: down, roomIds: down } as unknown as RoomStore,
      topology: { history: down } as unknown as RoomTopology,
      history: new InMemoryStatsHistory(),
      sfuSampledHere: async (ids) => ids,
      publish: vi.fn(),
      onSample: vi.fn(),
      log: { ...silentLogger, warn },
      sfuIntervalMs: 60_000,
    });
    const publish = vi.fn();
    const working = new StatsHub({
      sfu: {} as Sfu,
      rooms: { peers: async () => [], roomIds: async () => [] } as unknown as RoomStore,
      topology: { history: async () => null } as unknown as RoomTopology,
      history: new InMemoryStatsHistory(),
      sfuSampledHere: async (ids) => ids,
      publish,
      onSample: vi.fn(),
      log: silentLogger,
      sfuIntervalMs: 60_000,
    });
    for (let i = 0; i < 4; i++) {
      hub.roomChanged('r');
      working.roomChanged('r');
    }
    await vi.advanceTimersByTimeAsync(OUTLINE_DELAY_MS);
    expect(publish).toHaveBeenCalledTimes(1);
    expect(publish).toHaveBeenCalledWith('r', expect.objectContaining({ type: 'room', participants: [] }));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ roomId: 'r', err: 'Connection is closed.' }), 'dashboard outline not updated');
    hub.close();
    working.close();
    vi.useRealTimers();
  });
});
