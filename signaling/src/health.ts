import type { ComponentStatus, HealthReport } from '@confer/shared';
import type { ClusterView, ServerContext } from './ServerContext.js';

export const VERSION = '0.1.0';

const worst = (statuses: ComponentStatus[]): ComponentStatus =>
  statuses.includes('down') ? 'down' : statuses.includes('degraded') ? 'degraded' : 'ok';

/** GET /healthz: each component's status and the service's, which is its worst. */
export async function healthReport(ctx: ServerContext, startedAt: number): Promise<HealthReport> {
  const sfu = ctx.sfu.health();
  const turn = await ctx.turn.health();
  const signaling = { status: 'ok' as const, connections: ctx.io.engine.clientsCount, rooms: await ctx.rooms.roomCount() };
  // TURN being down degrades the service (direct and STUN paths still work); it never takes it down.
  const turnStatus: ComponentStatus = turn.status === 'down' ? 'degraded' : 'ok';
  const cluster = ctx.cluster && (await clusterHealth(ctx.cluster));
  // Without Redis no one can join, but the calls in progress keep their media: degraded, not down.
  const clusterStatus: ComponentStatus = cluster?.status === 'down' ? 'degraded' : 'ok';
  return {
    status: worst([signaling.status, sfu.status, turnStatus, clusterStatus]),
    version: VERSION,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    signaling,
    sfu,
    turn,
    cluster,
  };
}

async function clusterHealth(cluster: ClusterView): Promise<NonNullable<HealthReport['cluster']>> {
  const servers = await cluster.servers().catch(() => null);
  return { status: servers ? 'ok' : 'down', serverId: cluster.serverId, servers: servers ?? [] };
}
