import { CHAT_HISTORY_MESSAGES, CHAT_HISTORY_MS, type ChatMessage } from '@confer/shared';

/** Messages kept for display; history handed to others is the smaller recent() window. */
const KEEP = 500;

/** Display order: by the sender's time, then sender, then the sender's own count (per-sender order holds). */
function compare(a: ChatMessage, b: ChatMessage): number {
  return a.at - b.at || (a.from < b.from ? -1 : a.from > b.from ? 1 : 0) || a.seq - b.seq;
}

/**
 * The room's chat as this participant knows it. The same message can arrive over several paths
 * (mesh and SFU during a switch, history replies from many peers): it is kept once, by id.
 */
export class ChatLog {
  private readonly ids = new Set<string>();
  private list: ChatMessage[] = [];

  /** Adds what is new and returns it (in display order). */
  add(messages: readonly ChatMessage[]): ChatMessage[] {
    const fresh = messages.filter((m) => {
      if (this.ids.has(m.id)) return false;
      this.ids.add(m.id);
      return true;
    });
    if (fresh.length === 0) return [];
    this.list = [...this.list, ...fresh].sort(compare);
    for (const dropped of this.list.splice(0, this.list.length - KEEP)) this.ids.delete(dropped.id);
    return [...fresh].sort(compare);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  get messages(): readonly ChatMessage[] {
    return this.list;
  }

  /** What a late joiner is given: the last CHAT_HISTORY_MESSAGES of the last hour. */
  recent(now: number): ChatMessage[] {
    return this.list.filter((m) => now - m.at <= CHAT_HISTORY_MS).slice(-CHAT_HISTORY_MESSAGES);
  }

  /**
   * Per sender, the highest count up to which we hold every message from its first (count 0; -1 when we
   * lack that one): a gap, whether left by a path that closed or by joining while the switch carried the
   * sender's first messages on a path we were not on yet, is what a history answer fills. (Messages older
   * than the history window are never re-sent, so a sender's -1 then only costs repeats, dropped by id.)
   */
  summary(): Record<string, number> {
    const seqs = new Map<string, number[]>();
    for (const m of this.list) {
      const list = seqs.get(m.from);
      if (list) list.push(m.seq);
      else seqs.set(m.from, [m.seq]);
    }
    const have: Record<string, number> = {};
    for (const [from, list] of seqs) {
      let top = -1;
      for (const seq of list.sort((a, b) => a - b)) {
        if (seq !== top + 1) break;
        top = seq;
      }
      have[from] = top;
    }
    return have;
  }

  /** Recent messages a peer with this summary lacks. */
  missing(have: Record<string, number>, now: number): ChatMessage[] {
    return this.recent(now).filter((m) => m.seq > (have[m.from] ?? -1));
  }
}
