/**
 * A minimal TURN client (RFC 8489 STUN + RFC 8656 TURN over UDP) for tests: enough to run the
 * long-term credential flow against a real coturn (Allocate → 401 REALM/NONCE → authenticated
 * Allocate) and CreatePermission, and to read coturn's error codes. Not for production use: no
 * retransmission schedule beyond one resend, IPv4 only, no data relaying.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

export const MAGIC_COOKIE = 0x2112a442;
const FINGERPRINT_XOR = 0x5354554e;

export const StunMethod = { Binding: 0x001, Allocate: 0x003, Refresh: 0x004, CreatePermission: 0x008 } as const;
export type StunMethodName = keyof typeof StunMethod;
export type StunClass = 'request' | 'indication' | 'success' | 'error';

export const Attr = {
  MappedAddress: 0x0001,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  Lifetime: 0x000d,
  XorPeerAddress: 0x0012,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorRelayedAddress: 0x0016,
  RequestedTransport: 0x0019,
  XorMappedAddress: 0x0020,
  Software: 0x8022,
  Fingerprint: 0x8028,
} as const;

export interface StunAttribute {
  type: number;
  value: Buffer;
}

export interface StunMessage {
  method: number;
  cls: StunClass;
  transactionId: Buffer;
  attributes: StunAttribute[];
  /** The datagram as received, for integrity/fingerprint checks. */
  raw: Buffer;
}

// The class is split over bits 4 and 8 of the message type (RFC 8489 §5).
const classBits: Record<StunClass, number> = { request: 0x000, indication: 0x010, success: 0x100, error: 0x110 };

function messageType(method: number, cls: StunClass): number {
  return ((method & 0xf80) << 2) | ((method & 0x070) << 1) | (method & 0x00f) | classBits[cls];
}

function parseType(type: number): { method: number; cls: StunClass } {
  const method = ((type & 0x3e00) >> 2) | ((type & 0x00e0) >> 1) | (type & 0x000f);
  const bits = type & 0x110;
  const cls = (Object.keys(classBits) as StunClass[]).find((c) => classBits[c] === bits) ?? 'request';
  return { method, cls };
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (ISO 3309), as FINGERPRINT requires. */
export function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = (crcTable[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Long-term credential key: MD5(username ":" realm ":" password) (RFC 8489 §9.2.2). */
export function longTermKey(username: string, realm: string, password: string): Buffer {
  return createHash('md5').update(`${username}:${realm}:${password}`).digest();
}

function encodeAttribute(type: number, value: Buffer): Buffer {
  const padded = Buffer.alloc(4 + Math.ceil(value.length / 4) * 4);
  padded.writeUInt16BE(type, 0);
  padded.writeUInt16BE(value.length, 2);
  value.copy(padded, 4);
  return padded;
}

function header(type: number, length: number, transactionId: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(type, 0);
  h.writeUInt16BE(length, 2);
  h.writeUInt32BE(MAGIC_COOKIE, 4);
  transactionId.copy(h, 8);
  return h;
}

/**
 * Encodes a STUN message. With `integrityKey`, appends MESSAGE-INTEGRITY (HMAC-SHA1 over the message
 * with the length field already counting that attribute); with `fingerprint`, appends FINGERPRINT last.
 */
export function encodeStunMessage(m: {
  method: number;
  cls: StunClass;
  transactionId: Buffer;
  attributes: StunAttribute[];
  integrityKey?: Buffer;
  fingerprint?: boolean;
}): Buffer {
  const type = messageType(m.method, m.cls);
  let body = Buffer.concat(m.attributes.map((a) => encodeAttribute(a.type, a.value)));
  if (m.integrityKey) {
    const hmac = createHmac('sha1', m.integrityKey)
      .update(Buffer.concat([header(type, body.length + 24, m.transactionId), body]))
      .digest();
    body = Buffer.concat([body, encodeAttribute(Attr.MessageIntegrity, hmac)]);
  }
  if (m.fingerprint) {
    const crc = crc32(Buffer.concat([header(type, body.length + 8, m.transactionId), body]));
    const value = Buffer.alloc(4);
    value.writeUInt32BE((crc ^ FINGERPRINT_XOR) >>> 0, 0);
    body = Buffer.concat([body, encodeAttribute(Attr.Fingerprint, value)]);
  }
  return Buffer.concat([header(type, body.length, m.transactionId), body]);
}

interface PositionedAttribute extends StunAttribute {
  offset: number;
}

function readAttributes(raw: Buffer): PositionedAttribute[] {
  const attributes: PositionedAttribute[] = [];
  const end = Math.min(raw.length, 20 + raw.readUInt16BE(2));
  for (let offset = 20; offset + 4 <= end; ) {
    const type = raw.readUInt16BE(offset);
    const length = raw.readUInt16BE(offset + 2);
    attributes.push({ type, value: raw.subarray(offset + 4, offset + 4 + length), offset });
    offset += 4 + Math.ceil(length / 4) * 4;
  }
  return attributes;
}

export function decodeStunMessage(raw: Buffer): StunMessage | null {
  if (raw.length < 20 || (raw[0] ?? 0) & 0xc0 || raw.readUInt32BE(4) !== MAGIC_COOKIE) return null;
  const { method, cls } = parseType(raw.readUInt16BE(0));
  const attributes = readAttributes(raw).map(({ type, value }) => ({ type, value }));
  return { method, cls, transactionId: raw.subarray(8, 20), attributes, raw };
}

/** True when the message carries a MESSAGE-INTEGRITY that matches `key`. */
export function verifyMessageIntegrity(raw: Buffer, key: Buffer): boolean {
  const mi = readAttributes(raw).find((a) => a.type === Attr.MessageIntegrity);
  if (!mi || mi.value.length !== 20) return false;
  const signed = Buffer.from(raw.subarray(0, mi.offset));
  signed.writeUInt16BE(mi.offset - 20 + 24, 2);
  return timingSafeEqual(createHmac('sha1', key).update(signed).digest(), mi.value);
}

/** True when the message ends with a FINGERPRINT that matches its CRC-32. */
export function verifyFingerprint(raw: Buffer): boolean {
  const fp = readAttributes(raw).find((a) => a.type === Attr.Fingerprint);
  if (!fp || fp.value.length !== 4) return false;
  return ((crc32(raw.subarray(0, fp.offset)) ^ FINGERPRINT_XOR) >>> 0) === fp.value.readUInt32BE(0);
}

export function attribute(message: StunMessage, type: number): Buffer | undefined {
  return message.attributes.find((a) => a.type === type)?.value;
}

export function errorCode(message: StunMessage): { code: number; reason: string } | null {
  const v = attribute(message, Attr.ErrorCode);
  if (!v || v.length < 4) return null;
  return { code: ((v[2] ?? 0) & 0x07) * 100 + (v[3] ?? 0), reason: v.subarray(4).toString('utf8') };
}

export interface TransportAddress {
  ip: string;
  port: number;
}

/** XOR-PEER-ADDRESS / XOR-RELAYED-ADDRESS / XOR-MAPPED-ADDRESS value for an IPv4 address. */
export function encodeXorAddress({ ip, port }: TransportAddress): Buffer {
  const v = Buffer.alloc(8);
  v.writeUInt8(0x01, 1); // family IPv4
  v.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  const octets = ip.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  const addr = octets.reduce((acc, o) => (acc << 8) | o, 0) >>> 0;
  v.writeUInt32BE((addr ^ MAGIC_COOKIE) >>> 0, 4);
  return v;
}

export function decodeXorAddress(v: Buffer): TransportAddress | null {
  if (v.length < 8 || v[1] !== 0x01) return null;
  const addr = (v.readUInt32BE(4) ^ MAGIC_COOKIE) >>> 0;
  return { ip: [24, 16, 8, 0].map((s) => (addr >>> s) & 0xff).join('.'), port: v.readUInt16BE(2) ^ (MAGIC_COOKIE >>> 16) };
}

export type TurnResult<T extends object = object> =
  | ({ ok: true; message: StunMessage } & T)
  | { ok: false; code: number; reason: string; message: StunMessage };

export interface Allocation {
  relayed: TransportAddress | null;
  mapped: TransportAddress | null;
  lifetimeSeconds: number | null;
}

export class TurnClientError extends Error {
  override name = 'TurnClientError';
}

/** One UDP TURN client session (one 5-tuple, so at most one allocation). */
export class TurnTestClient {
  private readonly pending = new Map<string, (m: StunMessage) => void>();
  private auth: { username: string; realm: string; nonce: Buffer; key: Buffer } | null = null;

  private constructor(
    private readonly socket: Socket,
    readonly server: TransportAddress,
    private readonly timeoutMs: number,
  ) {
    socket.on('message', (raw) => {
      const message = decodeStunMessage(raw);
      if (!message) return;
      const id = message.transactionId.toString('hex');
      this.pending.get(id)?.(message);
      this.pending.delete(id);
    });
  }

  static async connect(server: TransportAddress, options: { localIp?: string; timeoutMs?: number } = {}): Promise<TurnTestClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, options.localIp ?? '127.0.0.1', () => resolve());
    });
    return new TurnTestClient(socket, server, options.timeoutMs ?? 2000);
  }

  /** Sends one request and waits for its answer (resent once halfway through the timeout: UDP). */
  async request(method: number, attributes: StunAttribute[], authenticated: boolean): Promise<StunMessage> {
    const transactionId = randomBytes(12);
    const auth = this.auth;
    if (authenticated && !auth) throw new TurnClientError('no credentials yet: allocate first');
    const datagram = encodeStunMessage({
      method,
      cls: 'request',
      transactionId,
      attributes:
        authenticated && auth
          ? [
              ...attributes,
              { type: Attr.Username, value: Buffer.from(auth.username) },
              { type: Attr.Realm, value: Buffer.from(auth.realm) },
              { type: Attr.Nonce, value: auth.nonce },
            ]
          : attributes,
      integrityKey: authenticated ? auth?.key : undefined,
      fingerprint: true,
    });
    const id = transactionId.toString('hex');
    const send = () => this.socket.send(datagram, this.server.port, this.server.ip);
    return new Promise<StunMessage>((resolve, reject) => {
      const resend = setTimeout(send, this.timeoutMs / 2);
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new TurnClientError(`no answer from ${this.server.ip}:${this.server.port} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, (m) => {
        clearTimeout(resend);
        clearTimeout(timer);
        resolve(m);
      });
      send();
    });
  }

  private result<T extends object>(message: StunMessage, onSuccess: () => T): TurnResult<T> {
    if (message.cls === 'success') {
      // A real server signs its answers with the same key; checking it validates both sides' crypto.
      if (this.auth && !verifyMessageIntegrity(message.raw, this.auth.key)) {
        throw new TurnClientError('success response with a wrong or missing MESSAGE-INTEGRITY');
      }
      return { ok: true, message, ...onSuccess() };
    }
    const error = errorCode(message);
    return { ok: false, code: error?.code ?? 0, reason: error?.reason ?? '', message };
  }

  /**
   * Long-term credential flow: an unauthenticated Allocate to learn REALM and NONCE from the 401,
   * then the Allocate signed with key MD5(username:realm:password). A 438 Stale Nonce is retried once.
   */
  async allocate(username: string, password: string, lifetimeSeconds = 60, transport: 'udp' | 'tcp' = 'udp'): Promise<TurnResult<Allocation>> {
    const attrs: StunAttribute[] = [
      // IANA protocol numbers: UDP 17, TCP 6 (RFC 6062 TCP relays).
      { type: Attr.RequestedTransport, value: Buffer.from([transport === 'udp' ? 17 : 6, 0, 0, 0]) },
      { type: Attr.Lifetime, value: u32(lifetimeSeconds) },
    ];
    const challenge = await this.request(StunMethod.Allocate, attrs, false);
    if (challenge.cls === 'success') throw new TurnClientError('server allocated without credentials');
    let answer = challenge;
    for (let attempt = 0; attempt < 2; attempt++) {
      const code = errorCode(answer)?.code;
      const realm = attribute(answer, Attr.Realm)?.toString('utf8');
      const nonce = attribute(answer, Attr.Nonce);
      if ((code !== 401 && code !== 438) || realm === undefined || !nonce) break;
      this.auth = { username, realm, nonce: Buffer.from(nonce), key: longTermKey(username, realm, password) };
      answer = await this.request(StunMethod.Allocate, attrs, true);
      if (errorCode(answer)?.code !== 438) break;
    }
    return this.result(answer, () => {
      const relayed = attribute(answer, Attr.XorRelayedAddress);
      const mapped = attribute(answer, Attr.XorMappedAddress);
      const lifetime = attribute(answer, Attr.Lifetime);
      return {
        relayed: relayed ? decodeXorAddress(relayed) : null,
        mapped: mapped ? decodeXorAddress(mapped) : null,
        lifetimeSeconds: lifetime && lifetime.length >= 4 ? lifetime.readUInt32BE(0) : null,
      };
    });
  }

  /** CreatePermission for one peer IP (the port is ignored by TURN permissions). */
  async createPermission(peerIp: string): Promise<TurnResult> {
    const answer = await this.request(StunMethod.CreatePermission, [{ type: Attr.XorPeerAddress, value: encodeXorAddress({ ip: peerIp, port: 9 }) }], true);
    return this.result(answer, () => ({}));
  }

  /** Refresh with LIFETIME 0 releases the allocation (and its relay port) right away. */
  async release(): Promise<TurnResult> {
    const answer = await this.request(StunMethod.Refresh, [{ type: Attr.Lifetime, value: u32(0) }], true);
    return this.result(answer, () => ({}));
  }

  close(): void {
    this.socket.close();
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}
