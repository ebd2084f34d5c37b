import type { Redis } from 'ioredis';
import { defineScripts, type PeerInfo } from '@confer/shared';
import { roomSealSchema, type RoomSeal } from './RoomAccess.js';
import type { AddedPeer, RoomStore, SeatRefusal, SeatRules } from './RoomStore.js';

/**
 * Each script runs atomically in Redis: the capacity check and the seat, or the last leave and the room's
 * end, cannot interleave with another server's. Keys: the room's peers (hash peerId → PeerInfo JSON), its
 * seal, and the set of rooms with someone in them.
 */
const SCRIPTS = {
  /**
   * Seats the peer unless the room is full; creates the seal if there is none (unless ARGV[7] rooms exist), or
   * with ARGV[6] '1' refuses a room with a password. Returns [seal, others], or 'full', 'rooms' or 'locked'.
   */
  confer_add_peer: {
    numberOfKeys: 3,
    lua: `
      if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 'full' end
      local seal = redis.call('GET', KEYS[2])
      if seal then
        if ARGV[6] == '1' and cjson.decode(seal).lock ~= cjson.null then return 'locked' end
      else
        if ARGV[7] ~= '' and redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[7]) then return 'rooms' end
        seal = ARGV[4]
        redis.call('SET', KEYS[2], seal)
      end
      local others = redis.call('HVALS', KEYS[1])
      redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
      redis.call('SADD', KEYS[3], ARGV[5])
      return {seal, others}`,
  },
  /** Removes the peer; the last one out ends the room (its seal too). Returns how many remain. */
  confer_remove_peer: {
    numberOfKeys: 3,
    lua: `
      redis.call('HDEL', KEYS[1], ARGV[1])
      local left = redis.call('HLEN', KEYS[1])
      if left == 0 then
        redis.call('DEL', KEYS[2])
        redis.call('SREM', KEYS[3], ARGV[2])
      end
      return left`,
  },
  /** Merges the patch (JSON) into the peer's record if it is still seated. Returns the result or nil. */
  confer_update_peer: {
    numberOfKeys: 1,
    lua: `
      local current = redis.call('HGET', KEYS[1], ARGV[1])
      if not current then return false end
      local peer = cjson.decode(current)
      for k, v in pairs(cjson.decode(ARGV[2])) do peer[k] = v end
      local updated = cjson.encode(peer)
      redis.call('HSET', KEYS[1], ARGV[1], updated)
      return updated`,
  },
} as const;

/**
 * Room membership in Redis, shared by every server of a cluster. Redis itself keeps it across a server's
 * restart (with its append-only file), so no journal is needed here.
 */
export class RedisRoomStore implements RoomStore {
  private readonly scripts;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'confer:',
  ) {
    this.scripts = defineScripts(redis, SCRIPTS);
  }

  /** The set of rooms with someone in them. */
  private get roomsKey(): string {
    return `${this.prefix}rooms`;
  }

  private keys(roomId: string): [peers: string, seal: string, rooms: string] {
    return [`${this.prefix}room:${roomId}:peers`, `${this.prefix}room:${roomId}:seal`, this.roomsKey];
  }

  async addPeer(roomId: string, peer: PeerInfo, capacity: number, seal: RoomSeal, rules: SeatRules = {}): Promise<AddedPeer | SeatRefusal> {
    const reply = await this.scripts.confer_add_peer(...this.keys(roomId), peer.peerId, JSON.stringify(peer), capacity, JSON.stringify(seal), roomId, rules.unlockedOnly ? '1' : '0', rules.maxRooms ?? '');
    if (reply === 'full' || reply === 'locked' || reply === 'rooms') return reply;
    if (!Array.isArray(reply)) throw new Error(`unexpected reply from confer_add_peer: ${String(reply)}`);
    const [kept, others] = reply as [string, string[]];
    return { seal: roomSealSchema.parse(JSON.parse(kept)), others: others.map((o) => JSON.parse(o) as PeerInfo) };
  }

  async roomSeal(roomId: string): Promise<RoomSeal | null> {
    const seal = await this.redis.get(this.keys(roomId)[1]);
    return seal === null ? null : roomSealSchema.parse(JSON.parse(seal));
  }

  async retirePeer(peerId: string, untilMs: number): Promise<void> {
    // Redis forgets it when it no longer matters: memory is bounded by the joins of the last TTL.
    await this.redis.set(`${this.prefix}retired:${peerId}`, '1', 'PX', Math.max(1, untilMs - Date.now()));
  }

  async isRetired(peerId: string): Promise<boolean> {
    return (await this.redis.exists(`${this.prefix}retired:${peerId}`)) === 1;
  }

  async removePeer(roomId: string, peerId: string): Promise<number> {
    return Number(await this.scripts.confer_remove_peer(...this.keys(roomId), peerId, roomId));
  }

  async getPeer(roomId: string, peerId: string): Promise<PeerInfo | null> {
    const peer = await this.redis.hget(this.keys(roomId)[0], peerId);
    return peer === null ? null : (JSON.parse(peer) as PeerInfo);
  }

  async peers(roomId: string): Promise<PeerInfo[]> {
    return (await this.redis.hvals(this.keys(roomId)[0])).map((p) => JSON.parse(p) as PeerInfo);
  }

  async updatePeer(roomId: string, peerId: string, patch: Partial<Omit<PeerInfo, 'peerId'>>): Promise<PeerInfo | null> {
    const updated = await this.scripts.confer_update_peer(this.keys(roomId)[0], peerId, JSON.stringify(patch));
    return typeof updated === 'string' ? (JSON.parse(updated) as PeerInfo) : null;
  }

  async roomCount(): Promise<number> {
    return this.redis.scard(this.roomsKey);
  }

  async roomIds(): Promise<string[]> {
    return this.redis.smembers(this.roomsKey);
  }
}
