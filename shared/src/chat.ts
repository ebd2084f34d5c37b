import { z } from 'zod';
import { displayNameSchema, peerIdSchema } from './schemas.js';

/**
 * Chat travels between browsers over data channels (peer to peer in mesh, through the SFU's SCTP
 * otherwise), never through signaling. Every packet is validated on arrival like a signaling message.
 */

/** Longest message a user may send, in characters. */
export const MAX_CHAT_CHARS = 2000;
/** Chat messages one participant may send per 10 s; receivers drop a sender's excess (chat never passes the server). */
export const MAX_CHAT_PER_10S = 20;
/** History kept and handed to late joiners: the last this-many messages... */
export const CHAT_HISTORY_MESSAGES = 100;
/** ...that are at most this old. */
export const CHAT_HISTORY_MS = 60 * 60 * 1000;
/** Messages per history packet, so one packet stays far below SCTP's message size limit. */
export const CHAT_HISTORY_BATCH = 20;

export const chatMessageSchema = z.strictObject({
  id: z.uuid(),
  from: peerIdSchema,
  name: displayNameSchema,
  /** Sender's clock, Unix ms; never decreases for one sender. */
  at: z.number().int().nonnegative(),
  /** Sender's running count, for per-sender order when two messages share a millisecond. */
  seq: z.number().int().nonnegative(),
  text: z.string().trim().min(1, 'message is empty').max(MAX_CHAT_CHARS, `message is longer than ${MAX_CHAT_CHARS} characters`),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const chatPacketSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('message'), message: chatMessageSchema }),
  /**
   * "Send me what I lack": on every new channel and after a topology switch (each repeated, as the other
   * side may not hear us yet). `have` maps each sender to the highest count up to which we hold all of
   * its messages; the answer holds only messages beyond it.
   */
  z.strictObject({
    type: z.literal('history-request'),
    from: peerIdSchema,
    have: z.record(peerIdSchema, z.number().int().min(-1)).refine((h) => Object.keys(h).length <= 256, 'too many senders'),
  }),
  /** An answer to one requester (through the SFU everyone sees it; others ignore it). */
  z.strictObject({ type: z.literal('history'), to: peerIdSchema, messages: z.array(chatMessageSchema).max(CHAT_HISTORY_BATCH) }),
]);
export type ChatPacket = z.infer<typeof chatPacketSchema>;
