import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { z } from 'zod';
import { displayNameSchema, peerIdSchema, roomIdSchema, type ProtocolError } from '@confer/shared';
import { passwordRequired, refuse } from './refusals.js';
import type { AccessConfig } from './config.js';
import { InMemoryPasswordTries, type PasswordTries, type TryLimits } from './PasswordTries.js';
import { Semaphore } from './Semaphore.js';
import { signToken, verifyToken } from './signedToken.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/** A room's password, as kept: salted scrypt, never the password itself. */
export interface RoomLock {
  salt: string;
  hash: string;
}
const roomLockSchema = z.strictObject({ salt: z.string().max(64), hash: z.string().max(128) });

/**
 * One life of a room: a random epoch made when its first peer creates it, and its password lock. A room
 * emptied and created again (perhaps with another password) has a new epoch, so old resume tokens no
 * longer fit it.
 */
export interface RoomSeal {
  epoch: string;
  lock: RoomLock | null;
}
export const roomSealSchema = z.strictObject({ epoch: z.string().min(16).max(32), lock: roomLockSchema.nullable() });

/** What an embedding site signs (HS256 with JOIN_TOKEN_SECRET). */
export const joinTokenClaimsSchema = z.object({
  room: roomIdSchema,
  name: displayNameSchema,
  exp: z.number(),
  nbf: z.number().optional(),
  /** "host": the holder runs the room (takes the role over from whoever has it). */
  role: z.enum(['host', 'participant']).optional(),
});

/**
 * What a resume token proves: this peer held a seat in this life (epoch) of this room. Nothing secret:
 * the token is readable by its holder, so the room's lock stays on the server.
 */
const resumeClaimsSchema = z.object({
  sub: peerIdSchema,
  room: roomIdSchema,
  epoch: roomSealSchema.shape.epoch,
  /** The name a join token gave, which stays fixed through resumes. */
  name: displayNameSchema.optional(),
  exp: z.number(),
});
export type ResumeClaims = z.infer<typeof resumeClaimsSchema>;

/** A resume token outlives any call's reconnects; it is re-issued on every join and resume. */
const RESUME_TOKEN_TTL_S = 24 * 3600;

/** What the host's "Admit" gives one waiting connection: entry into this room, once, soon. */
const admissionClaimsSchema = z.strictObject({ sub: peerIdSchema, room: roomIdSchema, admitted: z.literal(true), exp: z.number() });
const ADMISSION_TTL_S = 120;

/** Every scrypt slot and wait place is taken (PASSWORD_LIMITS): for a check of a password and for locking a new room alike. */
export const passwordsBusy = refuse('UNAVAILABLE', 'the server is busy checking passwords: try again in a moment');

/**
 * Password guessing, bounded from every side: tries per client address, tries per room from all addresses
 * together (counted before hashing, so concurrent guesses cannot slip past; a room under attack refuses tries
 * for the rest of the minute, its members' included), and scrypt runs at once (the thread pool is shared
 * with everything else; more waiting than this are refused).
 */
export const PASSWORD_LIMITS = { triesPerAddressPerMinute: 10, triesPerRoomPerMinute: 30, concurrentHashes: 2, waitingHashes: 64 } as const;
/** The try budgets as a PasswordTries store keeps them (in memory, or in Redis for a cluster). */
export const TRY_LIMITS: TryLimits = { perAddress: PASSWORD_LIMITS.triesPerAddressPerMinute, perRoom: PASSWORD_LIMITS.triesPerRoomPerMinute, windowMs: 60_000 };

/**
 * Who may enter a room: room passwords, signed join tokens from an embedding site, and our own resume
 * tokens. Pure apart from crypto, so the rules are unit-tested without a server.
 */
export class RoomAccess {
  private readonly hashing = new Semaphore(PASSWORD_LIMITS.concurrentHashes, PASSWORD_LIMITS.waitingHashes);

  constructor(
    private readonly config: AccessConfig,
    private readonly tries: PasswordTries = new InMemoryPasswordTries(TRY_LIMITS),
  ) {}

  /** The seal of a room created now, locked with `password` if given; null when the server is too busy hashing passwords to take one more. */
  async seal(password?: string): Promise<RoomSeal | null> {
    const epoch = randomBytes(12).toString('base64url');
    if (password === undefined) return { epoch, lock: null };
    const salt = randomBytes(16);
    const hash = await this.hashing.run(() => scryptAsync(password, salt, 32));
    return hash && { epoch, lock: { salt: salt.toString('base64url'), hash: hash.toString('base64url') } };
  }

  /**
   * Decides a fresh join: a valid join token admits (and names the participant); otherwise a protected
   * room needs its password. Resolves with the display name to use.
   */
  async admit(
    request: { roomId: string; displayName: string; password?: string; joinToken?: string },
    lock: RoomLock | null,
    /** Where the request comes from (clientAddress.ts), for the per-address password budget. */
    address: string,
  ): Promise<{ ok: true; displayName: string; fixedName?: string; host?: true } | { ok: false; error: ProtocolError }> {
    const { joinTokenSecret, joinTokensRequired } = this.config;
    if (request.joinToken !== undefined || joinTokensRequired) {
      if (!joinTokenSecret) return refuse('INVALID_TOKEN', 'this server does not accept join tokens (JOIN_TOKEN_SECRET is not set)');
      if (request.joinToken === undefined) return refuse('INVALID_TOKEN', 'this server admits only with a join token from the site that invited you');
      const token = verifyToken(joinTokenSecret, request.joinToken, joinTokenClaimsSchema);
      if (!token.ok) return refuse('INVALID_TOKEN', `join token refused: ${token.reason}`);
      if (token.claims.room !== request.roomId) return refuse('INVALID_TOKEN', `join token is for room ${token.claims.room}, not ${request.roomId}`);
      return { ok: true, displayName: token.claims.name, fixedName: token.claims.name, ...(token.claims.role === 'host' ? { host: true as const } : {}) };
    }
    if (lock) {
      if (request.password === undefined) return passwordRequired(request.roomId);
      const refused = await this.tries.take(address, request.roomId);
      if (refused === 'address') return refuse('RATE_LIMITED', `at most ${PASSWORD_LIMITS.triesPerAddressPerMinute} password tries per minute from one address`);
      if (refused === 'room') return refuse('RATE_LIMITED', `too many password tries for room ${request.roomId}: try again in a minute`);
      const { password } = request;
      const given = await this.hashing.run(() => scryptAsync(password, Buffer.from(lock.salt, 'base64url'), 32));
      if (!given) return passwordsBusy;
      if (!timingSafeEqual(given, Buffer.from(lock.hash, 'base64url'))) return refuse('WRONG_PASSWORD', `wrong password for room ${request.roomId}`);
    }
    return { ok: true, displayName: request.displayName };
  }

  resumeToken(peerId: string, roomId: string, seal: RoomSeal, fixedName?: string, nowMs = Date.now()): string {
    const exp = Math.floor(nowMs / 1000) + RESUME_TOKEN_TTL_S;
    return signToken(this.config.sessionSecret, { sub: peerId, room: roomId, epoch: seal.epoch, ...(fixedName === undefined ? {} : { name: fixedName }), exp });
  }

  admissionTicket(peerId: string, roomId: string, nowMs = Date.now()): string {
    return signToken(this.config.sessionSecret, { sub: peerId, room: roomId, admitted: true, exp: Math.floor(nowMs / 1000) + ADMISSION_TTL_S });
  }

  /** Whether `ticket` is the host's admission of this connection (peer id) into this room. */
  verifyAdmission(ticket: string, roomId: string, peerId: string, nowMs = Date.now()): boolean {
    const result = verifyToken(this.config.sessionSecret, ticket, admissionClaimsSchema, nowMs);
    return result.ok && result.claims.sub === peerId && result.claims.room === roomId;
  }

  /** The claims of a valid resume token for this peer and room; null for anything else. */
  verifyResume(resume: { peerId: string; token: string }, roomId: string, nowMs = Date.now()): ResumeClaims | null {
    const result = verifyToken(this.config.sessionSecret, resume.token, resumeClaimsSchema, nowMs);
    return result.ok && result.claims.sub === resume.peerId && result.claims.room === roomId ? result.claims : null;
  }
}
