import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@confer/shared';
import { bearerToken, tokenMatches } from '../operatorToken.js';

/**
 * Who may call an endpoint: anyone, or an operator (`Authorization: Bearer <OPERATOR_TOKEN>`). Operator
 * endpoints name rooms, so without OPERATOR_TOKEN set they are closed rather than open.
 */
export type Access = 'public' | 'operator';

export interface Route {
  /** Matched against the path without the query; groups are passed to the handler. */
  path: RegExp;
  access: Access;
  handle(params: string[], req: IncomingMessage, res: ServerResponse): Promise<void> | void;
}

export const sendJson = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
};

/**
 * Serves HTTP from one route table, the single statement of each endpoint's access rule. A handler's
 * error never escapes: the request is answered 500 and the error logged.
 */
export function routeHttp(routes: Route[], fallback: Route['handle'], operatorToken: string | null, log: Logger) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    try {
      for (const route of routes) {
        const match = route.path.exec(path);
        if (!match) continue;
        if (route.access === 'operator' && !tokenMatches(bearerToken(req.headers.authorization), operatorToken)) {
          const why = operatorToken ? 'needs the operator token: Authorization: Bearer <OPERATOR_TOKEN>' : 'is closed: this server has no OPERATOR_TOKEN set';
          res.writeHead(operatorToken ? 401 : 403, { 'content-type': 'text/plain', ...(operatorToken ? { 'www-authenticate': 'Bearer' } : {}) });
          res.end(`${path} ${why}\n`);
          return;
        }
        return await route.handle(match.slice(1), req, res);
      }
      return await fallback([], req, res);
    } catch (error) {
      log.error({ path, err: (error as Error).message }, 'HTTP request failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error\n');
    }
  };
}
