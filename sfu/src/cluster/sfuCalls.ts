import { z } from 'zod';
import type { MediaNodeSfu } from '../MediasoupSfu.js';
import type { Sfu, SfuEvent } from '../Sfu.js';
import { SfuFullError, SfuRequestError } from '../Sfu.js';

/** The Sfu methods that concern one room (its id comes first): what a node asks of the room's media node. */
const ROOM_METHODS = [
  'joinPeer',
  'connectTransport',
  'restartIce',
  'produce',
  'closeProducer',
  'produceData',
  'consumeData',
  'consume',
  'resumeConsumers',
  'pauseConsumer',
  'setPreferredLayers',
  'idlePeer',
  'leavePeer',
  'closeRoom',
  'roomStats',
] as const satisfies readonly (keyof Sfu)[];
/** What only media nodes ask of each other: a room spanning nodes. */
const NODE_METHODS = [...ROOM_METHODS, 'roomMedia', 'pipeOut', 'unpipe'] as const satisfies readonly (keyof MediaNodeSfu)[];
export type RoomMethod = (typeof NODE_METHODS)[number];
export type RoomCall = { [M in RoomMethod]: { method: M; args: Parameters<MediaNodeSfu[M]> } }[RoomMethod];
export type RoomReply<M extends RoomMethod> = Awaited<ReturnType<MediaNodeSfu[M]>>;

/** Runs a call on a local SFU (the media node's side of the bus). */
export async function invoke(sfu: MediaNodeSfu, call: RoomCall): Promise<unknown> {
  const method = sfu[call.method] as (...args: unknown[]) => unknown;
  return method.apply(sfu, call.args);
}

/**
 * Bus messages come from the cluster's own servers, through its Redis: still checked, so that a bad one
 * (another version, a stray publisher) is dropped with a log line instead of throwing somewhere deep.
 */
export const requestSchema = z.object({
  id: z.string(),
  from: z.string(),
  method: z.enum(NODE_METHODS),
  args: z.array(z.unknown()).min(1),
});
export const replySchema = z.union([
  z.object({ id: z.string(), ok: z.literal(true), value: z.unknown() }),
  z.object({ id: z.string(), ok: z.literal(false), error: z.object({ refused: z.boolean(), full: z.boolean().optional(), message: z.string() }) }),
]);
export const eventSchema = z.object({ type: z.enum(['producer-closed', 'room-reset', 'active-speaker', 'audio-levels']), roomId: z.string() }).loose();

export type BusRequest = z.infer<typeof requestSchema>;
export type BusReply = z.infer<typeof replySchema>;

/** An error as it crosses the bus: the SFU's refusals stay refusals (MEDIA_ERROR for the client), the rest stay faults. */
export const errorReply = (id: string, error: unknown): BusReply => ({
  id,
  ok: false,
  error: { refused: error instanceof SfuRequestError, full: error instanceof SfuFullError, message: error instanceof Error ? error.message : String(error) },
});
export const replyError = (error: { refused: boolean; full?: boolean | undefined; message: string }): Error =>
  error.full ? new SfuFullError(error.message) : error.refused ? new SfuRequestError(error.message) : new Error(error.message);
export const asEvent = (value: unknown): SfuEvent | null => (eventSchema.safeParse(value).success ? (value as SfuEvent) : null);
