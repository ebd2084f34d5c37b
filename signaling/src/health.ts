import type { ComponentStatus, HealthReport } from '@confer/shared';
import type { ServerContext } from './ServerContext.js';

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
  return {
    status: worst([signaling.status, sfu.status, turnStatus]),
    version: VERSION,
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    signaling,
    sfu,
    turn,
  };
}
