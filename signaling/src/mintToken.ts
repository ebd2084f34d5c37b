import { displayNameSchema, roomIdSchema } from '@confer/shared';
import { signToken } from './signedToken.js';

/**
 * `npm run token -- <room> <name> [ttlSeconds]`: prints a join link fragment for an embedding site's
 * tests and for operators (JOIN_TOKEN_SECRET from the environment, never an argument: arguments end up
 * in shell history and process lists).
 */
const [room, name, ttl = '3600'] = process.argv.slice(2);
const secret = process.env.JOIN_TOKEN_SECRET;
const roomId = roomIdSchema.safeParse(room);
const displayName = displayNameSchema.safeParse(name);
const ttlSeconds = Number(ttl);
if (!secret || secret.length < 32 || !roomId.success || !displayName.success || !Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
  process.stderr.write('usage: JOIN_TOKEN_SECRET=<32+ characters> npm run token -- <room> <name> [ttlSeconds]\n');
  process.exit(2);
}
const token = signToken(secret, { room: roomId.data, name: displayName.data, exp: Math.floor(Date.now() / 1000) + ttlSeconds });
process.stdout.write(`/r/${encodeURIComponent(roomId.data)}#token=${token}\n`);
