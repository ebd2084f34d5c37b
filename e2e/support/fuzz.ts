import { io, type Socket } from 'socket.io-client';
import {
  errorCodes,
  moderationActions,
  reactionEmojis,
  requestSchemas,
  type ClientToServerEvents,
  type ErrorCode,
  type HealthReport,
  type StatsSample,
} from '@confer/shared';

/**
 * Shared by the fuzz test (e2e/tests/fuzz.spec.ts) and the soak bench (e2e/bench/soak.bench.ts):
 * a seeded PRNG, a generator of malformed signaling messages with the answer each must get, and small
 * helpers for sockets, /healthz and /metrics. Everything runs in the test process, against the real app.
 */

// ---------------------------------------------------------------------------------------------- PRNG

/** mulberry32: tiny, fast, good enough for test data, and the same sequence for the same seed. */
export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(max: number): number {
    return Math.floor(this.next() * max);
  }
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }
  /** A UUID drawn from this generator (crypto.randomUUID would break reproducibility). */
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => this.int(16).toString(16)).join('');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  }
  string(length: number, alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-'): string {
    let s = '';
    for (let i = 0; i < length; i++) s += alphabet[this.int(alphabet.length)];
    return s;
  }
}

/** FUZZ_SEED / SOAK_SEED when given (to replay a failure), else a fresh one; always printed by the caller. */
export function seedFrom(value: string | undefined): number {
  const parsed = value === undefined ? NaN : Number(value);
  return Number.isInteger(parsed) ? parsed >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}

// ------------------------------------------------------------------------------------------ sockets

/** Untyped on purpose: the fuzzer emits events and shapes the protocol does not allow. */
export type RawSocket = Socket;

/**
 * Connects one socket.io-client socket over WebSocket only (a polling transport would turn an
 * oversized message into an HTTP 413 instead of a closed socket), without reconnection, so that
 * every disconnect the test sees is one the server made.
 */
export function connectSocket(url: string, timeoutMs = 10_000): Promise<RawSocket> {
  const socket = io(url, { transports: ['websocket'], reconnection: false, forceNew: true, timeout: timeoutMs });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error(`socket did not connect to ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (error: Error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
  });
}

// ------------------------------------------------------------------------------------- server state

export async function health(url: string): Promise<{ httpStatus: number; report: HealthReport | null; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) });
  const body: unknown = await res.json().catch(() => null);
  const report = body && typeof body === 'object' && 'status' in body ? (body as HealthReport) : null;
  return { httpStatus: res.status, report, ms: performance.now() - started };
}

export interface ServerMemory {
  heapUsed: number;
  rss: number;
}

/** Reads one sample from /metrics (prom-client; the metric names carry the app's `confer_` prefix). */
export function metricValue(text: string, name: string): number | null {
  const match = new RegExp(`^(?:[a-z]+_)?${name}(?:\\{[^}]*\\})? ([-+\\d.eE]+)`, 'm').exec(text);
  return match ? Number(match[1]) : null;
}

export async function serverMemory(url: string, operatorToken: string): Promise<ServerMemory> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${operatorToken}` }, signal: AbortSignal.timeout(5_000) });
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  const text = await res.text();
  const heapUsed = metricValue(text, 'nodejs_heap_size_used_bytes');
  const rss = metricValue(text, 'process_resident_memory_bytes');
  if (heapUsed === null || rss === null) throw new Error('/metrics has no nodejs_heap_size_used_bytes / process_resident_memory_bytes');
  return { heapUsed, rss };
}

export const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

// ------------------------------------------------------------------------------------- typed errors

const codes: ReadonlySet<string> = new Set(errorCodes);

export const isErrorCode = (code: unknown): code is ErrorCode => typeof code === 'string' && codes.has(code);

/** The shape every failure must have on the wire: `{ ok: false, error: { code, message } }`. */
export function typedFailure(response: unknown): ErrorCode | null {
  if (!response || typeof response !== 'object') return null;
  const r = response as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  if (r.ok !== false || !r.error || typeof r.error.message !== 'string') return null;
  return isErrorCode(r.error.code) ? r.error.code : null;
}

/** A `server:error` event: a typed code plus the event it answers. */
export function typedServerError(payload: unknown): { code: ErrorCode; event: unknown } | null {
  if (!payload || typeof payload !== 'object') return null;
  const p = payload as { code?: unknown; message?: unknown; event?: unknown };
  return isErrorCode(p.code) && typeof p.message === 'string' ? { code: p.code, event: p.event } : null;
}

// -------------------------------------------------------------------------------- valid templates

export function validStatsSample(rng: Rng, peers: string[], at = Date.now()): StatsSample {
  const peerId = peers.length > 0 ? rng.pick(peers) : null;
  return {
    at,
    topology: 'mesh',
    connections: peerId
      ? [{ id: `mesh:${peerId}`, path: 'mesh', peerId, direction: 'both', localCandidateType: 'host', remoteCandidateType: 'host', protocol: 'udp', rttMs: rng.between(1, 40), availableOutgoingBitrate: 1_000_000, sendBitrate: 300_000, recvBitrate: 300_000 }]
      : [],
    streams: peerId
      ? [
          {
            id: `mesh:in:${peerId}:camera`,
            direction: 'in',
            kind: 'video',
            source: 'camera',
            path: 'mesh',
            peerId,
            bitrate: rng.between(100_000, 600_000),
            packets: rng.between(20, 60),
            packetsLost: 0,
            lossPct: 0,
            jitterMs: rng.between(1, 20),
            rttMs: null,
            fps: 15,
            width: 320,
            height: 240,
            framesDropped: 0,
            freezes: 0,
            qualityLimitation: null,
            codec: 'video/VP8',
            rid: null,
            audioLevel: null,
            capture: null,
          },
        ]
      : [],
  };
}

type KnownEvent = keyof ClientToServerEvents;

/**
 * The server's own schemas are the oracle: a payload they refuse must be answered BAD_REQUEST (or
 * RATE_LIMITED). The table's type makes a new protocol event a compile error until it has a schema.
 */
const schemas = requestSchemas;
export const knownEvents = Object.keys(schemas) as KnownEvent[];

/**
 * How answers are matched to requests by event name: known events by name, every unknown one under one key
 * (the server echoes an unknown name only cut short, and any value may stand where a name goes).
 */
export const eventKey = (event: unknown): string => (typeof event === 'string' && (knownEvents as string[]).includes(event) ? event : '(unknown event)');

/** Well-formed requests the server must still refuse from a socket in this state (and why, for reading). */
function validFails(event: KnownEvent, inRoom: boolean): boolean {
  switch (event) {
    case 'room:join':
      return inRoom; // ALREADY_IN_ROOM
    case 'stats:subscribe': // another room, wrong operator token: FORBIDDEN
    case 'stats:rooms': // wrong operator token: FORBIDDEN
      return true;
    case 'stats:unsubscribe': // always succeeds
      return false;
    case 'room:moderate': // NOT_IN_ROOM, or PEER_NOT_FOUND (the target is never in the sender's room, nor waiting)
      return true;
    case 'signal:send': // NOT_IN_ROOM, or PEER_NOT_FOUND (the target is never in the sender's room)
    case 'sfu:connect': // NOT_IN_ROOM, or MEDIA_ERROR: this peer never joined the SFU
    case 'sfu:restart-ice':
    case 'sfu:produce':
    case 'sfu:close-producer':
    case 'sfu:produce-data':
    case 'sfu:consume-data':
    case 'sfu:consume':
    case 'sfu:resume':
    case 'sfu:pause':
    case 'sfu:layers':
    case 'sfu:idle':
      return true;
    default: // the rest only fail outside a room (NOT_IN_ROOM)
      return !inRoom;
  }
}

interface TemplateContext {
  /** Peer ids to address signals to: random ones and the real call's (in another room). */
  targets: string[];
}

function template(rng: Rng, event: KnownEvent, ctx: TemplateContext): Record<string, unknown> {
  const id = () => rng.string(rng.between(1, 40));
  switch (event) {
    case 'room:join':
      return { roomId: `fuzz-${rng.string(8)}`, displayName: 'Fuzz', audioMuted: rng.chance(0.5), videoMuted: rng.chance(0.5) };
    case 'room:react':
      return { emoji: rng.pick(reactionEmojis) };
    case 'room:moderate':
      return { action: rng.pick(moderationActions), peerId: rng.uuid() };
    case 'room:lock':
      return { locked: rng.chance(0.5) };
    case 'room:end':
    case 'room:leave':
    case 'sfu:idle':
    case 'sfu:leave':
    case 'ice:refresh':
      return {};
    case 'peer:update':
      return { displayName: 'Fuzzed', audioMuted: true };
    case 'signal:send': {
      const signal = rng.pick([
        { description: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n' } },
        { candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 } },
        { candidate: null },
        { receiving: 'sfu' },
      ]);
      return { to: rng.pick(ctx.targets), signal };
    }
    case 'sfu:join':
      return { sctpCapabilities: { numStreams: { OS: 1024, MIS: 1024 } } };
    case 'sfu:connect':
      return { transportId: id(), dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD:EF' }] } };
    case 'sfu:produce':
      return { transportId: id(), kind: 'video', source: 'camera', rtpParameters: { codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }], encodings: [{ ssrc: 1111 }] } };
    case 'sfu:restart-ice':
      return { transportId: id() };
    case 'sfu:close-producer':
      return { producerId: id() };
    case 'sfu:produce-data':
      return { transportId: id(), sctpStreamParameters: { streamId: rng.int(1024), ordered: true }, label: 'chat' };
    case 'sfu:consume-data':
      return { dataProducerId: id() };
    case 'sfu:consume':
      return { producerIds: [id(), id()], rtpCapabilities: { codecs: [] } };
    case 'sfu:resume':
      return { consumerIds: [id()] };
    case 'sfu:pause':
      return { consumerId: id() };
    case 'sfu:layers':
      return { consumerId: id(), spatialLayer: rng.int(3) };
    case 'topology:switched':
      return { switchId: rng.uuid() };
    case 'stats:report':
      return { samples: [validStatsSample(rng, ctx.targets.slice(0, 1))] };
    case 'stats:subscribe':
      return { roomId: `other-${rng.string(6)}`, operatorToken: `wrong-${rng.string(20)}` };
    case 'stats:unsubscribe':
      return { roomId: `other-${rng.string(6)}` };
    case 'stats:rooms':
      return { operatorToken: `wrong-${rng.string(20)}` };
  }
}

// ------------------------------------------------------------------------------------ garbage values

const INVALID_ROOM_IDS: unknown[] = ['', 'a'.repeat(65), 'room with spaces', '../../etc/passwd', 'räum', '<script>alert(1)</script>', 'a\u0000b', 'r/x', '%00', '🎥', null, 42, true, [], {}, ['room'], { $gt: '' }];

function hugeString(rng: Rng): string {
  // 10..60 KB: big, but the whole packet stays under the server's 64 KB maxHttpBufferSize.
  return rng.pick(['x', 'A', '\u00e9', '0']).repeat(rng.between(10_000, 30_000));
}

function deep(rng: Rng, depth: number): unknown {
  let value: unknown = rng.pick([1, 'leaf', null, true]);
  for (let i = 0; i < depth; i++) value = rng.chance(0.5) ? [value] : { a: value };
  return value;
}

function scalar(rng: Rng): unknown {
  return rng.pick<unknown>([0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, '', 'string', ' ', '\u202e', true, false, null, [], {}, [1, 2, 3], { nested: { x: 1 } }]);
}

/** A value whose JSON type differs from `valid`'s (null excluded: some fields are nullable). */
function wrongType(rng: Rng, valid: unknown): unknown {
  const kind = Array.isArray(valid) ? 'array' : valid === null ? 'null' : typeof valid;
  const options: Record<string, unknown[]> = {
    string: [0, 12345, -7.5, true, [], ['x'], { s: 'x' }],
    number: ['1', '', 'NaN', true, [], [1], { n: 1 }],
    boolean: ['true', 'false', 0, 1, [], { b: true }],
    object: ['{}', 0, true, [valid]],
    array: ['[]', 0, true, { 0: 'x', length: 1 }],
    null: [0, '', false, [], {}],
  };
  return rng.pick(options[kind] ?? [0]);
}

function randomObject(rng: Rng): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (let i = rng.int(6); i > 0; i--) object[rng.string(rng.between(1, 12))] = scalar(rng);
  return object;
}

/** An own, enumerable key (`__proto__` included) that JSON.stringify writes and the server's JSON.parse recreates. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

type Mutation = 'wrong-type' | 'missing-field' | 'extra-field' | 'huge-string' | 'deep-nesting' | 'whole-payload' | 'invalid-room-id' | 'stats-garbage' | 'as-is';

function mutate(rng: Rng, event: KnownEvent, payload: Record<string, unknown>): { payload: unknown; mutation: Mutation } {
  const keys = Object.keys(payload);
  const mutation: Mutation = rng.pick<Mutation>([
    'wrong-type', 'wrong-type', 'missing-field', 'extra-field', 'extra-field', 'huge-string', 'deep-nesting', 'whole-payload', 'whole-payload', 'as-is',
    ...(event === 'room:join' ? (['invalid-room-id', 'invalid-room-id'] as const) : []),
    ...(event === 'stats:report' ? (['stats-garbage', 'stats-garbage'] as const) : []),
  ]);
  const out: Record<string, unknown> = structuredClone(payload);
  switch (mutation) {
    case 'wrong-type': {
      if (keys.length === 0) return { payload: rng.pick<unknown>([[], 'x', 1]), mutation };
      const key = rng.pick(keys);
      const value = out[key];
      // Half the time one level deeper (signal.candidate, dtlsParameters.fingerprints, ...).
      if (value && typeof value === 'object' && !Array.isArray(value) && rng.chance(0.5) && Object.keys(value).length > 0) {
        const inner = value as Record<string, unknown>;
        const innerKey = rng.pick(Object.keys(inner));
        inner[innerKey] = wrongType(rng, inner[innerKey]);
      } else {
        out[key] = wrongType(rng, value);
      }
      return { payload: out, mutation };
    }
    case 'missing-field':
      if (keys.length > 0) delete out[rng.pick(keys)];
      return { payload: out, mutation };
    case 'extra-field':
      setOwn(out, rng.pick(['__proto__', 'constructor', 'prototype', 'toString', 'extra', rng.string(8), '']), rng.chance(0.3) ? { polluted: true } : scalar(rng));
      return { payload: out, mutation };
    case 'huge-string': {
      const stringKeys = keys.filter((k) => typeof out[k] === 'string');
      setOwn(out, stringKeys.length > 0 && rng.chance(0.7) ? rng.pick(stringKeys) : 'huge', hugeString(rng));
      return { payload: out, mutation };
    }
    case 'deep-nesting': {
      const nested = deep(rng, rng.pick([50, 500, 2000]));
      if (rng.chance(0.3)) return { payload: nested, mutation };
      setOwn(out, keys.length > 0 && rng.chance(0.6) ? rng.pick(keys) : 'deep', nested);
      return { payload: out, mutation };
    }
    case 'whole-payload':
      return { payload: rng.pick<unknown>([null, undefined, 0, -1, 'string', '', true, false, [], [payload], [1, 'a', null], randomObject(rng), { ...randomObject(rng), ...payload, [rng.string(5)]: 1 }]), mutation };
    case 'invalid-room-id':
      out.roomId = rng.pick(INVALID_ROOM_IDS);
      return { payload: out, mutation };
    case 'stats-garbage':
      return {
        payload: rng.pick<unknown>([
          { samples: [] },
          { samples: Array.from({ length: 6 }, () => validStatsSample(rng, [])) },
          { samples: [{ ...validStatsSample(rng, []), at: -1 }] },
          { samples: [{ ...validStatsSample(rng, []), topology: 'star' }] },
          { samples: [{ ...validStatsSample(rng, []), streams: Array.from({ length: 97 }, () => ({})) }] },
          { samples: [{ ...validStatsSample(rng, [rng.uuid()]), connections: [{ id: 'x', path: 'mesh', peerId: 'not-a-uuid' }] }] },
          { samples: 'all of them' },
          { samples: [null] },
          { samples: [validStatsSample(rng, [])], extra: 1 },
        ]),
        mutation,
      };
    case 'as-is':
      return { payload: out, mutation };
  }
}

// ---------------------------------------------------------------------------------------- messages

/**
 * How the message is emitted: with an ack function, without any ack, with a non-function where the ack
 * goes, with the ack function as the only argument (no payload), or with no argument at all.
 */
export type AckMode = 'function' | 'none' | 'non-function' | 'ack-only' | 'no-args';

/**
 * What the server must answer: through the ack, with a `server:error` event, or either (cases where the
 * protocol says nothing: an unknown event or a missing payload with an ack). Every answer is a failure.
 */
export type Expect = 'ack' | 'server:error' | 'either';

export interface FuzzMessage {
  event: string;
  /** Emitted after the event name; the ack function (if any) is added by the sender. */
  args: unknown[];
  ackMode: AckMode;
  expect: Expect;
  /** The server's schema refuses the payload as it arrives, so the answer must be BAD_REQUEST (or RATE_LIMITED). */
  schemaInvalid: boolean;
  /** For reading a failure: what kind of garbage this is. */
  kind: string;
}

const UNKNOWN_EVENTS = ['room:joinx', 'ROOM:JOIN', 'room:join ', 'room', 'signal:receive', 'server:error', 'room:peer-joined', 'sfu:reset', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '', ' ', '\u0000', '🎥', 'a'.repeat(2000), 'stats:report:all', 'admin:shutdown'];

export interface GeneratorOptions {
  inRoom: boolean;
  /** Peer ids signals may target: never in this socket's room. */
  targets: string[];
}

/** One random, malformed (or well-formed but refused) message. The same seed gives the same sequence. */
export function fuzzMessage(rng: Rng, options: GeneratorOptions): FuzzMessage {
  const ackMode = rng.pick<AckMode>(['function', 'function', 'function', 'function', 'function', 'function', 'none', 'none', 'non-function', 'ack-only', 'no-args']);
  if (rng.chance(0.08)) {
    const event = rng.chance(0.7) ? rng.pick(UNKNOWN_EVENTS) : `fuzz:${rng.string(rng.between(1, 30))}`;
    const args = ackMode === 'no-args' || ackMode === 'ack-only' ? [] : [rng.chance(0.5) ? randomObject(rng) : scalar(rng)];
    if (ackMode === 'non-function') args.push(rng.pick<unknown>([1, 'ack', { fn: true }, null]));
    // The server answers unknown events with server:error and (today) never calls an ack given with them.
    const expect: Expect = ackMode === 'function' || ackMode === 'ack-only' ? 'either' : 'server:error';
    return { event, args, ackMode, expect, schemaInvalid: true, kind: 'unknown-event' };
  }
  const event = rng.pick(knownEvents);
  const schema = schemas[event];
  for (;;) {
    const { payload, mutation } = mutate(rng, event, template(rng, event, options));
    // What the server receives: JSON turns undefined into null and drops undefined fields.
    const wire: unknown = ackMode === 'no-args' || ackMode === 'ack-only' ? undefined : (JSON.parse(JSON.stringify([payload])) as unknown[])[0];
    const schemaInvalid = !schema.safeParse(wire).success;
    // A well-formed request is only sent where the server must refuse it anyway (see validFails).
    if (!schemaInvalid && !validFails(event, options.inRoom)) continue;
    const args: unknown[] = ackMode === 'no-args' || ackMode === 'ack-only' ? [] : [payload];
    if (ackMode === 'non-function') args.push(rng.pick<unknown>([1, 'ack', { fn: true }, null, [1]]));
    // 'ack-only': the server sees the ack function as the payload and has no ack to answer: either is fine.
    const expect: Expect = ackMode === 'function' ? 'ack' : ackMode === 'ack-only' ? 'either' : 'server:error';
    return { event, args, ackMode, expect, schemaInvalid, kind: `${mutation}${schemaInvalid ? '' : ' (well-formed)'}` };
  }
}

/** Bytes of the Socket.IO packet for a message, to keep "big but legal" messages below the limit. */
export const packetBytes = (message: FuzzMessage) => Buffer.byteLength(JSON.stringify([message.event, ...message.args])) + 16;

/** Peer ids that exist nowhere, for signals and switches. */
export const strangerIds = (rng: Rng, n: number) => Array.from({ length: n }, () => rng.uuid());
