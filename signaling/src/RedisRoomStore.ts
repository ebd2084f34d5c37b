import type { Redis } from 'ioredis';
import { defineScripts, type Knock, type PeerInfo, type RoomControls } from '@confer/shared';
import { roomSealSchema, type RoomSeal } from './RoomAccess.js';
import type { Retirement } from './StateJournal.js';
import { openControls, type AddedPeer, type RemovedPeer, type RoomStore, type SeatRefusal, type SeatRules } from './RoomStore.js';

/** A waiting room nobody cleared (its server died) is forgotten this long after its last knock. */
const WAITING_TTL_MS = 15 * 60_000;

/**
 * Lua shared by the scripts: the controls (KEYS[4] a JSON string, or none), and after a seat change a host
 * made when none is seated (the longest present; ties by peer id, as longestPresent in RoomStore.ts).
 */
const CONTROLS_LUA = `
  local function read_controls(key)
    local raw = redis.call('GET', key)
    if raw then return cjson.decode(raw) end
    return { hostId = cjson.null, locked = false }
  end
  local function seat_changed(peers_key, controls_key, controls, claimed, restoring)
    local host = controls.hostId
    local absent = host == cjson.null or (redis.call('HEXISTS', peers_key, host) == 0 and not restoring)
    local next_host = host
    if claimed then
      next_host = claimed
    elseif absent then
      local first = nil
      for _, raw in ipairs(redis.call('HVALS', peers_key)) do
        local p = cjson.decode(raw)
        if not first or p.joinedAt < first.joinedAt or (p.joinedAt == first.joinedAt and p.peerId < first.peerId) then first = p end
      end
      next_host = first and first.peerId or cjson.null
    end
    if next_host ~= host then
      controls.hostId = next_host
      redis.call('SET', controls_key, cjson.encode(controls))
    end
    return controls
  end`;

/**
 * Each script runs atomically in Redis: the capacity check and the seat, or the last leave and the room's
 * end, cannot interleave with another server's. Keys: the room's peers (hash peerId → PeerInfo JSON), its
 * seal, and the set of rooms with someone in them.
 */
const SCRIPTS = {
  /**
   * Seats the peer unless the room is full; creates the seal if there is none (unless ARGV[7] rooms exist), or
   * with ARGV[6] '1' refuses a room with a password; a newcomer of a locked room (or with rule k) waits
   * unless admitted (a) or claiming host (h), and a host is made if none is seated, to let them in. Makes a
   * host when none is seated (not while restoring, r).
   * Returns [seal, others, controls, host changed '1'/'0'], or 'full', 'rooms', 'locked' or 'knock'.
   */
  confer_add_peer: {
    numberOfKeys: 4,
    lua: `${CONTROLS_LUA}
      if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then return 'full' end
      local seal = redis.call('GET', KEYS[2])
      if seal then
        if ARGV[6] == '1' and cjson.decode(seal).lock ~= cjson.null then return 'locked' end
      else
        if ARGV[7] ~= '' and redis.call('SCARD', KEYS[3]) >= tonumber(ARGV[7]) then return 'rooms' end
      end
      local controls = read_controls(KEYS[4])
      local rules = ARGV[8]
      local let_in = string.find(rules, 'a', 1, true) or string.find(rules, 'h', 1, true)
      if redis.call('HLEN', KEYS[1]) > 0 and (controls.locked or string.find(rules, 'k', 1, true)) and not let_in then
        seat_changed(KEYS[1], KEYS[4], controls, nil, false)
        return 'knock'
      end
      if not seal then
        seal = ARGV[4]
        redis.call('SET', KEYS[2], seal)
      end
      local others = redis.call('HVALS', KEYS[1])
      redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
      redis.call('SADD', KEYS[3], ARGV[5])
      local claimed = nil
      if string.find(rules, 'h', 1, true) then claimed = ARGV[1] end
      local host_before = controls.hostId
      controls = seat_changed(KEYS[1], KEYS[4], controls, claimed, string.find(rules, 'r', 1, true) ~= nil)
      local changed = '0'
      if controls.hostId ~= host_before then changed = '1' end
      return {seal, others, cjson.encode(controls), changed}`,
  },
  /** Removes the peer; the last one out ends the room (its seal, controls and waiting room too). Returns [remaining, new host or '']. */
  confer_remove_peer: {
    numberOfKeys: 5,
    lua: `${CONTROLS_LUA}
      redis.call('HDEL', KEYS[1], ARGV[1])
      local left = redis.call('HLEN', KEYS[1])
      if left == 0 then
        redis.call('DEL', KEYS[2], KEYS[4], KEYS[5])
        redis.call('SREM', KEYS[3], ARGV[2])
        return {0, ''}
      end
      local controls = read_controls(KEYS[4])
      if controls.hostId ~= ARGV[1] then return {left, ''} end
      controls = seat_changed(KEYS[1], KEYS[4], controls, nil, false)
      if controls.hostId == cjson.null then return {left, ''} end
      return {left, controls.hostId}`,
  },
  /** Merges ARGV[2] (JSON) into the controls if ARGV[1] is the host (and a new hostId is seated). Returns them or nil. */
  confer_update_controls: {
    numberOfKeys: 2,
    lua: `
      local raw = redis.call('GET', KEYS[1])
      if not raw then return false end
      local controls = cjson.decode(raw)
      if controls.hostId ~= ARGV[1] then return false end
      local patch = cjson.decode(ARGV[2])
      if patch.hostId ~= nil and (patch.hostId == cjson.null or redis.call('HEXISTS', KEYS[2], patch.hostId) == 0) then return false end
      for k, v in pairs(patch) do controls[k] = v end
      local updated = cjson.encode(controls)
      redis.call('SET', KEYS[1], updated)
      return updated`,
  },
  /** Into the waiting room unless ARGV[3] others wait; returns everyone waiting, or 'full'. */
  confer_knock: {
    numberOfKeys: 1,
    lua: `
      if redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 'full' end
      redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
      redis.call('PEXPIRE', KEYS[1], ARGV[4])
      return redis.call('HVALS', KEYS[1])`,
  },
  /** Out of the waiting room: the entry, or nil. */
  confer_unknock: {
    numberOfKeys: 1,
    lua: `
      local knock = redis.call('HGET', KEYS[1], ARGV[1])
      if knock then redis.call('HDEL', KEYS[1], ARGV[1]) end
      return knock`,
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

/** cjson writes an empty Lua table as {} and a null as null: both read back as the controls' shape. */
const parseControls = (raw: string): RoomControls => {
  const { hostId, locked } = JSON.parse(raw) as Partial<RoomControls>;
  return { hostId: typeof hostId === 'string' ? hostId : null, locked: locked === true };
};
const oldestFirst = (raws: string[]): Knock[] => raws.map((k) => JSON.parse(k) as Knock).sort((a, b) => a.since - b.since);

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

  private controlsKey(roomId: string): string {
    return `${this.prefix}room:${roomId}:controls`;
  }

  private waitingKey(roomId: string): string {
    return `${this.prefix}room:${roomId}:waiting`;
  }

  async addPeer(roomId: string, peer: PeerInfo, capacity: number, seal: RoomSeal, rules: SeatRules = {}): Promise<AddedPeer | SeatRefusal> {
    // The rules as letters: knock, admitted, claims host, restoring.
    const flags = `${rules.knock ? 'k' : ''}${rules.admitted ? 'a' : ''}${rules.claimHost ? 'h' : ''}${rules.restoring ? 'r' : ''}`;
    const reply = await this.scripts.confer_add_peer(...this.keys(roomId), this.controlsKey(roomId), peer.peerId, JSON.stringify(peer), capacity, JSON.stringify(seal), roomId, rules.unlockedOnly ? '1' : '0', rules.maxRooms ?? '', flags);
    if (reply === 'full' || reply === 'locked' || reply === 'rooms' || reply === 'knock') return reply;
    if (!Array.isArray(reply)) throw new Error(`unexpected reply from confer_add_peer: ${String(reply)}`);
    const [kept, others, controls, changed] = reply as [string, string[], string, string];
    return { seal: roomSealSchema.parse(JSON.parse(kept)), others: others.map((o) => JSON.parse(o) as PeerInfo), controls: parseControls(controls), hostChanged: changed === '1' };
  }

  async roomSeal(roomId: string): Promise<RoomSeal | null> {
    const seal = await this.redis.get(this.keys(roomId)[1]);
    return seal === null ? null : roomSealSchema.parse(JSON.parse(seal));
  }

  async retirePeer(peerId: string, untilMs: number, why: Retirement['why'] = 'left'): Promise<void> {
    // Redis forgets it when it no longer matters: memory is bounded by the joins of the last TTL.
    // A removal is never softened by a leave that follows it (its connection closing on another server).
    const key = `${this.prefix}retired:${peerId}`;
    const ttl = Math.max(1, untilMs - Date.now());
    if (why === 'removed') await this.redis.set(key, why, 'PX', ttl);
    else await this.redis.set(key, why, 'PX', ttl, 'NX');
  }

  async retiredWhy(peerId: string): Promise<Retirement['why'] | null> {
    const why = await this.redis.get(`${this.prefix}retired:${peerId}`);
    // '1': written before the reason was kept.
    return why === null ? null : why === 'removed' ? 'removed' : 'left';
  }

  async removePeer(roomId: string, peerId: string): Promise<RemovedPeer> {
    const [remaining, newHost] = (await this.scripts.confer_remove_peer(...this.keys(roomId), this.controlsKey(roomId), this.waitingKey(roomId), peerId, roomId)) as [number, string];
    return { remaining: Number(remaining), newHost: newHost || null };
  }

  async controls(roomId: string): Promise<RoomControls> {
    const raw = await this.redis.get(this.controlsKey(roomId));
    return raw === null ? openControls : parseControls(raw);
  }

  async updateControls(roomId: string, byHost: string, patch: Partial<RoomControls>): Promise<RoomControls | null> {
    const updated = await this.scripts.confer_update_controls(this.controlsKey(roomId), this.keys(roomId)[0], byHost, JSON.stringify(patch));
    return typeof updated === 'string' ? parseControls(updated) : null;
  }

  async knock(roomId: string, knock: Knock, max: number): Promise<Knock[] | 'full'> {
    const reply = await this.scripts.confer_knock(this.waitingKey(roomId), knock.peerId, JSON.stringify(knock), max, WAITING_TTL_MS);
    return reply === 'full' ? 'full' : oldestFirst(reply as string[]);
  }

  async unknock(roomId: string, peerId: string): Promise<Knock | null> {
    const knock = await this.scripts.confer_unknock(this.waitingKey(roomId), peerId);
    return typeof knock === 'string' ? (JSON.parse(knock) as Knock) : null;
  }

  async waiting(roomId: string): Promise<Knock[]> {
    return oldestFirst(await this.redis.hvals(this.waitingKey(roomId)));
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
