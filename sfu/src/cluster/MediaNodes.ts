import type { Redis } from 'ioredis';
import { z } from 'zod';
import { defineScripts } from '@confer/shared';

/** A media node announces itself this often, and counts as gone after this long without. */
export const ANNOUNCE_MS = 2000;
export const GONE_AFTER_MS = 5000;

export const nodeLoadSchema = z.object({ peers: z.number(), rooms: z.number(), cpuPct: z.number().nullable() });
export type NodeLoad = z.infer<typeof nodeLoadSchema>;

/**
 * Keys: `media-nodes` (the set of node ids), `media-node:<id>` (its last load, expiring GONE_AFTER_MS after
 * its announcement), `sfu-placement` (a hash: room id → the node its router is on first, its home),
 * `sfu-room-nodes:<room>` (every node with a router of the room: more than the home once it is full),
 * `sfu-peer-nodes:<room>` (a hash: peer id → the node its SFU media is on).
 */
const SCRIPTS = {
  /**
   * The room's node: the one it is on if that node is alive, else ARGV[2] (the least-loaded, chosen by the
   * caller). Returns [node, 1 when the room was on a node that is gone, else 0].
   */
  confer_sfu_place: {
    numberOfKeys: 1,
    lua: `
      local node = redis.call('HGET', KEYS[1], ARGV[1])
      if node and redis.call('EXISTS', ARGV[3] .. 'media-node:' .. node) == 1 then return {node, 0} end
      redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
      return {ARGV[2], node and 1 or 0}`,
  },
  /** Forgets the room's placement if it is still on node ARGV[2]. */
  confer_sfu_release: {
    numberOfKeys: 1,
    lua: `
      if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) return 1 end
      return 0`,
  },
  /**
   * Rooms with a router on a node that is gone (their home or another): their placements are dropped, and
   * each such room is returned to one caller only.
   */
  confer_sfu_orphans: {
    numberOfKeys: 1,
    lua: `
      local function gone(node) return redis.call('EXISTS', ARGV[1] .. 'media-node:' .. node) == 0 end
      local orphans = {}
      local placed = redis.call('HGETALL', KEYS[1])
      for i = 1, #placed, 2 do
        local lost = gone(placed[i + 1])
        if not lost then
          for _, node in ipairs(redis.call('SMEMBERS', ARGV[1] .. 'sfu-room-nodes:' .. placed[i])) do
            if gone(node) then lost = true break end
          end
        end
        if lost then
          redis.call('HDEL', KEYS[1], placed[i])
          table.insert(orphans, placed[i])
        end
      end
      return orphans`,
  },
} as const;

/** The cluster's media nodes and which one each SFU room is on, in Redis. */
export class MediaNodes {
  private readonly scripts;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'confer:',
  ) {
    this.scripts = defineScripts(redis, SCRIPTS);
  }

  private get placementKey(): string {
    return `${this.prefix}sfu-placement`;
  }

  async announce(nodeId: string, load: NodeLoad): Promise<void> {
    await this.redis.multi().set(`${this.prefix}media-node:${nodeId}`, JSON.stringify(load), 'PX', GONE_AFTER_MS).sadd(`${this.prefix}media-nodes`, nodeId).exec();
  }

  /** A node that stops: it is gone at once, not after GONE_AFTER_MS. */
  async withdraw(nodeId: string): Promise<void> {
    await this.redis.multi().del(`${this.prefix}media-node:${nodeId}`).srem(`${this.prefix}media-nodes`, nodeId).exec();
  }

  /** The live media nodes and their load; the ids of gone ones are dropped from the set on the way. */
  async live(): Promise<Map<string, NodeLoad>> {
    const ids = await this.redis.smembers(`${this.prefix}media-nodes`);
    const loads = ids.length ? await this.redis.mget(ids.map((id) => `${this.prefix}media-node:${id}`)) : [];
    const live = new Map<string, NodeLoad>();
    const gone: string[] = [];
    ids.forEach((id, i) => {
      const load = nodeLoadSchema.safeParse(JSON.parse(loads[i] ?? 'null'));
      if (load.success) live.set(id, load.data);
      else gone.push(id);
    });
    if (gone.length) await this.redis.srem(`${this.prefix}media-nodes`, ...gone);
    return live;
  }

  /**
   * The room's home node, placing it on the least-loaded live node when it has none (or its node is gone);
   * with the live nodes, least loaded first, for peers that do not fit there.
   */
  async place(roomId: string): Promise<{ nodeId: string; moved: boolean; live: string[] } | null> {
    const current = await this.redis.hget(this.placementKey, roomId);
    const live = [...(await this.live())].sort(([, a], [, b]) => a.peers - b.peers || a.rooms - b.rooms).map(([id]) => id);
    if (current && live.includes(current)) return { nodeId: current, moved: false, live };
    if (!live[0]) return null;
    const [nodeId, moved] = (await this.scripts.confer_sfu_place(this.placementKey, roomId, live[0], this.prefix)) as [string, number];
    return { nodeId, moved: moved === 1, live };
  }

  private roomKeys(roomId: string): { nodes: string; peers: string } {
    return { nodes: `${this.prefix}sfu-room-nodes:${roomId}`, peers: `${this.prefix}sfu-peer-nodes:${roomId}` };
  }

  /** The nodes with a router of the room. */
  roomNodes(roomId: string): Promise<string[]> {
    return this.redis.smembers(this.roomKeys(roomId).nodes);
  }

  /** For each room: whether `nodeId` has a router of it, in one round trip. */
  async hasRouters(nodeId: string, roomIds: string[]): Promise<boolean[]> {
    if (!roomIds.length) return [];
    const pipeline = this.redis.pipeline();
    for (const roomId of roomIds) pipeline.sismember(this.roomKeys(roomId).nodes, nodeId);
    return ((await pipeline.exec()) ?? []).map(([error, member]) => !error && member === 1);
  }

  /** Before a node makes a router of the room: so that its look for stray routers keeps it. */
  async addRoomNode(roomId: string, nodeId: string): Promise<void> {
    await this.redis.sadd(this.roomKeys(roomId).nodes, nodeId);
  }

  peerNode(roomId: string, peerId: string): Promise<string | null> {
    return this.redis.hget(this.roomKeys(roomId).peers, peerId);
  }

  async setPeerNode(roomId: string, peerId: string, nodeId: string | null): Promise<void> {
    const key = this.roomKeys(roomId).peers;
    await (nodeId ? this.redis.hset(key, peerId, nodeId) : this.redis.hdel(key, peerId));
  }

  /** The room has no SFU media left anywhere: forgets its nodes and peers. */
  async forgetRoom(roomId: string): Promise<void> {
    const { nodes, peers } = this.roomKeys(roomId);
    await this.redis.del(nodes, peers);
  }

  placement(roomId: string): Promise<string | null> {
    return this.redis.hget(this.placementKey, roomId);
  }

  /** The nodes of these rooms (null: not placed), in one round trip. */
  async placements(roomIds: string[]): Promise<(string | null)[]> {
    return roomIds.length ? this.redis.hmget(this.placementKey, ...roomIds) : [];
  }

  async release(roomId: string, nodeId: string): Promise<void> {
    await this.scripts.confer_sfu_release(this.placementKey, roomId, nodeId);
  }

  /** Rooms whose node is gone, each handed to exactly one caller (who tells the room to set up its SFU media again). */
  async orphans(): Promise<string[]> {
    return (await this.scripts.confer_sfu_orphans(this.placementKey, this.prefix)) as string[];
  }
}
