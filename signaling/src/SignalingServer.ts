import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type ServerOptions } from 'socket.io';
import type { HealthReport, Logger } from '@confer/shared';
import type { Sfu } from '@confer/sfu';
import { AddressBudgets } from './AddressBudgets.js';
import { ConnectionBudget } from './ConnectionBudget.js';
import { forwardSfuEvents, registerSfu } from './handlers/sfu.js';
import { onDisconnect, registerSession } from './handlers/session.js';
import { registerPresence } from './handlers/presence.js';
import { registerSignals } from './handlers/signals.js';
import { registerStats } from './handlers/stats.js';
import { registerModeration } from './handlers/moderation.js';
import { healthReport } from './health.js';
import { InMemoryHeldSeats, type HeldSeats } from './HeldSeats.js';
import { routeHttp } from './http/router.js';
import { clientFiles, routes } from './http/routes.js';
import { originAllowed, securityHeaders } from './http/security.js';
import { describeListenError } from './listen.js';
import { Metrics } from './Metrics.js';
import { tokenMatches } from './operatorToken.js';
import type { PasswordTries } from './PasswordTries.js';
import { RoomAccess } from './RoomAccess.js';
import type { RoomStore } from './RoomStore.js';
import { RoomTopology } from './RoomTopology.js';
import { InMemoryTopologyStore, type TopologyStore } from './TopologyStore.js';
import { RequestRouter, type Call } from './rpc/RequestRouter.js';
import { Seats } from './Seats.js';
import { statsRoom, watchedRoomOf, type ClusterView, type PeerSocket, type ServerConfig, type ServerContext, type SignalingIo } from './ServerContext.js';
import { SlowClientGuard } from './slowClients.js';
import { StatsHub } from './StatsHub.js';
import { InMemoryStatsHistory, type StatsHistory } from './StatsHistory.js';
import { ownerOf } from './rendezvous.js';
import type { TurnService } from './TurnService.js';
import { WaitingRoom } from './WaitingRoom.js';
import { LocalWatchedRooms, type WatchedRooms } from './WatchedRooms.js';

export { VERSION } from './health.js';
/** Signaling messages are small; anything bigger is abuse. */
const MAX_MESSAGE_BYTES = 64 * 1024;

export interface SignalingServerDeps {
  config: ServerConfig;
  sfu: Sfu;
  turn: TurnService;
  rooms: RoomStore;
  /** Seats held through dropped connections; in memory unless given. */
  held?: HeldSeats;
  /** Room topologies; in memory unless given. */
  topologies?: TopologyStore;
  /** Socket.IO's adapter: how fan-out reaches sockets on other servers (a cluster); this server's only, unless given. */
  adapter?: ServerOptions['adapter'];
  /** This server's place in a cluster (absent: a single server). */
  cluster?: ClusterView;
  /** Password try budgets (absent: this server's own, in memory). */
  passwordTries?: PasswordTries;
  /** The dashboard's history (absent: this server's own, in memory). */
  statsHistory?: StatsHistory;
  /** Which rooms have dashboard viewers (absent: this server's own viewers). */
  watchedRooms?: WatchedRooms;
  log: Logger;
}

/** HTTP (health, metrics, operator API, the built client) plus the Socket.IO signaling endpoint: composition only. */
export class SignalingServer {
  readonly http: HttpServer;
  readonly io: SignalingIo;
  private readonly startedAt = Date.now();
  private readonly ctx: ServerContext;
  private readonly router: RequestRouter<PeerSocket>;
  private draining = false;
  private readonly handleHttp: ReturnType<typeof routeHttp> | undefined;

  constructor(deps: SignalingServerDeps) {
    const { config, log } = deps;
    // The route table needs the context, which needs Socket.IO, which needs the HTTP server: routes come last.
    this.http = createServer((req, res) => void this.handleHttp?.(req, res));
    this.io = new Server(this.http, {
      ...(deps.adapter ? { adapter: deps.adapter } : {}),
      maxHttpBufferSize: MAX_MESSAGE_BYTES,
      serveClient: false,
      // Browsers send Origin on every WebSocket and XHR: another site's page is refused here, before any
      // event handler runs (CORS would not stop a WebSocket, nor keep a simple request from the server).
      allowRequest: (req, callback) => {
        const allowed = originAllowed(req.headers.origin, req.headers.host, config.allowedOrigins);
        if (!allowed) log.warn({ origin: req.headers.origin }, 'socket refused: origin not allowed (ALLOWED_ORIGINS)');
        callback(allowed ? null : 'origin not allowed', allowed);
      },
    });
    // Engine.io took over the 'request' listeners (handleHttp now runs only for non-Socket.IO paths), so a
    // listener in front of it sets the security headers: every response gets them, Socket.IO's included.
    const headers = Object.entries(securityHeaders({ frameAncestors: config.frameAncestors }));
    this.http.prependListener('request', (_req: IncomingMessage, res: ServerResponse) => {
      for (const [name, value] of headers) res.setHeader(name, value);
    });
    this.ctx = this.buildContext(deps);
    this.handleHttp = routeHttp(routes(this.ctx, () => this.health()), clientFiles(config.publicDir), config.operatorToken, log);
    this.router = new RequestRouter<PeerSocket>((event, code) => this.ctx.metrics.signalingError(event, code));
    for (const register of [registerSession, registerPresence, registerSignals, registerSfu, registerStats, registerModeration]) register(this.router, this.ctx);
    this.router.assertComplete();
    forwardSfuEvents(this.ctx);
    this.io.on('connection', (socket) => this.onConnection(socket));
  }

  private buildContext(deps: SignalingServerDeps): ServerContext {
    const { config, sfu, turn, rooms, log } = deps;
    const access = new RoomAccess(config.access, deps.passwordTries);
    const topology = new RoomTopology({
      policy: config.topology,
      store: deps.topologies ?? new InMemoryTopologyStore(),
      load: async (roomId) => {
        const peers = await rooms.peers(roomId);
        return { participants: peers.map((p) => p.peerId), sharing: peers.filter((p) => p.screenSharing).length };
      },
      announce: (roomId, event) => {
        this.io.to(roomId).emit('room:topology', event);
        stats.roomChanged(roomId);
      },
      standby: (roomId, standby) => this.io.to(roomId).emit('room:standby', { standby }),
      complete: (roomId, record) => {
        this.io.to(roomId).emit('room:switch-complete', record);
        metrics.switchCompleted(record);
        stats.roomChanged(roomId);
      },
      log,
    });
    const cluster = deps.cluster ?? null;
    const watched = deps.watchedRooms ?? new LocalWatchedRooms();
    // A room's first viewer on this server, and its last: the Socket.IO room of its viewers comes and goes.
    const adapter = this.io.of('/').adapter;
    for (const [event, watching] of [['create-room', true], ['delete-room', false]] as const) {
      adapter.on(event, (room: string) => {
        const roomId = watchedRoomOf(room);
        if (roomId) watched.setLocal(roomId, watching);
      });
    }
    const stats: StatsHub = new StatsHub({
      sfu,
      rooms,
      topology,
      history: deps.statsHistory ?? new InMemoryStatsHistory(),
      sfuSampledHere: async (roomIds) => {
        if (!cluster) return roomIds;
        // This server counts itself in even before its first announcement reaches the list.
        const servers = [...new Set([...(await cluster.servers()), cluster.serverId])];
        return roomIds.filter((roomId) => ownerOf(roomId, servers) === cluster.serverId);
      },
      publish: (roomId, update) => this.io.to(statsRoom(roomId)).emit('stats:update', update),
      watched: (roomId) => watched.isWatched(roomId),
      onSample: (roomId, peerId, sample) => {
        metrics.sampleScored(sample);
        topology.sampled(roomId, peerId, sample);
      },
      log,
    });
    const metrics = new Metrics(() => stats.metrics(), cluster ? async () => (await cluster.servers()).length : undefined);
    const held = deps.held ?? new InMemoryHeldSeats();
    const waiting = new WaitingRoom({ io: this.io, rooms, access });
    const seats = new Seats({ config, io: this.io, rooms, held, access, turn, sfu, topology, stats, waiting, log });
    return {
      config, io: this.io, sfu, turn, rooms, access, seats, waiting, topology, stats, watched, metrics, log,
      addresses: new AddressBudgets(config.addressLimits, config.trustedProxies),
      slowClients: new SlowClientGuard(() => this.io.of('/').sockets.values(), log),
      cluster,
      isDraining: () => this.draining,
      isOperator: (token) => tokenMatches(token, config.operatorToken),
    };
  }

  get stats(): StatsHub {
    return this.ctx.stats;
  }

  get metrics(): Metrics {
    return this.ctx.metrics;
  }

  /** Requests being handled now (shutdown waits for them; tests time a disconnect into one). */
  get requestsInFlight(): number {
    return this.router.requestsInFlight;
  }

  health(): Promise<HealthReport> {
    return healthReport(this.ctx, this.startedAt);
  }

  private onConnection(socket: PeerSocket): void {
    socket.data.peerId = randomUUID();
    const call: Call<PeerSocket> = { socket, log: this.ctx.log.child({ peerId: socket.data.peerId }), budget: new ConnectionBudget() };
    call.log.debug({}, 'socket connected');
    if (!this.ctx.addresses.admit(socket, call.log)) return;
    this.router.attach(call);
    socket.on('disconnect', (reason) => onDisconnect(this.ctx, call, reason));
  }

  /**
   * Graceful shutdown: everyone is told, new joins are refused, requests under way finish (up to the drain
   * time), then connections close without freeing seats, so clients restore them on the next server.
   */
  async shutdown(reason = 'server restarting'): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.io.emit('server:shutdown', { reason });
    this.ctx.log.info({ inFlight: this.requestsInFlight, reason }, 'shutting down: draining requests');
    const deadline = Date.now() + this.ctx.config.shutdownDrainMs;
    const tick = () => new Promise((r) => setTimeout(r, 50));
    // One tick at least, so the notice is written out before the connections close.
    do await tick();
    while (this.requestsInFlight > 0 && Date.now() < deadline);
    await this.close();
  }

  /** Listens on the configured host/port; resolves with the URL it serves. */
  listen(): Promise<string> {
    const { host, port } = this.ctx.config;
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
    await this.ctx.seats.shutdown();
    this.ctx.topology.close();
    this.ctx.stats.close();
    this.ctx.watched.close();
    this.ctx.slowClients.close();
    const closed = new Promise<void>((resolve) => this.io.close(() => resolve()));
    // close() waits for every open HTTP connection, and Node stops timing out half-sent requests once
    // closing: one slow client would hold the process forever. Requests under way had the drain time.
    this.http.closeAllConnections();
    await closed;
  }
}
