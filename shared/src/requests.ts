import type { z } from 'zod';
import type { Ack } from './errors.js';
import type { ClientToServerEvents } from './protocol.js';
import {
  joinRequestSchema,
  lockRequestSchema,
  moderateSchema,
  reactionSchema,
  emptyRequestSchema,
  peerUpdateSchema,
  sfuConnectSchema,
  sfuConsumeDataSchema,
  sfuConsumerSchema,
  sfuConsumersSchema,
  sfuConsumeSchema,
  sfuJoinSchema,
  sfuLayersSchema,
  sfuProduceDataSchema,
  sfuProducerSchema,
  sfuProduceSchema,
  sfuRestartIceSchema,
  signalRequestSchema,
  switchedSchema,
} from './schemas.js';
import { statsReportSchema, statsRoomsSchema, statsSubscribeSchema, statsUnsubscribeSchema } from './stats.js';

export type RequestEvent = keyof ClientToServerEvents;
/** What the client sends with `event` (before the schema's defaults apply). */
export type RequestPayload<E extends RequestEvent> = Parameters<ClientToServerEvents[E]>[0];
/** What the server answers `event` with when it succeeds. */
export type ReplyData<E extends RequestEvent> = Parameters<ClientToServerEvents[E]>[1] extends (response: Ack<infer T>) => void ? T : never;

/**
 * The one event → schema table: the server validates every request with it, the fuzzer uses it as its
 * oracle. The mapped type makes an event without a schema (or a schema that accepts another shape than
 * the event map says) a compile error.
 */
export const requestSchemas = {
  'room:join': joinRequestSchema,
  'room:leave': emptyRequestSchema,
  'peer:update': peerUpdateSchema,
  'signal:send': signalRequestSchema,
  'sfu:join': sfuJoinSchema,
  'sfu:connect': sfuConnectSchema,
  'sfu:restart-ice': sfuRestartIceSchema,
  'sfu:produce': sfuProduceSchema,
  'sfu:close-producer': sfuProducerSchema,
  'sfu:produce-data': sfuProduceDataSchema,
  'sfu:consume-data': sfuConsumeDataSchema,
  'sfu:consume': sfuConsumeSchema,
  'sfu:resume': sfuConsumersSchema,
  'sfu:pause': sfuConsumerSchema,
  'sfu:layers': sfuLayersSchema,
  'sfu:idle': emptyRequestSchema,
  'sfu:leave': emptyRequestSchema,
  'ice:refresh': emptyRequestSchema,
  'topology:switched': switchedSchema,
  'stats:report': statsReportSchema,
  'stats:subscribe': statsSubscribeSchema,
  'stats:unsubscribe': statsUnsubscribeSchema,
  'stats:rooms': statsRoomsSchema,
  'room:react': reactionSchema,
  'room:moderate': moderateSchema,
  'room:lock': lockRequestSchema,
  'room:end': emptyRequestSchema,
} as const satisfies { [E in RequestEvent]: z.ZodType<unknown, RequestPayload<E>> };

/** A request as the handler sees it: validated, with the schema's defaults applied. */
export type ValidRequest<E extends RequestEvent> = z.output<(typeof requestSchemas)[E]>;
