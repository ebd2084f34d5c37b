import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { z } from 'zod';
import { displayNameSchema, peerIdSchema, roomIdSchema, type ProtocolError } from '@confer/shared';
import type { AccessConfig } from './config.js';
import { signToken, verifyToken } from './signedToken.js';

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/** A room's password, as kept: salted scrypt, never the password itself. */
export interface RoomLock {
  salt: string;
  hash: string;
}
const roomLockSchema = z.strictObject({ salt: z.string().max(64), hash: z.string().max(128) });

/** What an embedding site signs (HS256 with JOIN_TOKEN_SECRET). */
export const joinTokenClaimsSchema = z.object({
  room: roomIdSchema,
  name: displayNameSchema,
  exp: z.number(),
  nbf: z.number().optional(),
});

/**
 * What a resume token proves: this peer held a seat in this room. It also carries the room's lock, so a
 * restarted server that lost the room re-creates it protected as it was.
 */
const resumeClaimsSchema = z.object({ sub: peerIdSchema, room: roomIdSchema, lock: roomLockSchema.nullable(), exp: z.number() });
export type ResumeClaims = z.infer<typeof resumeClaimsSchema>;

/** A resume token outlives any call's reconnects; it is re-issued on every join and resume. */
const RESUME_TOKEN_TTL_S = 24 * 3600;

const refuse = (code: ProtocolError['code'], message: string) => ({ ok: false as const, error: { code, message } });

/**
 * Who may enter a room: room passwords, signed join tokens from an embedding site, and our own resume
 * tokens. Pure apart from crypto, so the rules are unit-tested without a server.
 */
export class RoomAccess {
  constructor(private readonly config: AccessConfig) {}

  async lock(password: string): Promise<RoomLock> {
    const salt = randomBytes(16);
    return { salt: salt.toString('base64url'), hash: (await scryptAsync(password, salt, 32)).toString('base64url') };
  }

  /**
   * Decides a fresh join: a valid join token admits (and names the participant); otherwise a protected
   * room needs its password. Resolves with the display name to use.
   */
  async admit(
    request: { roomId: string; displayName: string; password?: string; joinToken?: string },
    lock: RoomLock | null,
  ): Promise<{ ok: true; displayName: string } | { ok: false; error: ProtocolError }> {
    const { joinTokenSecret, joinTokensRequired } = this.config;
    if (request.joinToken !== undefined || joinTokensRequired) {
      if (!joinTokenSecret) return refuse('INVALID_TOKEN', 'this server does not accept join tokens (JOIN_TOKEN_SECRET is not set)');
      if (request.joinToken === undefined) return refuse('INVALID_TOKEN', 'this server admits only with a join token from the site that invited you');
      const token = verifyToken(joinTokenSecret, request.joinToken, joinTokenClaimsSchema);
      if (!token.ok) return refuse('INVALID_TOKEN', `join token refused: ${token.reason}`);
      if (token.claims.room !== request.roomId) return refuse('INVALID_TOKEN', `join token is for room ${token.claims.room}, not ${request.roomId}`);
      return { ok: true, displayName: token.claims.name };
    }
    if (lock) {
      if (request.password === undefined) return refuse('PASSWORD_REQUIRED', `room ${request.roomId} is protected: enter its password`);
      const given = await scryptAsync(request.password, Buffer.from(lock.salt, 'base64url'), 32);
      if (!timingSafeEqual(given, Buffer.from(lock.hash, 'base64url'))) return refuse('WRONG_PASSWORD', `wrong password for room ${request.roomId}`);
    }
    return { ok: true, displayName: request.displayName };
  }

  resumeToken(peerId: string, roomId: string, lock: RoomLock | null, nowMs = Date.now()): string {
    return signToken(this.config.sessionSecret, { sub: peerId, room: roomId, lock, exp: Math.floor(nowMs / 1000) + RESUME_TOKEN_TTL_S });
  }

  /** The claims of a valid resume token for this peer and room; null for anything else. */
  verifyResume(resume: { peerId: string; token: string }, roomId: string, nowMs = Date.now()): ResumeClaims | null {
    const result = verifyToken(this.config.sessionSecret, resume.token, resumeClaimsSchema, nowMs);
    return result.ok && result.claims.sub === resume.peerId && result.claims.room === roomId ? result.claims : null;
  }
}
