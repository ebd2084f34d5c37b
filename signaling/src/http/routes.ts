import { existsSync } from 'node:fs';
import sirv from 'sirv';
import type { ServerContext } from '../ServerContext.js';
import { sendJson, type Route } from './router.js';

/** Every HTTP endpoint and who may call it; anything else is the built client (clientFiles). */
export function routes(ctx: ServerContext, health: () => Promise<{ status: string }>): Route[] {
  const room = '([A-Za-z0-9_-]{1,64})';
  return [
    { path: /^\/healthz$/, access: 'public', handle: async (_, _req, res) => {
      const report = await health();
      sendJson(res, report.status === 'down' ? 503 : 200, report);
    } },
    { path: /^\/metrics$/, access: 'operator', handle: async (_, _req, res) => {
      const { contentType, body } = await ctx.metrics.render();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(body);
    } },
    { path: new RegExp(`^/api/rooms/${room}/topology$`), access: 'operator', handle: async ([roomId], _req, res) => {
      const history = await ctx.topology.history(roomId!);
      sendJson(res, history ? 200 : 404, history ?? { error: 'no such room' });
    } },
    { path: new RegExp(`^/api/rooms/${room}/sfu$`), access: 'operator', handle: async ([roomId], _req, res) => {
      const stats = await ctx.sfu.roomStats(roomId!);
      sendJson(res, stats ? 200 : 404, stats ?? { error: 'no SFU media in this room' });
    } },
    // Anything else under /api/ is no page of the client either.
    { path: /^\/api\//, access: 'operator', handle: (_, _req, res) => sendJson(res, 404, { error: 'no such endpoint' }) },
  ];
}

/** The built client (public), or a page saying how to build it. */
export function clientFiles(publicDir: string): Route['handle'] {
  const serve = existsSync(publicDir) ? sirv(publicDir, { single: true, etag: true }) : null;
  return (_, req, res) => {
    if (serve) return serve(req, res, () => void res.writeHead(404).end());
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end(`Client not built (${publicDir} missing): run 'npm run build'.\n`);
  };
}
