import i18next from 'i18next';
import { CHAT_HISTORY_BATCH, chatMessageSchema, chatPacketSchema, MAX_CHAT_PER_10S, RateWindow, type ChatMessage, type ChatPacket } from '@confer/shared';
import { useChatStore, type ChatStore } from '../state/chatStore';
import { ChatLog } from './ChatLog';

/** A data channel chat packets can be sent on: one per mesh peer, or our one data producer into the SFU. */
export interface ChatChannel {
  send(data: string): void;
}

/** When a history request is repeated, after the first. */
const HISTORY_RETRY_MS = [2000, 6000];
/**
 * Every open path also compares histories this often: a message lost where nothing asked afterwards (the
 * last one sent while a new path was still opening) arrives within this time. A request is a few bytes.
 */
const SYNC_INTERVAL_MS = 10_000;
/** A message stamped further ahead of our clock than this is refused (it would sort after every real one for good). */
const MAX_CLOCK_AHEAD_MS = 60_000;
/** History packets one peer may send us per 10 s (a real answer to all our asks is a handful). */
const HISTORY_PACKETS_PER_10S = 30;

export type SendResult = { ok: true } | { ok: false; error: string };

/**
 * Chat over whatever data channels are open. A message goes out on every open channel (during a
 * switch both the mesh links and the SFU), and receivers keep each id once. Every new channel, and
 * the end of every switch, asks the other side for its recent history, so a message that was in
 * flight on a closing path, or sent before we joined, still arrives.
 */
export class ChatService {
  private readonly log = new ChatLog();
  private readonly channels = new Map<string, ChatChannel>();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private seq = 0;
  private syncTimer: ReturnType<typeof setInterval> | undefined;
  private lastAt = 0;
  /** Per channel peer: live messages, and history packets. */
  private readonly budgets = new Map<string, { live: RateWindow; history: RateWindow }>();
  private readonly ownBudget = new RateWindow(MAX_CHAT_PER_10S, 10_000);
  constructor(
    private readonly self: () => { peerId: string; displayName: string } | null,
    private readonly store: ChatStore = useChatStore,
    /** The display name of a peer in the room now, or null (it left, or was never here). */
    private readonly nameInRoom: (peerId: string) => string | null = () => null,
  ) {}

  /** A channel opened (`key` names the path: a mesh peer, or the SFU). */
  attach(key: string, channel: ChatChannel): void {
    this.channels.set(key, channel);
    this.requestHistory(channel);
    this.syncTimer ??= setInterval(() => this.askAll(), SYNC_INTERVAL_MS);
  }

  detach(key: string, channel?: ChatChannel): void {
    if (!channel || this.channels.get(key) === channel) this.channels.delete(key);
  }

  /** Asks again over one path (`key`), or over every path: after a switch, or when a peer became reachable. */
  resync(key?: string): void {
    for (const [k, channel] of this.channels) if (key === undefined || k === key) this.requestHistory(channel);
  }

  send(text: string): SendResult {
    const me = this.self();
    if (!me) return { ok: false, error: i18next.t('chat.notInRoom') };
    if (!this.ownBudget.take()) return { ok: false, error: `Not sent: at most ${MAX_CHAT_PER_10S} messages in 10 seconds.` };
    const at = Math.max(Date.now(), this.lastAt);
    const parsed = chatMessageSchema.safeParse({ id: crypto.randomUUID(), from: me.peerId, name: me.displayName, at, seq: this.seq, text });
    if (!parsed.success) return { ok: false, error: `Not sent: ${parsed.error.issues[0]?.message ?? 'invalid message'}.` };
    this.seq++;
    this.lastAt = at;
    this.accept([parsed.data]);
    this.broadcast({ type: 'message', message: parsed.data });
    return { ok: true };
  }

  /**
   * A packet from a peer (untrusted: validated like any inbound message). `sender` is the peer the channel
   * belongs to (the mesh link's peer, the SFU data producer's peer), not what the packet claims; `reply`
   * reaches it.
   */
  receive(data: string, reply: ChatChannel, sender: string): void {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return console.warn('chat packet refused: not JSON');
    }
    const packet = chatPacketSchema.safeParse(json);
    if (!packet.success) return console.warn(`chat packet refused: ${packet.error.issues[0]?.message ?? 'invalid'}`);
    const p = packet.data;
    const budget = this.budgetOf(sender);
    if (p.type === 'message') {
      if (p.message.from !== sender) return console.warn(`chat from ${sender} refused: it claims to be from ${p.message.from}`);
      // The same message arrives once per open path (twice during a switch): only new ones count.
      if (this.log.has(p.message.id)) return;
      if (!budget.live.take()) return console.warn(`chat from ${sender} dropped: more than ${MAX_CHAT_PER_10S} messages in 10 s`);
      return this.accept(this.vouched([p.message], sender));
    }
    if (p.type === 'history' && p.to === this.self()?.peerId) {
      if (!budget.history.take()) return console.warn(`chat history from ${sender} dropped: more than ${HISTORY_PACKETS_PER_10S} packets in 10 s`);
      return this.accept(this.vouched(p.messages, sender));
    }
    if (p.type === 'history-request') {
      if (p.from !== sender) return console.warn(`chat history request from ${sender} refused: it claims to be from ${p.from}`);
      const missing = this.log.missing(p.have, Date.now());
      for (let i = 0; i < missing.length; i += CHAT_HISTORY_BATCH) {
        sendPacket(reply, { type: 'history', to: p.from, messages: missing.slice(i, i + CHAT_HISTORY_BATCH) });
      }
      // The asker holds messages we lack (ours to it were lost, or it joined a path we never heard on): ask
      // back on the same ordered channel, after the answer, so one request that gets through heals both sides.
      const ours = this.log.summary();
      const me = this.self();
      if (me && Object.entries(p.have).some(([from, top]) => top > (ours[from] ?? -1))) sendPacket(reply, { type: 'history-request', from: me.peerId, have: ours });
    }
  }

  /**
   * Asks now and twice more: a peer that cannot hear us yet (its side of a new SFU channel still opening)
   * misses the first request. Answers carry only what we lack, so repeats cost little.
   */
  private requestHistory(channel: ChatChannel): void {
    const ask = () => this.ask(channel);
    ask();
    for (const delay of HISTORY_RETRY_MS) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        ask();
      }, delay);
      this.timers.add(timer);
    }
  }

  private ask(channel: ChatChannel): void {
    const me = this.self();
    if (me && [...this.channels.values()].includes(channel)) sendPacket(channel, { type: 'history-request', from: me.peerId, have: this.log.summary() });
  }

  private askAll(): void {
    for (const channel of this.channels.values()) this.ask(channel);
  }

  /** Stops the repeated history requests (leaving the room). */
  close(): void {
    clearInterval(this.syncTimer);
    this.syncTimer = undefined;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private broadcast(packet: ChatPacket): void {
    for (const channel of this.channels.values()) sendPacket(channel, packet);
  }

  private budgetOf(sender: string): { live: RateWindow; history: RateWindow } {
    let budget = this.budgets.get(sender);
    if (!budget) this.budgets.set(sender, (budget = { live: new RateWindow(MAX_CHAT_PER_10S, 10_000), history: new RateWindow(HISTORY_PACKETS_PER_10S, 10_000) }));
    return budget;
  }

  /**
   * What we believe of messages `sender` hands us. Its own, yes; relayed ones only for a peer no longer in
   * the room (one still here answers our asks itself, so a relayer cannot put words in its mouth), never
   * as us, never stamped far in the future. A present peer's name is the room's, not the packet's.
   */
  private vouched(messages: readonly ChatMessage[], sender: string): ChatMessage[] {
    const me = this.self()?.peerId;
    const latest = Date.now() + MAX_CLOCK_AHEAD_MS;
    return messages.flatMap((m) => {
      const name = this.nameInRoom(m.from);
      if (m.from === me || m.at > latest || (m.from !== sender && name !== null)) return [];
      return [name === null || name === m.name ? m : { ...m, name }];
    });
  }

  private accept(messages: readonly ChatMessage[]): void {
    const added = this.log.add(messages);
    if (added.length === 0) return;
    const { open, unread } = this.store.getState();
    const me = this.self()?.peerId;
    const fromOthers = added.filter((m) => m.from !== me).length;
    this.store.getState().set({ messages: this.log.messages, unread: open ? 0 : unread + fromOthers });
  }
}

function sendPacket(channel: ChatChannel, packet: ChatPacket): void {
  try {
    channel.send(JSON.stringify(packet));
  } catch (error) {
    // A channel closing under us: the other paths and the next resync cover what it would have carried.
    console.warn('chat send failed', error);
  }
}
