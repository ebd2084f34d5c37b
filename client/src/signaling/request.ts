import type { Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ErrorCode, ServerToClientEvents } from '@confer/shared';

/** Requests that get no answer in this time fail instead of hanging the UI. */
export const REQUEST_TIMEOUT_MS = 10_000;
/** For requests a page repeats every second or sends on its way out (stats reports, leaving). */
export const SHORT_REQUEST_MS = 5_000;

type Requests = { [E in keyof ClientToServerEvents]: Parameters<ClientToServerEvents[E]> };
export type RequestEvent = keyof Requests;
export type Payload<E extends RequestEvent> = Requests[E][0];
export type Answer<E extends RequestEvent> = Requests[E][1] extends (answer: Ack<infer T>) => void ? T : never;

const noAnswer = { ok: false, error: { code: 'INTERNAL', message: 'the server did not answer in time' } } as const;

/** The server's answer to a request, or INTERNAL "did not answer in time"; it never throws. */
export async function ask<E extends RequestEvent>(socket: Socket<ServerToClientEvents, ClientToServerEvents>, event: E, payload: Payload<E>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Ack<Answer<E>>> {
  // timeout() flags only the next emit on the shared socket, so each request sets it anew. Socket.IO's typed
  // emitWithAck cannot follow a generic event name; the Requests map keeps both ends typed here.
  const timed = socket.timeout(timeoutMs) as unknown as { emitWithAck(event: E, payload: Payload<E>): Promise<Ack<Answer<E>>> };
  try {
    return await timed.emitWithAck(event, payload);
  } catch {
    return noAnswer;
  }
}

/** A request the server refused (its code), or that it did not answer in time (INTERNAL). */
export class RequestError extends Error {
  constructor(
    readonly event: RequestEvent,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(`${event}: ${message}`);
    this.name = 'RequestError';
  }
}

/** The data of the server's answer; a refusal or no answer throws a RequestError. */
export async function request<E extends RequestEvent>(socket: Socket<ServerToClientEvents, ClientToServerEvents>, event: E, payload: Payload<E>, timeoutMs?: number): Promise<Answer<E>> {
  const answer = await ask(socket, event, payload, timeoutMs);
  if (!answer.ok) throw new RequestError(event, answer.error.code, answer.error.message);
  return answer.data;
}
