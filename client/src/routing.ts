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

export function randomRoomName(random: () => number = Math.random): string {
  const pick = () => words[Math.floor(random() * words.length)] ?? 'room';
  return `${pick()}-${pick()}-${Math.floor(random() * 900 + 100)}`;
}
