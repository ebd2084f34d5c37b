import type { MediaSource } from '@confer/shared';
import type { SfuRoomStats } from './Sfu.js';
import type { Room, WorkerSlot } from './sfuRooms.js';

/** One sample of what the SFU knows of a room: producers (layers, scores), consumers (layers), bitrates, the worker's CPU. */
export async function collectRoomStats(room: Room): Promise<SfuRoomStats> {
  const stats: SfuRoomStats = {
    producers: [],
    consumers: [],
    transports: 0,
    recvBitrate: 0,
    sendBitrate: 0,
    bytesReceived: 0,
    bytesSent: 0,
    dataProducers: 0,
    dataConsumers: 0,
    workerCpuPct: await workerCpu(room.slot),
  };
  // Objects can close while we await their stats (a peer leaving); they simply drop out of this sample.
  const statsOf = <T>(p: Promise<T[]>) => p.catch((): T[] => []);
  // Counted on the router itself, so a transport nobody tracks (a race gone wrong) shows up here.
  stats.transports = (await room.router.dump().catch(() => ({ transportIds: [] }))).transportIds.length;
  for (const [peerId, peer] of room.peers) {
    stats.dataProducers += peer.dataProducers.size;
    stats.dataConsumers += peer.dataConsumers.size;
    for (const transport of peer.transports.values()) {
      for (const s of await statsOf(transport.getStats())) {
        stats.recvBitrate += s.recvBitrate;
        stats.sendBitrate += s.sendBitrate;
        stats.bytesReceived += s.bytesReceived;
        stats.bytesSent += s.bytesSent;
      }
    }
    for (const producer of peer.producers.values()) {
      const streams = await statsOf(producer.getStats());
      stats.producers.push({
        producerId: producer.id,
        peerId,
        kind: producer.kind,
        source: producer.appData.source as MediaSource,
        layers: streams.filter((s) => s.packetCount > 0).length,
        activeLayers: streams.filter((s) => s.bitrate > 0).length,
        scores: producer.score.map((s) => s.score),
        bitrate: streams.reduce((sum, s) => sum + s.bitrate, 0),
      });
    }
    for (const consumer of peer.consumers.values()) {
      const outbound = (await statsOf(consumer.getStats())).filter((s) => s.type === 'outbound-rtp');
      stats.consumers.push({
        consumerId: consumer.id,
        peerId,
        producerId: consumer.producerId,
        kind: consumer.kind,
        paused: consumer.paused,
        preferredSpatialLayer: consumer.preferredLayers?.spatialLayer ?? null,
        spatialLayer: consumer.currentLayers?.spatialLayer ?? null,
        temporalLayer: consumer.currentLayers?.temporalLayer ?? null,
        score: consumer.score.score,
        producerScore: consumer.score.producerScore,
        bitrate: outbound.reduce((sum, s) => sum + s.bitrate, 0),
      });
    }
  }
  return stats;
}

/**
 * CPU of a worker process as % of one core since the previous reading (null on the first). Readings
 * closer together than a second reuse the last figure, so several callers do not make it noisy.
 */
async function workerCpu(slot: WorkerSlot): Promise<number | null> {
  const now = Date.now();
  if (now - slot.cpu.at < 1000) return slot.cpu.pct;
  const usage = await slot.worker.getResourceUsage().catch(() => null);
  if (!usage) return slot.cpu.pct;
  const usedMs = usage.ru_utime + usage.ru_stime;
  const first = slot.cpu.usedMs === 0 && slot.cpu.pct === null;
  const pct = first ? null : Math.max(0, Math.round(((usedMs - slot.cpu.usedMs) / (now - slot.cpu.at)) * 1000) / 10);
  slot.cpu = { at: now, usedMs, pct };
  return pct;
}

/** One room's stats from every media node it spans, as one (null when no node has it). */
export function mergeRoomStats(parts: (SfuRoomStats | null)[]): SfuRoomStats | null {
  const found = parts.filter((p) => p !== null);
  if (!found.length) return null;
  const sum = (pick: (s: SfuRoomStats) => number) => found.reduce((n, s) => n + pick(s), 0);
  const cpu = found.map((s) => s.workerCpuPct).filter((c) => c !== null);
  return {
    producers: found.flatMap((s) => s.producers),
    consumers: found.flatMap((s) => s.consumers),
    transports: sum((s) => s.transports),
    recvBitrate: sum((s) => s.recvBitrate),
    sendBitrate: sum((s) => s.sendBitrate),
    bytesReceived: sum((s) => s.bytesReceived),
    bytesSent: sum((s) => s.bytesSent),
    dataProducers: sum((s) => s.dataProducers),
    dataConsumers: sum((s) => s.dataConsumers),
    workerCpuPct: cpu.length ? Math.max(...cpu) : null,
  };
}
