import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger, type Logger } from '@confer/shared';
import type { Sfu } from '@confer/sfu';
import type { RoomStore } from './RoomStore.js';
import type { RoomTopology } from './RoomTopology.js';
import { OUTLINE_DELAY_MS, StatsHub } from './StatsHub.js';
import { InMemoryStatsHistory } from './StatsHistory.js';
import { sample } from '../test-support/statsSamples.js';

/** A hub over stores that answer `read` (a room of these peers) or reject it (Redis unreachable). */
function hub(read: () => Promise<unknown>, log: Logger = silentLogger, watched = true) {
  const publish = vi.fn();
  const history = new InMemoryStatsHistory();
  const stats = new StatsHub({
    sfu: {} as Sfu,
    rooms: { peers: read, roomIds: read } as unknown as RoomStore,
    topology: { history: read } as unknown as RoomTopology,
    history,
    sfuSampledHere: async (ids) => ids,
    publish,
    watched: () => watched,
    onSample: vi.fn(),
    log,
    sfuIntervalMs: 60_000,
  });
  return { stats, publish, history };
}

afterEach(() => vi.useRealTimers());

describe('StatsHub', () => {
  it('a room change with the store unreachable is logged, never rejected (its callers do not wait); a burst of changes makes one outline', async () => {
    vi.useFakeTimers();
    const warn = vi.fn();
    const down = hub(() => Promise.reject(new Error('Connection is closed.')), { ...silentLogger, warn });
    const up = hub(async () => []);
    for (let i = 0; i < 4; i++) for (const { stats } of [down, up]) stats.roomChanged('r');
    await vi.advanceTimersByTimeAsync(OUTLINE_DELAY_MS);
    expect(up.publish).toHaveBeenCalledTimes(1);
    expect(up.publish).toHaveBeenCalledWith('r', expect.objectContaining({ type: 'room', participants: [] }));
    expect(down.publish).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ roomId: 'r', err: 'Connection is closed.' }), 'dashboard outline not updated');
    for (const { stats } of [down, up]) stats.close();
  });

  it('sends nothing for a room nobody watches, and still forgets who left it', async () => {
    vi.useFakeTimers();
    let peers = [{ peerId: 'a', displayName: 'A' }, { peerId: 'b', displayName: 'B' }];
    const read = vi.fn(async () => peers);
    const { stats, publish, history } = hub(read, silentLogger, false);
    await stats.report('r', 'a', [sample('a')]);
    await stats.report('r', 'b', [sample('b')]);
    stats.roomChanged('r');
    await vi.advanceTimersByTimeAsync(OUTLINE_DELAY_MS);
    // A join into an unwatched room: not even read.
    expect(read).not.toHaveBeenCalled();
    peers = [{ peerId: 'a', displayName: 'A' }];
    stats.roomChanged('r', true);
    await vi.advanceTimersByTimeAsync(OUTLINE_DELAY_MS);
    expect(Object.keys((await history.snapshot('r', ['a', 'b'])).samples)).toEqual(['a']);
    expect(publish).not.toHaveBeenCalled();
    stats.close();
  });
});
