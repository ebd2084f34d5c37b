import { createHmac } from 'node:crypto';

export interface TurnCredentials {
  username: string;
  credential: string;
  /** Unix seconds. */
  expiresAt: number;
}

/**
 * TURN REST API credentials (coturn `use-auth-secret`): username `<expiry>:<user>`,
 * password base64(HMAC-SHA1(secret, username)). coturn refuses them once expiry has passed.
 */
export function createTurnCredentials(options: {
  secret: string;
  user: string;
  ttlSeconds: number;
  nowMs?: number;
}): TurnCredentials {
  const expiresAt = Math.floor((options.nowMs ?? Date.now()) / 1000) + options.ttlSeconds;
  // ':' separates expiry from user in the username, so it must not appear in the user part.
  const username = `${expiresAt}:${options.user.replaceAll(':', '_')}`;
  const credential = createHmac('sha1', options.secret).update(username).digest('base64');
  return { username, credential, expiresAt };
}
