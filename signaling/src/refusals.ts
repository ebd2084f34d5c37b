import type { ErrorCode } from '@confer/shared';

/** A typed refusal, the answer of every request that cannot be done. */
export const refuse = (code: ErrorCode, message: string) => ({ ok: false as const, error: { code, message } });

export const notInRoom = refuse('NOT_IN_ROOM', 'not in a room: join one first');
export const shuttingDown = refuse('UNAVAILABLE', 'the server is restarting; your client retries in a moment');
/** A join whose connection closed while it awaited: it must not keep the seat it was about to take. */
export const closedMidJoin = refuse('UNAVAILABLE', 'the connection closed during the join');
export const statsForbidden = refuse('FORBIDDEN', 'only participants of a room, or an operator with the operator token, see its stats');
export const done = { ok: true as const, data: {} as Record<string, never> };
export const passwordRequired = (roomId: string) => refuse('PASSWORD_REQUIRED', `room ${roomId} is protected: enter its password`);
export const roomLimitReached = (maxRooms: number) => refuse('UNAVAILABLE', `this server holds its maximum of ${maxRooms} rooms; try again later`);
