import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';
import { Server, type Socket } from 'socket.io';
import type { z } from 'zod';
import {
  joinRequestSchema,
  leaveRequestSchema,
  peerUpdateSchema,
  sfuConnectSchema,
  sfuConsumeDataSchema,
  sfuConsumerSchema,
  sfuConsumeSchema,
  sfuJoinSchema,
  sfuLayersSchema,
  sfuProduceDataSchema,
  sfuProducerSchema,
  sfuProduceSchema,
  sfuRestartIceSchema,
  signalRequestSchema,
  statsReportSchema,
  statsRoomsSchema,
  statsSubscribeSchema,
  statsUnsubscribeSchema,
  switchedSchema,
  validate,
  MAX_SAMPLES_PER_10S,
  RateWindow,
  type Ack,
  type JoinRequest,
  type ClientToServerEvents,
  type ComponentStatus,
  type HealthReport,
  type JoinResponse,
  type Logger,
  type PeerInfo,
  type RoomStatsSnapshot,
  type ServerToClientEvents,
} from '@confer/shared';
import { z as zod } from 'zod';
import type { Sfu } from '@confer/sfu';
import { describeListenError } from './listen.js';
import type { SignalingConfig } from './config.js';
import { routeHttp, sendJson, type Route } from './httpRoutes.js';
import { originAllowed, securityHeaders } from './httpSecurity.js';
import { tokenMatches } from './operatorToken.js';
import { Metrics } from './Metrics.js';
import { clientAddress } from './clientAddress.js';
import { ConnectionBudget } from './ConnectionBudget.js';
import { KeyedLimits, OpenCounts } from './KeyedLimits.js';
import { passwordsBusy, RoomAccess, type ResumeClaims, type RoomSeal } from './RoomAccess.js';
import type { RoomStore } from './RoomStore.js';
import { RoomTopology } from './RoomTopology.js';
import { SlowClientGuard } from './slowClients.js';
import { StatsHub } from './StatsHub.js';
import type { TurnService } from './TurnService.js';

export const VERSION = '0.1.0';
/** Signaling messages are small; anything bigger is abuse. */
const MAX_MESSAGE_BYTES = 64 * 1024;

interface SocketData {
  peerId: string;
  /** The client's address (behind trusted proxies, from X-Forwarded-For), for per-address budgets. */
  address: string;
  roomId?: string;
  /** A join is under way: a second one waits for nothing and is refused, so one socket never holds two seats. */
  joining?: boolean;
  /** The one room whose stats this socket watches. */
  watching?: string;
  /** The display name a join token gave: the peer may not change it (and its resume token carries it). */
  fixedName?: string;
}
type PeerSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface SignalingServerDeps {
  config: Pick<
    SignalingConfig,
    'host' | 'port' | 'publicDir' | 'roomCapacity' | 'reconnectGraceMs' | 'topology' | 'operatorToken' | 'access' | 'maxRooms' | 'shutdownDrainMs' | 'allowedOrigins' | 'frameAncestors' | 'trustedProxies' | 'addressLimits'
  >;
  sfu: Sfu;
  turn: TurnService;
  rooms: RoomStore;
  log: Logger;
}

const notInRoom = { ok: false, error: { code: 'NOT_IN_ROOM', message: 'not in a room: join one first' } } as const;
const shuttingDown = { ok: false, error: { code: 'UNAVAILABLE', message: 'the server is restarting; your client retries in a moment' } } as const;
/** A join whose connection closed while it awaited: it must not keep the seat it was about to take. */
const closedMidJoin = { ok: false, error: { code: 'UNAVAILABLE', message: 'the connection closed during the join' } } as const;
/** A peer that left for good cannot come back with its resume token for this long (its token's lifetime). */
const RETIRE_MS = 24 * 3600_000;
const SLOW_REQUEST_MS = 2000;
/** Every socket sits in a Socket.IO room of its own peer id, so signals reach it on any server. */
const peerRoom = (peerId: string) => `peer:${peerId}`;
/** Dashboard viewers of a room sit in this Socket.IO room. */
const statsRoom = (roomId: string) => `stats:${roomId}`;
const forbidden = { ok: false, error: { code: 'FORBIDDEN', message: 'only participants of a room, or an operator with the operator token, see its stats' } } as const;

const worst = (statuses: ComponentStatus[]): ComponentStatus =>
  statuses.includes('down') ? 'down' : statuses.includes('degraded') ? 'degraded' : 'ok';

/** HTTP (health, built client) plus the Socket.IO signaling endpoint. */
export class SignalingServer {
  readonly http: HttpServer;
  readonly io: Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
  private readonly startedAt = Date.now();
  /** Seats of peers whose connection dropped: freed unless they resume in time. */
  private readonly heldSeats = new Map<string, { roomId: string; timer: NodeJS.Timeout }>();
  /** The socket of each peer seated through this server. */
  private readonly sockets = new Map<string, PeerSocket>();
  private readonly budgets = new WeakMap<PeerSocket, ConnectionBudget>();
  /** Budgets of each client address across all its connections. */
  private readonly openByAddress: OpenCounts;
  private readonly connectsByAddress: KeyedLimits;
  private readonly joinsByAddress: KeyedLimits;
  private readonly access: RoomAccess;
  /** Set on shutdown: joins are refused and dropped connections keep their seats for the next server. */
  private draining = false;
  private inFlight = 0;
  /** Requests being handled now (shutdown waits for them; tests wait on them to time a disconnect into one). */
  get requestsInFlight(): number {
    return this.inFlight;
  }
  /** Each room's topology (mesh or SFU) and its switches. */
  private readonly topology: RoomTopology;
  readonly stats: StatsHub;
  readonly metrics: Metrics;
  private readonly slowClients: SlowClientGuard;
  /** The request names this server answers; anything else is refused (and counted as 'unknown'). */
  private readonly known = new Set<string>();

  constructor(private readonly deps: SignalingServerDeps) {
    this.access = new RoomAccess(deps.config.access);
    const limits = deps.config.addressLimits;
    this.openByAddress = new OpenCounts(limits.openConnections);
    this.connectsByAddress = new KeyedLimits(limits.connectionsPer10s, 10_000);
    this.joinsByAddress = new KeyedLimits(limits.joinsPer10s, 10_000);
    const handleHttp = routeHttp(this.routes(), this.clientFiles(), deps.config.operatorToken, deps.log);
    this.http = createServer((req, res) => void handleHttp(req, res));
    this.io = new Server(this.http, {
      maxHttpBufferSize: MAX_MESSAGE_BYTES,
      serveClient: false,
      // Browsers send Origin on every WebSocket and XHR: another site's page is refused here, before any
      // event handler runs (CORS would not stop a WebSocket, nor keep a simple request from the server).
      allowRequest: (req, callback) => {
        const allowed = originAllowed(req.headers.origin, req.headers.host, deps.config.allowedOrigins);
        if (!allowed) deps.log.warn({ origin: req.headers.origin }, 'socket refused: origin not allowed (ALLOWED_ORIGINS)');
        callback(allowed ? null : 'origin not allowed', allowed);
      },
    });
    // Engine.io took over the 'request' listeners (handleHttp now runs only for non-Socket.IO paths), so a
    // listener in front of it sets the security headers: every response gets them, Socket.IO's included.
    const headers = Object.entries(securityHeaders({ frameAncestors: deps.config.frameAncestors }));
    this.http.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
      for (const [name, value] of headers) res.setHeader(name, value);
    });
    this.topology = new RoomTopology({
      policy: deps.config.topology,
      participants: async (roomId) => (await deps.rooms.peers(roomId)).map((p) => p.peerId),
      announce: (roomId, event) => {
        this.io.to(roomId).emit('room:topology', event);
        void this.stats.roomChanged(roomId);
      },
      complete: (roomId, record) => {
        this.io.to(roomId).emit('room:switch-complete', record);
        this.metrics.switchCompleted(record);
        void this.stats.roomChanged(roomId);
      },
      log: deps.log,
    });
    this.stats = new StatsHub({
      sfu: deps.sfu,
      rooms: deps.rooms,
      topology: this.topology,
      publish: (roomId, update) => this.io.to(statsRoom(roomId)).emit('stats:update', update),
      onSample: (sample) => this.metrics.sampleScored(sample),
      log: deps.log,
    });
    this.metrics = new Metrics(() => this.stats.metrics());
    this.slowClients = new SlowClientGuard(() => this.io.of('/').sockets.values(), deps.log);
    this.io.on('connection', (socket) => this.onConnection(socket));
    deps.sfu.onEvent((event) => {
      if (event.type === 'producer-closed') {
        this.io.to(peerRoom(event.peerId)).emit('sfu:producer-closed', { producerId: event.producerId, peerId: event.peerId });
      } else if (event.type === 'active-speaker') {
        this.io.to(event.roomId).emit('room:active-speaker', { peerId: event.peerId });
      } else if (event.type === 'audio-levels') {
        this.io.to(event.roomId).emit('room:audio-levels', { levels: event.levels });
      } else {
        deps.log.warn({ roomId: event.roomId }, 'SFU media of the room was lost; peers rejoin the SFU');
        this.io.to(event.roomId).emit('sfu:reset');
      }
    });
  }

  /** Every HTTP endpoint and who may call it (httpRoutes.ts); anything else is the built client. */
  private routes(): Route[] {
    const room = '([A-Za-z0-9_-]{1,64})';
    return [
      { path: /^\/healthz$/, access: 'public', handle: async (_, _req, res) => {
        const report = await this.health();
        sendJson(res, report.status === 'down' ? 503 : 200, report);
      } },
      { path: /^\/metrics$/, access: 'operator', handle: async (_, _req, res) => {
        const { contentType, body } = await this.metrics.render();
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(body);
      } },
      { path: new RegExp(`^/api/rooms/${room}/topology$`), access: 'operator', handle: ([roomId], _req, res) => {
        const history = this.topology.history(roomId!);
        sendJson(res, history ? 200 : 404, history ?? { error: 'no such room' });
      } },
      { path: new RegExp(`^/api/rooms/${room}/sfu$`), access: 'operator', handle: async ([roomId], _req, res) => {
        const stats = await this.deps.sfu.roomStats(roomId!);
        sendJson(res, stats ? 200 : 404, stats ?? { error: 'no SFU media in this room' });
      } },
      // Anything else under /api/ is no page of the client either.
      { path: /^\/api\//, access: 'operator', handle: (_, _req, res) => sendJson(res, 404, { error: 'no such endpoint' }) },
    ];
  }

  /** The built client (public), or a page saying how to build it. */
  private clientFiles(): Route['handle'] {
    const { publicDir } = this.deps.config;
    const serve = existsSync(publicDir) ? sirv(publicDir, { single: true, etag: true }) : null;
    return (_, req, res) => {
      if (serve) return serve(req, res, () => void res.writeHead(404).end());
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end(`Client not built (${publicDir} missing): run 'npm run build'.\n`);
    };
  }

  private isOperator(token: string | undefined): boolean {
    return tokenMatches(token, this.deps.config.operatorToken);
  }

  async health(): Promise<HealthReport> {
    const sfu = this.deps.sfu.health();
    const turn = await this.deps.turn.health();
    const signaling = {
      status: 'ok' as const,
      connections: this.io.engine.clientsCount,
      rooms: await this.deps.rooms.roomCount(),
    };
    // TURN being down degrades the service (direct and STUN paths still work); it never takes it down.
    const turnStatus: ComponentStatus = turn.status === 'down' ? 'degraded' : 'ok';
    return {
      status: worst([signaling.status, sfu.status, turnStatus]),
      version: VERSION,
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      signaling,
      sfu,
      turn,
    };
  }

  /** Admits a connection within its address's budgets; refused, it is told why and closed. */
  private admitConnection(socket: PeerSocket, log: Logger): boolean {
    const address = clientAddress(socket.handshake.address, socket.handshake.headers['x-forwarded-for'], this.deps.config.trustedProxies);
    socket.data.address = address;
    const why = !this.connectsByAddress.take(address)
      ? `at most ${this.connectsByAddress.limit} new connections per 10 s from one address`
      : !this.openByAddress.open1(address)
        ? `at most ${this.openByAddress.limit} connections at once from one address`
        : null;
    if (!why) {
      socket.once('disconnect', () => this.openByAddress.close1(address));
      return true;
    }
    log.warn({ address }, `connection refused: ${why}`);
    socket.emit('server:error', { event: 'connect', code: 'RATE_LIMITED', message: why });
    socket.disconnect(true);
    return false;
  }

  private onConnection(socket: PeerSocket): void {
    socket.data.peerId = randomUUID();
    let log = this.deps.log.child({ peerId: socket.data.peerId });
    log.debug({}, 'socket connected');
    if (!this.admitConnection(socket, log)) return;

    this.budgets.set(socket, new ConnectionBudget());
    this.handle(socket, log, 'room:join', joinRequestSchema, async (req): Promise<Ack<JoinResponse>> => {
      if (this.draining) return shuttingDown;
      if (socket.data.roomId || socket.data.joining) {
        const where = socket.data.roomId ? `already in room ${socket.data.roomId}; leave it first` : 'a join of this connection is under way';
        return { ok: false, error: { code: 'ALREADY_IN_ROOM', message: where } };
      }
      if (!this.joinsByAddress.take(socket.data.address)) {
        return { ok: false, error: { code: 'RATE_LIMITED', message: `at most ${this.joinsByAddress.limit} joins per 10 s from one address; slow down` } };
      }
      socket.data.joining = true;
      try {
        return await join(req);
      } finally {
        socket.data.joining = false;
      }
    });
    const join = async (req: JoinRequest): Promise<Ack<JoinResponse>> => {
      const claims = req.resume ? this.access.verifyResume(req.resume, req.roomId) : null;
      const resumed = claims && (await this.reseat(socket, claims, req, (l) => (log = l)));
      if (resumed) return resumed;
      const existing = await this.deps.rooms.roomSeal(req.roomId);
      const admitted = await this.access.admit(req, existing?.lock ?? null, socket.data.address);
      if (!admitted.ok) {
        log.info({ roomId: req.roomId, code: admitted.error.code }, 'join refused');
        return admitted;
      }
      if (!existing && (await this.deps.rooms.roomCount()) >= this.deps.config.maxRooms) {
        log.warn({ roomId: req.roomId, maxRooms: this.deps.config.maxRooms }, 'join refused: room limit reached');
        return { ok: false, error: { code: 'UNAVAILABLE', message: `this server holds its maximum of ${this.deps.config.maxRooms} rooms; try again later` } };
      }
      const seal = existing ?? (await this.access.seal(req.password));
      if (!seal) return passwordsBusy;
      return this.seat(socket, this.peerInfo(socket.data.peerId, req, admitted.displayName), req.roomId, seal, false, admitted.fixedName, log);
    };

    this.handle(socket, log, 'room:leave', leaveRequestSchema, async (): Promise<Ack<Record<string, never>>> => {
      if (!socket.data.roomId) return notInRoom;
      await this.leaveRoom(socket.data.roomId, socket.data.peerId, log);
      socket.data.roomId = undefined;
      return { ok: true, data: {} };
    });

    this.handle(socket, log, 'peer:update', peerUpdateSchema, async (update): Promise<Ack<PeerInfo>> => {
      const roomId = socket.data.roomId;
      if (update.displayName !== undefined && socket.data.fixedName !== undefined) {
        return { ok: false, error: { code: 'FORBIDDEN', message: 'your name comes from your invitation and cannot be changed' } };
      }
      const peer = roomId ? await this.deps.rooms.updatePeer(roomId, socket.data.peerId, update) : null;
      if (!roomId || !peer) return notInRoom;
      socket.to(roomId).emit('room:peer-updated', peer);
      return { ok: true, data: peer };
    });

    this.handle(socket, log, 'signal:send', signalRequestSchema, async ({ to, signal }): Promise<Ack<Record<string, never>>> => {
      const { roomId, peerId } = socket.data;
      if (!roomId) return notInRoom;
      // Signals only ever reach a peer of the sender's own room.
      if (to === peerId || !(await this.deps.rooms.getPeer(roomId, to))) {
        return { ok: false, error: { code: 'PEER_NOT_FOUND', message: `no peer ${to} in room ${roomId}` } };
      }
      this.io.to(peerRoom(to)).emit('signal:receive', { from: peerId, signal });
      return { ok: true, data: {} };
    });

    const empty = zod.strictObject({});
    /** SFU requests need a room; the SFU's own refusals come back as MEDIA_ERROR with its reason. */
    const media = async <R>(fn: (roomId: string, peerId: string) => Promise<R>): Promise<Ack<R>> => {
      const { roomId, peerId } = socket.data;
      if (!roomId) return notInRoom;
      try {
        const data = await fn(roomId, peerId);
        // Left while the SFU worked (its requests queue behind each other): what it made now, a router
        // re-created for an emptied room included, has nobody to free it. Undo it here.
        if (!(await this.deps.rooms.getPeer(roomId, peerId))) {
          this.deps.sfu.leavePeer(roomId, peerId);
          if ((await this.deps.rooms.peers(roomId)).length === 0) this.deps.sfu.closeRoom(roomId);
          return { ok: false, error: { code: 'MEDIA_ERROR', message: `left room ${roomId} while the SFU request ran` } };
        }
        return { ok: true, data };
      } catch (error) {
        if (this.budgets.get(socket)?.mayLog()) log.warn({ roomId, err: (error as Error).message }, 'SFU request failed');
        return { ok: false, error: { code: 'MEDIA_ERROR', message: (error as Error).message } };
      }
    };
    const done = {} as Record<string, never>;
    this.handle(socket, log, 'sfu:join', sfuJoinSchema, (r) =>
      media((roomId, peerId) => {
        // SFU media is for rooms on the SFU: a mesh room's peer has no business holding transports there.
        if (this.topology.topology(roomId) !== 'sfu') throw new Error(`room ${roomId} is on the mesh: it moves to the SFU at ${this.deps.config.topology.sfuFrom} participants`);
        return this.deps.sfu.joinPeer(roomId, peerId, r.sctpCapabilities);
      }),
    );
    this.handle(socket, log, 'sfu:connect', sfuConnectSchema, (r) =>
      media(async (roomId, peerId) => (await this.deps.sfu.connectTransport(roomId, peerId, r.transportId, r.dtlsParameters), done)),
    );
    this.handle(socket, log, 'sfu:restart-ice', sfuRestartIceSchema, (r) =>
      media(async (roomId, peerId) => ({ iceParameters: await this.deps.sfu.restartIce(roomId, peerId, r.transportId) })),
    );
    this.handle(socket, log, 'sfu:produce', sfuProduceSchema, (r) =>
      media(async (roomId, peerId) => {
        const producer = await this.deps.sfu.produce(roomId, peerId, r.transportId, r.kind, r.source, r.rtpParameters);
        socket.to(roomId).emit('sfu:producer-added', producer);
        return { producerId: producer.producerId };
      }),
    );
    this.handle(socket, log, 'sfu:close-producer', sfuProducerSchema, (r) =>
      media(async (roomId, peerId) => (await this.deps.sfu.closeProducer(roomId, peerId, r.producerId), done)),
    );
    this.handle(socket, log, 'sfu:produce-data', sfuProduceDataSchema, (r) =>
      media(async (roomId, peerId) => {
        const dataProducer = await this.deps.sfu.produceData(roomId, peerId, r.transportId, r.sctpStreamParameters, r.label ?? '', r.protocol ?? '');
        socket.to(roomId).emit('sfu:data-producer-added', dataProducer);
        return { dataProducerId: dataProducer.dataProducerId };
      }),
    );
    this.handle(socket, log, 'sfu:consume-data', sfuConsumeDataSchema, (r) => media((roomId, peerId) => this.deps.sfu.consumeData(roomId, peerId, r.dataProducerId)));
    this.handle(socket, log, 'sfu:consume', sfuConsumeSchema, (r) =>
      media((roomId, peerId) => this.deps.sfu.consume(roomId, peerId, r.producerId, r.rtpCapabilities)),
    );
    this.handle(socket, log, 'sfu:resume', sfuConsumerSchema, (r) =>
      media(async (roomId, peerId) => (await this.deps.sfu.resumeConsumer(roomId, peerId, r.consumerId), done)),
    );
    this.handle(socket, log, 'sfu:pause', sfuConsumerSchema, (r) =>
      media(async (roomId, peerId) => (await this.deps.sfu.pauseConsumer(roomId, peerId, r.consumerId), done)),
    );
    this.handle(socket, log, 'sfu:layers', sfuLayersSchema, (r) =>
      media(async (roomId, peerId) => (await this.deps.sfu.setPreferredLayers(roomId, peerId, r.consumerId, r.spatialLayer), done)),
    );
    this.handle(socket, log, 'ice:refresh', empty, async () => {
      if (!socket.data.roomId) return notInRoom;
      const { iceServers, expiresAt } = this.deps.turn.iceServersFor(socket.data.peerId);
      return { ok: true as const, data: { iceServers, iceCredentialsExpireAt: expiresAt } };
    });
    this.handle(socket, log, 'topology:switched', switchedSchema, async ({ switchId }): Promise<Ack<Record<string, never>>> => {
      const { roomId, peerId } = socket.data;
      if (!roomId) return notInRoom;
      this.topology.switched(roomId, peerId, switchId);
      return { ok: true, data: {} };
    });
    this.handle(socket, log, 'sfu:leave', empty, () => media(async (roomId, peerId) => (this.deps.sfu.leavePeer(roomId, peerId), done)));

    const statsBudget = new RateWindow(MAX_SAMPLES_PER_10S, 10_000);
    this.handle(socket, log, 'stats:report', statsReportSchema, async ({ samples }): Promise<Ack<Record<string, never>>> => {
      const { roomId, peerId } = socket.data;
      if (!roomId) return notInRoom;
      if (!statsBudget.take(samples.length)) {
        return { ok: false, error: { code: 'RATE_LIMITED', message: `at most ${MAX_SAMPLES_PER_10S} stats samples per 10 s; slow down` } };
      }
      this.stats.report(roomId, peerId, samples);
      return { ok: true, data: {} };
    });
    this.handle(socket, log, 'stats:subscribe', statsSubscribeSchema, async ({ roomId, operatorToken }): Promise<Ack<RoomStatsSnapshot>> => {
      if (socket.data.roomId !== roomId && !this.isOperator(operatorToken)) {
        log.warn({ roomId }, 'stats subscription refused');
        return forbidden;
      }
      // One subscription per socket: watching another room ends the previous one.
      if (socket.data.watching && socket.data.watching !== roomId) await socket.leave(statsRoom(socket.data.watching));
      socket.data.watching = roomId;
      await socket.join(statsRoom(roomId));
      const snapshot = await this.stats.snapshot(roomId);
      // A snapshot is the largest thing we send: not to a client that has stopped reading.
      if (!this.slowClients.check(socket)) return { ok: false, error: { code: 'UNAVAILABLE', message: 'disconnected: this connection stopped reading' } };
      return { ok: true, data: snapshot };
    });
    this.handle(socket, log, 'stats:unsubscribe', statsUnsubscribeSchema, async ({ roomId }): Promise<Ack<Record<string, never>>> => {
      await socket.leave(statsRoom(roomId));
      if (socket.data.watching === roomId) socket.data.watching = undefined;
      return { ok: true, data: {} };
    });
    this.handle(socket, log, 'stats:rooms', statsRoomsSchema, async ({ operatorToken }) => {
      if (!this.isOperator(operatorToken)) return forbidden;
      const rooms = (await this.stats.metrics()).map(({ roomId, participants, topology }) => ({ roomId, participants, topology }));
      return { ok: true as const, data: { rooms } };
    });

    socket.onAny((name: unknown, ...args: unknown[]) => {
      if (typeof name === 'string' && this.known.has(name)) return;
      // Names are the sender's to choose: shown cut short, and a flood of them counts against its budget.
      const event = String(name).slice(0, 64);
      const budget = this.budgets.get(socket);
      const over = budget?.take('unknown');
      const error = over
        ? { code: 'RATE_LIMITED' as const, message: `at most ${over.limit} requests per 10 s; slow down` }
        : { code: 'BAD_REQUEST' as const, message: `unknown event "${event}"` };
      this.metrics.signalingError('unknown', error.code);
      if (!over && budget?.mayLog()) log.warn({ event }, 'rejected unknown event');
      const ack = args.at(-1);
      if (typeof ack === 'function') (ack as (r: Ack<never>) => void)({ ok: false, error });
      else socket.emit('server:error', { event, ...error });
    });
    socket.on('disconnect', (reason) => {
      log.debug({ reason }, 'socket disconnected');
      const { roomId, peerId } = socket.data;
      // Shutting down: the seat stays for the restarted server, where the peer's resume token restores it.
      if (!roomId || this.draining) return;
      if (this.sockets.get(peerId) === socket) this.sockets.delete(peerId);
      // A client that left on purpose goes at once; a dropped one keeps its seat for the grace period.
      const grace = reason === 'client namespace disconnect' || reason === 'server namespace disconnect' ? 0 : this.deps.config.reconnectGraceMs;
      const free = () => {
        this.heldSeats.delete(peerId);
        void this.leaveRoom(roomId, peerId, log).catch((err: Error) => log.error({ err: err.message }, 'leave on disconnect failed'));
      };
      if (grace === 0) return free();
      this.heldSeats.set(peerId, { roomId, timer: setTimeout(free, grace) });
    });
  }

  private peerInfo(peerId: string, req: JoinRequest, displayName: string): PeerInfo {
    return { peerId, displayName, audioMuted: req.audioMuted ?? false, videoMuted: req.videoMuted ?? false, screenSharing: false };
  }

  /** Seats a peer that is new to the room (a fresh join, or a seat restored after a restart). */
  private async seat(
    socket: PeerSocket,
    peer: PeerInfo,
    roomId: string,
    seal: RoomSeal,
    resumed: false | 'restored',
    fixedName: string | undefined,
    log: Logger,
  ): Promise<Ack<JoinResponse>> {
    const { capacity } = this;
    const added = await this.deps.rooms.addPeer(roomId, peer, capacity, seal);
    if (!added) {
      log.info({ roomId, capacity }, 'join refused: room full');
      return { ok: false, error: { code: 'ROOM_FULL', message: `room ${roomId} is full (${capacity} participants)` } };
    }
    const { peerId } = peer;
    // The connection closed while the join awaited (a password's scrypt, the store): its disconnect found no
    // seat to free, so the seat just taken would be a ghost. Give it back.
    if (socket.disconnected) {
      await this.deps.rooms.removePeer(roomId, peerId);
      log.info({ roomId }, 'join abandoned: the connection closed');
      return closedMidJoin;
    }
    socket.data.peerId = peerId;
    socket.data.roomId = roomId;
    socket.data.fixedName = fixedName;
    this.sockets.set(peerId, socket);
    await socket.join([roomId, peerRoom(peerId)]);
    socket.to(roomId).emit('room:peer-joined', peer);
    await this.topology.evaluate(roomId, peerId);
    void this.stats.roomChanged(roomId);
    log.info({ roomId, peers: added.others.length + 1, resumed }, resumed ? 'peer restored its seat' : 'peer joined');
    return { ok: true, data: this.joinResponse(socket, roomId, added.others, added.seal, resumed) };
  }

  /**
   * A join with a valid resume token takes its seat back: held after a dropped connection, still open on
   * a connection the server has not yet seen drop (taken over), or lost in a restart (restored). Null
   * when the peer left for good or sits on another server: the join then proceeds as a fresh one.
   */
  private async reseat(socket: PeerSocket, claims: ResumeClaims, req: JoinRequest, setLog: (log: Logger) => void): Promise<Ack<JoinResponse> | null> {
    const { sub: peerId, room: roomId } = claims;
    const log = this.deps.log.child({ peerId });
    // Only into the life of the room the token was issued in: not into one emptied and created again.
    const seal = await this.deps.rooms.roomSeal(roomId);
    // Gone while we looked: taking its held seat now would leave a seat nobody frees.
    if (socket.disconnected) return closedMidJoin;
    if (seal?.epoch !== claims.epoch) return null;
    const held = this.heldSeats.get(peerId);
    const stale = this.sockets.get(peerId);
    if (held?.roomId === roomId || stale?.data.roomId === roomId) {
      if (held) clearTimeout(held.timer);
      this.heldSeats.delete(peerId);
      if (stale) {
        // Its owner reconnected before we noticed the old connection die (laptop sleep): retire it quietly.
        stale.data.roomId = undefined;
        stale.disconnect(true);
        log.info({ roomId }, 'stale connection replaced');
      }
      setLog(log);
      socket.data.peerId = peerId;
      socket.data.roomId = roomId;
      socket.data.fixedName = claims.name;
      this.sockets.set(peerId, socket);
      await socket.join([roomId, peerRoom(peerId)]);
      const peers = (await this.deps.rooms.peers(roomId)).filter((p) => p.peerId !== peerId);
      log.info({ roomId }, 'peer resumed its seat');
      return { ok: true, data: this.joinResponse(socket, roomId, peers, seal, 'held') };
    }
    if ((await this.deps.rooms.getPeer(roomId, peerId)) || (await this.deps.rooms.isRetired(peerId))) return null;
    // A restarted server (the room's seal came back from its journal): re-create the seat, on the topology the room had.
    setLog(log);
    const peer = this.peerInfo(peerId, req, claims.name ?? req.displayName);
    if (req.resume?.topology && (await this.deps.rooms.peers(roomId)).length === 0) this.topology.seed(roomId, req.resume.topology);
    return this.seat(socket, peer, roomId, seal, 'restored', claims.name, log);
  }

  /**
   * Graceful shutdown: everyone is told, new joins are refused, requests under way finish (up to the drain
   * time), then connections close without freeing seats, so clients restore them on the next server.
   */
  async shutdown(reason = 'server restarting'): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.io.emit('server:shutdown', { reason });
    this.deps.log.info({ inFlight: this.inFlight, reason }, 'shutting down: draining requests');
    const deadline = Date.now() + this.deps.config.shutdownDrainMs;
    const tick = () => new Promise((r) => setTimeout(r, 50));
    // One tick at least, so the notice is written out before the connections close.
    do await tick();
    while (this.inFlight > 0 && Date.now() < deadline);
    await this.close();
  }

  private joinResponse(socket: PeerSocket, roomId: string, peers: PeerInfo[], seal: RoomSeal, resumed: JoinResponse['resumed']): JoinResponse {
    const { peerId } = socket.data;
    const { iceServers, expiresAt } = this.deps.turn.iceServersFor(peerId);
    const topology = this.topology.topology(roomId);
    const resumeToken = this.access.resumeToken(peerId, roomId, seal, socket.data.fixedName);
    return { peerId, roomId, peers, topology, capacity: this.capacity, iceServers, iceCredentialsExpireAt: expiresAt, resumeToken, resumed };
  }

  private get capacity(): number {
    return this.deps.config.roomCapacity;
  }

  private async leaveRoom(roomId: string, peerId: string, log: Logger): Promise<void> {
    this.sockets.delete(peerId);
    await this.deps.rooms.retirePeer(peerId, Date.now() + RETIRE_MS);
    const remaining = await this.deps.rooms.removePeer(roomId, peerId);
    this.io.in(peerRoom(peerId)).socketsLeave(roomId);
    this.io.to(roomId).emit('room:peer-left', { peerId });
    this.deps.sfu.leavePeer(roomId, peerId);
    if (remaining === 0) this.deps.sfu.closeRoom(roomId);
    this.topology.peerLeft(roomId, peerId);
    await this.topology.evaluate(roomId);
    // A participant watched its room's stats as a participant only: that ends with its seat.
    this.io.in(peerRoom(peerId)).socketsLeave(statsRoom(roomId));
    void this.stats.roomChanged(roomId);
    log.info({ roomId, remaining }, 'peer left');
  }

  /**
   * Registers a request handler: the payload is validated against `schema`, the answer goes to the
   * ack (or to a server:error event when the client gave none), and no handler error escapes.
   */
  private handle<E extends keyof ClientToServerEvents, S extends z.ZodType, R>(
    socket: PeerSocket,
    log: Logger,
    event: E,
    schema: S,
    handler: (request: z.infer<S>) => Promise<Ack<R>>,
  ): void {
    // Payloads are untrusted: listen untyped and let the schema establish the type.
    const untyped = socket as unknown as { on(event: string, listener: (payload: unknown, ack: unknown) => void): void };
    this.known.add(event);
    untyped.on(event, async (first, second) => {
      // `emit(event, ack)` without a payload: the ack arrives first (the schema then sees no payload).
      const [payload, ack] = typeof first === 'function' && second === undefined ? [undefined, first] : [first, second];
      const reply = (response: Ack<R>) => {
        if (!response.ok) this.metrics.signalingError(event, response.error.code);
        if (typeof ack === 'function') (ack as (r: Ack<R>) => void)(response);
        else if (!response.ok) socket.emit('server:error', { ...response.error, event });
      };
      const over = this.budgets.get(socket)?.take(event);
      if (over) {
        return reply({ ok: false, error: { code: 'RATE_LIMITED', message: `at most ${over.limit} ${over.kind === 'total' ? 'requests' : `${over.kind} requests`} per 10 s; slow down` } });
      }
      const request = validate(schema, payload);
      if (!request.ok) {
        if (this.budgets.get(socket)?.mayLog()) log.warn({ event, error: request.error.message }, 'rejected invalid request');
        return reply({ ok: false, error: request.error });
      }
      this.inFlight++;
      const started = Date.now();
      try {
        reply(await handler(request.value));
        // A request that takes seconds (a starved worker, a slow store) is worth knowing about.
        if (Date.now() - started > SLOW_REQUEST_MS) log.warn({ event, ms: Date.now() - started }, 'slow request');
      } catch (error) {
        log.error({ event, err: (error as Error).message }, 'request handler failed');
        reply({ ok: false, error: { code: 'INTERNAL', message: 'internal error' } });
      } finally {
        this.inFlight--;
      }
    });
  }

  /** Listens on the configured host/port; resolves with the URL it serves. */
  listen(): Promise<string> {
    const { host, port } = this.deps.config;
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => reject(describeListenError(error, host, port));
      this.http.once('error', onError);
      this.http.listen(port, host, () => {
        this.http.off('error', onError);
        const address = this.http.address() as AddressInfo;
        const shownHost = address.address.includes(':') ? `[${address.address}]` : address.address;
        resolve(`http://${shownHost}:${address.port}`);
      });
    });
  }

  async close(): Promise<void> {
    this.draining = true;
    for (const seat of this.heldSeats.values()) clearTimeout(seat.timer);
    this.heldSeats.clear();
    this.topology.close();
    this.stats.close();
    this.slowClients.close();
    const closed = new Promise<void>((resolve) => this.io.close(() => resolve()));
    // close() waits for every open HTTP connection, and Node stops timing out half-sent requests once
    // closing: one slow client would hold the process forever. Requests under way had the drain time.
    this.http.closeAllConnections();
    await closed;
  }
}
