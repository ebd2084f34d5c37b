import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '@confer/shared';
import type { Sfu } from '@confer/sfu';
import type { RoomStore } from './RoomStore.js';
import type { RoomTopology } from './RoomTopology.js';
import { StatsHub } from './StatsHub.js';
import { InMemoryStatsHistory } from './StatsHistory.js';

describe('StatsHub', () => {
  it('a room change with the store unreachable settles without rejecting (its callers do not wait), and is logged', async () => {
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
    await expect(hub.roomChanged('r')).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ roomId: 'r', err: 'Connection is closed.' }), 'dashboard outline not updated');
    hub.close();
  });
});
