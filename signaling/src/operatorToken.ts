import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Whether `given` is the operator token, in constant time. Both sides are hashed first, so the comparison
 * is always of 32 bytes: comparing the raw strings needs equal byte lengths, and a header of multi-byte
 * characters with the right character count made timingSafeEqual throw.
 */
export function tokenMatches(given: string | undefined, expected: string | null): boolean {
  if (!expected || given === undefined) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header, if it has that form. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  return match?.[1];
}
