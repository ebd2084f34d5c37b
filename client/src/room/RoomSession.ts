import type { Ack, IceServer, JoinRequest, JoinResponse, ProtocolError, Topology } from '@confer/shared';
import { describeRefusal } from '../i18n/refusals';
import type { RetryPolicy } from '../net/RetryPolicy';

/** What a refused join tells the user: a code means something particular here. */
export const joinErrorMessage = (error: ProtocolError): string => describeRefusal(error, { BAD_REQUEST: 'joinInvalid', FORBIDDEN: 'joinRemoved' });

/** How long tiles of peers a restarted server has not seen again wait for them before they go. */
export const RESTORE_WAIT_MS = 20_000;
/** A failed TURN credential refresh is tried again this much later. */
export const ICE_REFRESH_RETRY_MS = 60_000;

export interface RoomSessionOptions {
  roomId: string;
  joinToken: string | null;
  /** What the join request says about our media now. */
  mediaState(): { audioMuted: boolean; videoMuted: boolean };
  topology(): Topology;
  connected(): boolean;
  join(request: JoinRequest): Promise<Ack<JoinResponse>>;
  refreshIce(): Promise<Ack<{ iceServers: IceServer[]; iceCredentialsExpireAt: number | null }>>;
  rejoinPolicy: RetryPolicy;
  /** A seat in the room, new: on the first join, or after the old seat was freed while we were away. */
  onStart(data: JoinResponse, fresh: boolean): void;
  /** The old seat is back (held, or restored by a restarted server); peers not listed are gone or awaited. */
  onResumed(data: JoinResponse): void;
  onFailed(message: string): void;
  /** The room admits through its host: we wait (room:admission answers, and admitted() follows). */
  onWaiting(): void;
  onIceServers(iceServers: IceServer[]): void;
  /** A peer is gone from the room as far as we know (not listed on resume, or not back after a restore). */
  onPeerGone(peerId: string): void;
  /** The peers in our view of the room. */
  roster(): string[];
}

/**
 * Our seat in the room: the join, the rejoin after a dropped connection (with the seat's resume token,
 * retried by the rejoin policy), what a resumed seat means for the peers we showed, and TURN credentials
 * refreshed halfway through their lifetime. It owns its timers; close() stops them.
 */
export class RoomSession {
  private data: JoinResponse | null = null;
  private displayName = '';
  private password: string | undefined;
  /** In the waiting room: a new connection knocks again (the server forgets a closed one's knock). */
  private knocking = false;
  private iceRefreshTimer: ReturnType<typeof setTimeout> | undefined;
  private rejoinTimer: ReturnType<typeof setTimeout> | undefined;
  private restoreTimer: ReturnType<typeof setTimeout> | undefined;
  /** Peers a restarted server has not seen again yet; their tiles stay until RESTORE_WAIT_MS. */
  private readonly awaitingReturn = new Set<string>();

  constructor(private readonly o: RoomSessionOptions) {}

  get current(): JoinResponse | null {
    return this.data;
  }

  get name(): string {
    return this.displayName;
  }

  /** Joins (with the room's password, if it has one; with the join token from the link, if any). */
  async join(displayName: string, password?: string): Promise<void> {
    this.displayName = displayName;
    this.password = password || undefined;
    await this.enter(this.request());
  }

  /** The host let us in: the ticket takes us past the waiting room. */
  async admitted(ticket: string): Promise<void> {
    if (this.knocking) await this.enter({ ...this.request(), admission: ticket });
  }

  private async enter(request: JoinRequest): Promise<void> {
    const answer = await this.o.join(request);
    this.knocking = !answer.ok && answer.error.code === 'WAITING';
    if (this.knocking) return this.o.onWaiting();
    if (!answer.ok) return this.o.onFailed(joinErrorMessage(answer.error));
    this.begin(answer.data, false);
  }

  /**
   * After the signaling connection came back: reclaim our seat with the resume token (media kept flowing
   * meanwhile where it could). Refusals the policy calls transient are retried after its delay.
   */
  async rejoin(attempt = 0): Promise<void> {
    clearTimeout(this.rejoinTimer);
    const previous = this.data;
    if (this.knocking && !previous && this.o.connected()) return this.enter(this.request());
    if (!previous || !this.o.connected()) return;
    const answer = await this.o.join(this.request({ peerId: previous.peerId, token: previous.resumeToken, topology: this.o.topology() }));
    // Left, or another rejoin got there first, while this one waited.
    if (this.data !== previous) return;
    if (!answer.ok) {
      const delay = this.o.rejoinPolicy.nextDelayMs(attempt, answer.error.code);
      if (delay === null) return this.o.onFailed(joinErrorMessage(answer.error));
      this.rejoinTimer = setTimeout(() => void this.rejoin(attempt + 1), delay);
      return;
    }
    if (!answer.data.resumed) return this.begin(answer.data, true);
    this.data = answer.data;
    this.scheduleIceRefresh(answer.data.iceCredentialsExpireAt);
    this.reconcile(answer.data);
    this.o.onResumed(answer.data);
  }

  /** A peer came back, or left: it is no longer awaited. */
  forget(peerId: string): void {
    this.awaitingReturn.delete(peerId);
  }

  /** Stops everything; a rejoin still in flight is ignored when it answers. */
  close(): void {
    clearTimeout(this.iceRefreshTimer);
    clearTimeout(this.rejoinTimer);
    clearTimeout(this.restoreTimer);
    this.awaitingReturn.clear();
    this.data = null;
    this.knocking = false;
  }

  private request(resume?: JoinRequest['resume']): JoinRequest {
    const { password } = this;
    const joinToken = this.o.joinToken ?? undefined;
    return { roomId: this.o.roomId, displayName: this.displayName, ...this.o.mediaState(), ...(password ? { password } : {}), ...(joinToken ? { joinToken } : {}), ...(resume ? { resume } : {}) };
  }

  private begin(data: JoinResponse, fresh: boolean): void {
    clearTimeout(this.restoreTimer);
    this.awaitingReturn.clear();
    this.data = data;
    this.scheduleIceRefresh(data.iceCredentialsExpireAt);
    this.o.onStart(data, fresh);
  }

  /**
   * A held seat means the server saw everything: whoever it does not list left. A restarted server is still
   * being found again by the others, whose media may well be flowing: they get RESTORE_WAIT_MS to come back.
   */
  private reconcile(data: JoinResponse): void {
    const present = new Set(data.peers.map((p) => p.peerId));
    for (const peerId of present) this.awaitingReturn.delete(peerId);
    for (const peerId of this.o.roster().filter((id) => !present.has(id))) {
      if (data.resumed === 'held') this.o.onPeerGone(peerId);
      else this.awaitingReturn.add(peerId);
    }
    if (data.resumed !== 'restored') return;
    clearTimeout(this.restoreTimer);
    this.restoreTimer = setTimeout(() => {
      const gone = [...this.awaitingReturn];
      this.awaitingReturn.clear();
      for (const id of gone) this.o.onPeerGone(id);
    }, RESTORE_WAIT_MS);
  }

  /** TURN credentials expire (coturn then refuses to refresh relays): fresh ones halfway through their lifetime. */
  private scheduleIceRefresh(expiresAt: number | null): void {
    clearTimeout(this.iceRefreshTimer);
    if (expiresAt === null) return;
    const delay = Math.max(30_000, (expiresAt * 1000 - Date.now()) / 2);
    this.iceRefreshTimer = setTimeout(() => void this.refreshIce(), delay);
  }

  private async refreshIce(): Promise<void> {
    const answer = await this.o.refreshIce();
    if (!this.data) return;
    if (!answer.ok) {
      this.iceRefreshTimer = setTimeout(() => void this.refreshIce(), ICE_REFRESH_RETRY_MS);
      return;
    }
    this.data = { ...this.data, iceServers: answer.data.iceServers, iceCredentialsExpireAt: answer.data.iceCredentialsExpireAt };
    this.o.onIceServers(answer.data.iceServers);
    this.scheduleIceRefresh(answer.data.iceCredentialsExpireAt);
  }
}
