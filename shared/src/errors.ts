/** Typed errors every signaling request can answer with. */
export const errorCodes = [
  'BAD_REQUEST',
  'NOT_IN_ROOM',
  'ALREADY_IN_ROOM',
  'ROOM_FULL',
  'PEER_NOT_FOUND',
  /** The SFU refused or failed a media request (bad RTP parameters, unknown transport, ...). */
  'MEDIA_ERROR',
  /** Too many requests of this kind from this connection; retry later. */
  'RATE_LIMITED',
  /** Not allowed to see this (another room's stats without the operator token). */
  'FORBIDDEN',
  /** The room is protected: the join needs its password. */
  'PASSWORD_REQUIRED',
  'WRONG_PASSWORD',
  /** The room admits through its host: this connection waits in the waiting room for room:admission. */
  'WAITING',
  /** The join token is missing (where the server requires one), malformed, for another room, or expired. */
  'INVALID_TOKEN',
  /** The server is shutting down or holds as many rooms as it may; retry shortly (a restarted server will answer). */
  'UNAVAILABLE',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export interface ProtocolError {
  code: ErrorCode;
  message: string;
  /** For BAD_REQUEST: which fields failed validation and why. */
  issues?: { path: string; message: string }[];
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ProtocolError };
export type AckCallback<T> = (response: Ack<T>) => void;
