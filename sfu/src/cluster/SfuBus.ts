import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '@confer/shared';
import type { SfuEvent } from '../Sfu.js';
import { SfuRequestError } from '../Sfu.js';
import { asEvent, errorReply, replyError, replySchema, requestSchema, type BusReply, type BusRequest, type RoomCall } from './sfuCalls.js';

/** A media node that does not answer within this long is taken as unable to: the caller's client asks again. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Request/reply between the cluster's nodes, and the SFU events every node hears, over Redis pub/sub:
 * `sfu:req:<node>` carries calls to a media node, `sfu:rep:<node>` the answers back to the asker,
 * `sfu:events` what media nodes report. Pub/sub keeps no backlog: a message published while Redis is
 * away is lost, so a request then times out and the client's retry asks again.
 */
export class SfuBus {
  private readonly pending = new Map<string, { resolve(value: unknown): void; reject(error: Error): void; timer: NodeJS.Timeout }>();
  private readonly listeners: ((event: SfuEvent) => void)[] = [];
  private handler: ((call: RoomCall) => Promise<unknown>) | null = null;

  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    readonly nodeId: string,
    private readonly prefix: string,
    private readonly log: Logger,
  ) {
    sub.on('message', (channel: string, message: string) => this.received(channel, message));
  }

  static async open(redis: Redis, nodeId: string, log: Logger, prefix = 'confer:'): Promise<SfuBus> {
    const bus = new SfuBus(redis, redis.duplicate(), nodeId, prefix, log);
    await bus.sub.subscribe(bus.channel('req', nodeId), bus.channel('rep', nodeId), `${prefix}sfu:events`);
    return bus;
  }

  private channel(kind: 'req' | 'rep', nodeId: string): string {
    return `${this.prefix}sfu:${kind}:${nodeId}`;
  }

  /** This node is a media node: calls addressed to it run here. */
  serve(handler: (call: RoomCall) => Promise<unknown>): void {
    this.handler = handler;
  }

  request(nodeId: string, call: RoomCall): Promise<unknown> {
    const id = randomUUID();
    const message: BusRequest = { id, from: this.nodeId, method: call.method, args: call.args };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SfuRequestError(`media node ${nodeId} did not answer ${call.method} within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      this.pub.publish(this.channel('req', nodeId), JSON.stringify(message)).catch((error: Error) => {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new SfuRequestError(`media node ${nodeId} cannot be reached: ${error.message}`));
      });
    });
  }

  publishEvent(event: SfuEvent): void {
    this.pub.publish(`${this.prefix}sfu:events`, JSON.stringify(event)).catch((error: Error) => this.log.warn({ err: error.message, roomId: event.roomId }, 'SFU event not published'));
  }

  onEvent(listener: (event: SfuEvent) => void): void {
    this.listeners.push(listener);
  }

  private received(channel: string, message: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      parsed = undefined;
    }
    if (channel === this.channel('req', this.nodeId)) this.answer(parsed);
    else if (channel === this.channel('rep', this.nodeId)) this.settle(parsed);
    else {
      const event = asEvent(parsed);
      if (event) for (const listener of this.listeners) listener(event);
      else this.log.warn({ channel }, 'malformed SFU event dropped');
    }
  }

  private answer(parsed: unknown): void {
    const request = requestSchema.safeParse(parsed);
    if (!request.success) return this.log.warn({ err: request.error.message }, 'malformed SFU request dropped');
    const { id, from, method, args } = request.data;
    const handler = this.handler;
    const run = handler ? handler({ method, args } as RoomCall) : Promise.reject(new SfuRequestError(`node ${this.nodeId} runs no SFU`));
    run
      .then((value): BusReply => ({ id, ok: true, value: value ?? null }), (error: unknown) => errorReply(id, error))
      .then((reply) => this.pub.publish(this.channel('rep', from), JSON.stringify(reply)))
      .catch((error: Error) => this.log.warn({ err: error.message, method }, 'SFU reply not published'));
  }

  private settle(parsed: unknown): void {
    const reply = replySchema.safeParse(parsed);
    if (!reply.success) return this.log.warn({ err: reply.error.message }, 'malformed SFU reply dropped');
    const waiting = this.pending.get(reply.data.id);
    if (!waiting) return; // timed out already
    this.pending.delete(reply.data.id);
    clearTimeout(waiting.timer);
    if (reply.data.ok) waiting.resolve(reply.data.value);
    else waiting.reject(replyError(reply.data.error));
  }

  async close(): Promise<void> {
    for (const { reject, timer } of this.pending.values()) {
      clearTimeout(timer);
      reject(new SfuRequestError('this node is shutting down'));
    }
    this.pending.clear();
    this.sub.disconnect();
  }
}
