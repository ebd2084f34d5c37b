import { roomIdSchema } from '@confer/shared';

export type Route = { page: 'home' } | { page: 'dashboard' } | { page: 'room'; roomId: string } | { page: 'invalid-room'; name: string; reason: string };

/** `/` is the landing page, `/r/<room-name>` a room, `/dashboard` the operators' stats page. */
export function parseRoute(pathname: string): Route {
  if (/^\/dashboard\/?$/.test(pathname)) return { page: 'dashboard' };
  const match = /^\/r\/([^/]*)\/?$/.exec(pathname);
  if (!match) return { page: 'home' };
  const name = decodeURIComponent(match[1] ?? '');
  const valid = roomIdSchema.safeParse(name);
  return valid.success ? { page: 'room', roomId: name } : { page: 'invalid-room', name, reason: valid.error.issues[0]?.message ?? 'invalid room name' };
}

export const roomPath = (roomId: string) => `/r/${encodeURIComponent(roomId)}`;

/** Turns what a person types ("Team Sync!") into a valid room name ("team-sync"). */
export function slugifyRoomName(input: string): string {
  return input
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

const words = ['amber', 'brisk', 'cedar', 'delta', 'ember', 'fjord', 'gale', 'harbor', 'iris', 'juniper', 'koi', 'lumen', 'maple', 'nova', 'orbit', 'pine'];

/**
 * A new room's name: two words to say aloud, then 80 random bits (base32), so nobody finds a room by
 * guessing. Rooms without a password are as private as their link.
 */
export function randomRoomName(bytes: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n))): string {
  const random = bytes(12);
  const pick = (b: number) => words[b % words.length] ?? 'room';
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  const code = [...random.slice(2)].map((b) => alphabet[b % 32]).join('');
  return `${pick(random[0] ?? 0)}-${pick(random[1] ?? 0)}-${code}`;
}
