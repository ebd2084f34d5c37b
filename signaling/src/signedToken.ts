import { createHmac, timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';

/**
 * Compact HS256 JSON Web Tokens (RFC 7519), the one algorithm we accept: embedding sites mint join
 * tokens with any JWT library, and our own resume tokens use the same format. `exp` (Unix seconds) is
 * required, so no token lives forever.
 */
const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

const mac = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest();

export function signToken(secret: string, claims: Record<string, unknown> & { exp: number }): string {
  const body = `${HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${body}.${mac(secret, body).toString('base64url')}`;
}

export type TokenResult<T> = { ok: true; claims: T } | { ok: false; reason: string };

/** Checks signature, algorithm, expiry (and not-before) and the claims' shape; never throws. */
export function verifyToken<S extends z.ZodType<{ exp: number }>>(secret: string, token: string, schema: S, nowMs = Date.now()): TokenResult<z.infer<S>> {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'not a JWT' };
  const [header, payload, signature] = parts as [string, string, string];
  const expected = mac(secret, `${header}.${payload}`);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad signature' };
  let decoded: { header: unknown; claims: unknown };
  try {
    decoded = { header: JSON.parse(Buffer.from(header, 'base64url').toString()), claims: JSON.parse(Buffer.from(payload, 'base64url').toString()) };
  } catch {
    return { ok: false, reason: 'not a JWT' };
  }
  // Signed with our secret yet not HS256 would be odd; refusing it keeps "alg" games impossible.
  if ((decoded.header as { alg?: unknown } | null)?.alg !== 'HS256') return { ok: false, reason: 'algorithm must be HS256' };
  const parsed = schema.safeParse(decoded.claims);
  if (!parsed.success) return { ok: false, reason: `claims: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}` };
  const claims = parsed.data as z.infer<S>;
  const now = nowMs / 1000;
  if (claims.exp <= now) return { ok: false, reason: 'expired' };
  const nbf = (claims as { nbf?: unknown }).nbf;
  if (typeof nbf === 'number' && nbf > now + 30) return { ok: false, reason: 'not valid yet' };
  return { ok: true, claims };
}
