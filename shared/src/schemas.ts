import { z } from 'zod';

/** Room ids appear in URLs and logs, so they are restricted to a URL-safe alphabet. */
export const roomIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'room name: 1-64 characters of A-Z, a-z, 0-9, _ or -');

export const displayNameSchema = z.string().trim().min(1, 'display name is empty').max(64, 'display name is longer than 64 characters');

export const peerIdSchema = z.uuid('peer id must be a UUID');

/** How a room carries media: a full mesh, or through the SFU. */
export const topologySchema = z.enum(['mesh', 'sfu']);

export const joinRequestSchema = z.strictObject({
  roomId: roomIdSchema,
  displayName: displayNameSchema,
  audioMuted: z.boolean().default(false),
  videoMuted: z.boolean().default(false),
  /**
   * Reclaims this peer's seat after a dropped connection or a server restart (from the previous
   * JoinResponse); `topology` is what the room used, so a restarted server re-creates it as it was.
   */
  resume: z
    .strictObject({ peerId: peerIdSchema, token: z.string().min(16).max(2048), topology: topologySchema.optional() })
    .optional(),
  /** Protects a room its first participant creates; required to enter a room created with one. */
  password: z.string().min(1, 'password is empty').max(128, 'password is longer than 128 characters').optional(),
  /** A signed join token (HS256 JWT with room, name, expiry) issued by the embedding site. */
  joinToken: z.string().min(16).max(2048).optional(),
  /** The host let this connection in (the ticket of its room:admission event); skips the waiting room. */
  admission: z.string().min(16).max(2048).optional(),
});
export type JoinRequest = z.input<typeof joinRequestSchema>;

/** Requests that carry nothing (room:leave, sfu:idle, sfu:leave, ice:refresh): any field is refused. */
export const emptyRequestSchema = z.strictObject({});
export type EmptyRequest = z.infer<typeof emptyRequestSchema>;

/** What a peer may change about itself; at least one field. */
export const peerUpdateSchema = z
  .strictObject({
    displayName: displayNameSchema.optional(),
    audioMuted: z.boolean().optional(),
    videoMuted: z.boolean().optional(),
    screenSharing: z.boolean().optional(),
    /** Raised hands are ordered by when they went up (the server's clock). */
    handRaised: z.boolean().optional(),
  })
  .refine((u) => Object.keys(u).length > 0, 'nothing to update');
export type PeerUpdate = z.infer<typeof peerUpdateSchema>;

/** SDPs of a 2-track connection are a few KB; the cap keeps one peer from flooding another. */
const MAX_SDP = 32 * 1024;

export const sessionDescriptionSchema = z.strictObject({
  type: z.enum(['offer', 'answer']),
  sdp: z.string().max(MAX_SDP),
});

export const iceCandidateSchema = z.strictObject({
  candidate: z.string().max(1024),
  sdpMid: z.string().max(64).nullable().optional(),
  sdpMLineIndex: z.number().int().min(0).max(255).nullable().optional(),
  usernameFragment: z.string().max(256).nullable().optional(),
});

/**
 * A peer-to-peer signal: an SDP description, a trickled ICE candidate (null = end of candidates), or
 * "I now receive your media via this path", which lets both sides of a pair close the old path only
 * once each of them shows the new one (make-before-break in both directions).
 */
export const signalSchema = z.union([
  z.strictObject({ description: sessionDescriptionSchema }),
  z.strictObject({ candidate: iceCandidateSchema.nullable() }),
  z.strictObject({ receiving: topologySchema }),
  // "Replace our connection with a fresh one, generation N" (ICE restarts did not bring it back); the
  // generation lets both sides replace it exactly once (client/src/mesh/MeshSession.ts).
  z.strictObject({ relink: z.number().int().min(1).max(1_000_000) }),
]);
export type Signal = z.infer<typeof signalSchema>;

export const signalRequestSchema = z.strictObject({
  to: peerIdSchema,
  signal: signalSchema,
});
export type SignalRequest = z.infer<typeof signalRequestSchema>;

// --- SFU (mediasoup) requests. mediasoup validates RTP parameters in depth; these schemas bound
// their shape and size so that nothing else reaches it.
const id = z.string().min(1).max(64);
const dtlsParametersSchema = z.strictObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z.array(z.strictObject({ algorithm: z.string().max(16), value: z.string().max(256) })).min(1).max(8),
});
const rtpParametersSchema = z.looseObject({
  codecs: z.array(z.looseObject({ mimeType: z.string().max(64) })).min(1).max(16),
  encodings: z.array(z.looseObject({})).max(4).optional(),
});

export const sfuConnectSchema = z.strictObject({ transportId: id, dtlsParameters: dtlsParametersSchema });
export type SfuConnectRequest = z.infer<typeof sfuConnectSchema>;
/** ICE restart of one of the sender's transports: new ICE credentials, same candidates and DTLS. */
export const sfuRestartIceSchema = z.strictObject({ transportId: id });
export type SfuRestartIceRequest = z.infer<typeof sfuRestartIceSchema>;
/** What a producer carries: the microphone, the camera, or a shared screen (its own track and encodings). */
export const mediaSourceSchema = z.enum(['mic', 'camera', 'screen']);
export type MediaSource = z.infer<typeof mediaSourceSchema>;

export const sfuJoinSchema = z.strictObject({
  /** The browser's SCTP capabilities, for the data channels that carry chat through the SFU. */
  sctpCapabilities: z.strictObject({ numStreams: z.strictObject({ OS: z.number().int().min(1).max(65535), MIS: z.number().int().min(1).max(65535) }) }).optional(),
});
export type SfuJoinRequest = z.infer<typeof sfuJoinSchema>;
export const sfuProduceSchema = z
  .strictObject({
    transportId: id,
    kind: z.enum(['audio', 'video']),
    source: mediaSourceSchema,
    rtpParameters: rtpParametersSchema,
  })
  .refine((r) => (r.kind === 'audio') === (r.source === 'mic'), 'source does not match kind (mic is audio; camera and screen are video)');
export type SfuProduceRequest = z.infer<typeof sfuProduceSchema>;
/** A receiver takes everything a full room sends (16 participants: 15 others' mic, camera and screen) in one request. */
export const MAX_CONSUMERS_PER_REQUEST = 48;
const consumerIds = z.array(id).min(1).max(MAX_CONSUMERS_PER_REQUEST);
/** Consumes several producers at once, so the browser sets them all up in one renegotiation. */
export const sfuConsumeSchema = z.strictObject({
  producerIds: consumerIds,
  rtpCapabilities: z.looseObject({ codecs: z.array(z.looseObject({})).max(64).optional() }),
});
export type SfuConsumeRequest = z.infer<typeof sfuConsumeSchema>;
export const sfuProducerSchema = z.strictObject({ producerId: id });
export type SfuProducerRequest = z.infer<typeof sfuProducerSchema>;
export const sfuConsumerSchema = z.strictObject({ consumerId: id });
export type SfuConsumerRequest = z.infer<typeof sfuConsumerSchema>;
export const sfuConsumersSchema = z.strictObject({ consumerIds });
export type SfuConsumersRequest = z.infer<typeof sfuConsumersSchema>;
export const sfuLayersSchema = z.strictObject({ consumerId: id, spatialLayer: z.number().int().min(0).max(2) });
export type SfuLayersRequest = z.infer<typeof sfuLayersSchema>;

export const sfuProduceDataSchema = z.strictObject({
  transportId: id,
  sctpStreamParameters: z.strictObject({
    streamId: z.number().int().min(0).max(65535),
    ordered: z.boolean().optional(),
    maxPacketLifeTime: z.number().int().min(0).optional(),
    maxRetransmits: z.number().int().min(0).optional(),
    label: z.string().max(64).optional(),
    protocol: z.string().max(64).optional(),
  }),
  label: z.string().max(64).optional(),
  protocol: z.string().max(64).optional(),
});
export type SfuProduceDataRequest = z.infer<typeof sfuProduceDataSchema>;
export const sfuConsumeDataSchema = z.strictObject({ dataProducerId: id });
export type SfuConsumeDataRequest = z.infer<typeof sfuConsumeDataSchema>;

export const switchedSchema = z.strictObject({ switchId: z.uuid() });
export type SwitchedRequest = z.infer<typeof switchedSchema>;

/** The reactions a participant can send; anything else is refused. */
export const reactionEmojis = ['👍', '👏', '😂', '❤️', '🎉', '😮'] as const;
export type ReactionEmoji = (typeof reactionEmojis)[number];
export const reactionSchema = z.strictObject({ emoji: z.enum(reactionEmojis) });
export type ReactionRequest = z.infer<typeof reactionSchema>;

/**
 * What the host may do to one participant (or one waiting to come in). There is no "unmute": a host can
 * silence someone, never make them heard.
 */
export const moderationActions = ['mute', 'stop-video', 'lower-hand', 'make-host', 'remove', 'admit', 'deny'] as const;
export type ModerationAction = (typeof moderationActions)[number];
export const moderateSchema = z.strictObject({ action: z.enum(moderationActions), peerId: peerIdSchema });
export type ModerateRequest = z.infer<typeof moderateSchema>;
/** Host: newcomers wait for admission while the room is locked. */
export const lockRequestSchema = z.strictObject({ locked: z.boolean() });
export type LockRequest = z.infer<typeof lockRequestSchema>;
