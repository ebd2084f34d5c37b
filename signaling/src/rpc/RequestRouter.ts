import {
  requestSchemas,
  validate,
  type Ack,
  type ErrorCode,
  type Logger,
  type ProtocolError,
  type ReplyData,
  type RequestEvent,
  type ValidRequest,
} from '@confer/shared';
import type { ConnectionBudget } from '../ConnectionBudget.js';

/** A request that takes this long (a starved worker, a slow store) is logged. */
export const SLOW_REQUEST_MS = 2000;

/** What the router needs of a socket: listen to events by name, and send the error of an ack-less request. */
export interface RpcSocket {
  onAny(listener: (event: unknown, ...args: unknown[]) => void): unknown;
  emit(event: 'server:error', error: ProtocolError & { event: string }): unknown;
}

/** One connection as its handlers see it; `log` changes when a resumed seat gives the socket another peer id. */
export interface Call<S> {
  socket: S;
  log: Logger;
  budget: ConnectionBudget;
}

export type Handler<E extends RequestEvent, S> = (request: ValidRequest<E>, call: Call<S>) => Promise<Ack<ReplyData<E>>>;

type AnyHandler<S> = (request: unknown, call: Call<S>) => Promise<Ack<unknown>>;

/**
 * Every request goes through one pipeline: budget → schema (shared/requests.ts) → handler → ack (or a
 * server:error event when the client gave no ack). A handler's exception is logged and answered INTERNAL;
 * it never reaches the process. Unknown event names are refused the same way and count against the budget.
 */
export class RequestRouter<S extends RpcSocket> {
  private readonly handlers = new Map<string, AnyHandler<S>>();
  private inFlight = 0;

  constructor(
    /** Each refusal's event and code (for /metrics). */
    private readonly onRefusal: (event: string, code: ErrorCode) => void,
    private readonly slowMs = SLOW_REQUEST_MS,
  ) {}

  on<E extends RequestEvent>(event: E, handler: Handler<E, S>): this {
    this.handlers.set(event, handler as AnyHandler<S>);
    return this;
  }

  /** Requests being handled now (shutdown waits for them; tests time a disconnect into one). */
  get requestsInFlight(): number {
    return this.inFlight;
  }

  /** Throws unless every event of the protocol has a handler: a request nobody answers would hang its client. */
  assertComplete(): void {
    const missing = Object.keys(requestSchemas).filter((event) => !this.handlers.has(event));
    if (missing.length > 0) throw new Error(`no handler for ${missing.join(', ')}`);
  }

  /** One listener per connection for every event (not one per event: thousands of connections each keep it). */
  attach(call: Call<S>): void {
    call.socket.onAny((name, ...args) => {
      const handler = typeof name === 'string' ? this.handlers.get(name) : undefined;
      if (handler) {
        // `emit(event, ack)` without a payload: the ack arrives first (the schema then sees no payload).
        const [first, second] = args;
        const [payload, ack] = typeof first === 'function' && second === undefined ? [undefined, first] : [first, second];
        void this.run(call, name as RequestEvent, handler, payload, this.replier(call, name as string, ack));
        return;
      }
      // Names are the sender's to choose: shown cut short, and a flood of them counts against its budget.
      const event = String(name).slice(0, 64);
      const over = call.budget.take('unknown');
      const error = over ? rateLimited(over) : { code: 'BAD_REQUEST' as const, message: `unknown event "${event}"` };
      if (!over && call.budget.mayLog()) call.log.warn({ event }, 'rejected unknown event');
      this.onRefusal('unknown', error.code);
      this.replier(call, event, args.at(-1))({ ok: false, error });
    });
  }

  private replier(call: Call<S>, event: string, ack: unknown): (response: Ack<unknown>) => void {
    return (response) => {
      if (!response.ok) this.onRefusal(event, response.error.code);
      if (typeof ack === 'function') (ack as (r: Ack<unknown>) => void)(response);
      else if (!response.ok) call.socket.emit('server:error', { ...response.error, event });
    };
  }

  private async run(call: Call<S>, event: RequestEvent, handler: AnyHandler<S>, payload: unknown, reply: (r: Ack<unknown>) => void): Promise<void> {
    const over = call.budget.take(event);
    if (over) return reply({ ok: false, error: rateLimited(over) });
    const request = validate(requestSchemas[event], payload);
    if (!request.ok) {
      if (call.budget.mayLog()) call.log.warn({ event, error: request.error.message }, 'rejected invalid request');
      return reply(request);
    }
    this.inFlight++;
    const started = Date.now();
    try {
      reply(await handler(request.value, call));
      const ms = Date.now() - started;
      if (ms > this.slowMs) call.log.warn({ event, ms }, 'slow request');
    } catch (error) {
      call.log.error({ event, err: (error as Error).message }, 'request handler failed');
      reply({ ok: false, error: { code: 'INTERNAL', message: 'internal error' } });
    } finally {
      this.inFlight--;
    }
  }
}

const rateLimited = (over: { limit: number; kind: string }) => ({
  code: 'RATE_LIMITED' as const,
  message: `at most ${over.limit} ${over.kind === 'total' || over.kind === 'unknown' ? 'requests' : `${over.kind} requests`} per 10 s; slow down`,
});
