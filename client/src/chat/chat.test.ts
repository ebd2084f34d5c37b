import { afterEach, beforeEach, describe, expect, it, vi, type Mock } from 'vitest';
import { CHAT_HISTORY_BATCH, CHAT_HISTORY_MESSAGES, CHAT_HISTORY_MS, MAX_CHAT_PER_10S, type ChatMessage } from '@confer/shared';
import { createChatStore, type ChatStore } from '../state/chatStore';
import { ChatLog } from './ChatLog';
import { ChatService, type ChatChannel } from './ChatService';
import { linkify } from './linkify';

const A = '00000000-0000-4000-8000-00000000000a';
const B = '00000000-0000-4000-8000-00000000000b';
const C = '00000000-0000-4000-8000-00000000000c';
let n = 0;
const msg = (from: string, at: number, seq: number, text = `m${seq}`): ChatMessage => ({
  id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  from,
  name: from === A ? 'Ada' : 'Bo',
  at,
  seq,
  text,
});

describe('ChatLog', () => {
  it('keeps each message once, whichever path and however often it arrives', () => {
    const log = new ChatLog();
    const m = msg(A, 1000, 0);
    expect(log.add([m])).toEqual([m]);
    expect(log.add([m, m])).toEqual([]);
    expect(log.messages).toHaveLength(1);
  });

  it('orders by sender time and keeps per-sender order for messages arriving late (history)', () => {
    const log = new ChatLog();
    const [a0, a1, a2] = [msg(A, 1000, 0), msg(A, 1000, 1), msg(A, 3000, 2)];
    const b0 = msg(B, 2000, 0);
    log.add([a2, b0]);
    log.add([a1, a0]);
    expect(log.messages.map((m) => m.id)).toEqual([a0.id, a1.id, b0.id, a2.id]);
  });

  it('hands late joiners the last 100 messages of the last hour', () => {
    const log = new ChatLog();
    const now = 10 * CHAT_HISTORY_MS;
    log.add([msg(A, now - CHAT_HISTORY_MS - 1, 0)]);
    log.add(Array.from({ length: 150 }, (_, i) => msg(B, now - 1000 + i, i)));
    const recent = log.recent(now);
    expect(recent).toHaveLength(CHAT_HISTORY_MESSAGES);
    expect(recent.every((m) => m.from === B)).toBe(true);
    expect(recent.at(-1)?.seq).toBe(149);
  });

  it('summarises what it holds per sender up to the first gap, and finds what a summary lacks', () => {
    const log = new ChatLog();
    const [a0, a1, a3] = [msg(A, 1, 0), msg(A, 2, 1), msg(A, 4, 3)];
    const b5 = msg(B, 3, 5);
    log.add([a0, a1, a3, b5]);
    // B's first four never reached us (we joined after them): that is a gap too, from count 0.
    expect(log.summary()).toEqual({ [A]: 1, [B]: -1 });
    expect(log.missing({ [A]: 1 }, 10).map((m) => m.id)).toEqual([b5.id, a3.id]);
    expect(log.missing({ [A]: 3, [B]: 5 }, 10)).toEqual([]);
    // A late joiner who got A's later messages live before any history still gets A's first.
    const late = new ChatLog();
    late.add([a1, a3]);
    expect(log.missing(late.summary(), 10).map((m) => m.id)).toEqual([a0.id, a1.id, b5.id, a3.id]);
  });
});

describe('ChatService', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());
  /** Ada and Bo with their own stores, and a channel each way delivering synchronously. */
  const pair = () => {
    const stores = { ada: createChatStore(), bo: createChatStore() };
    const ada = new ChatService(() => ({ peerId: A, displayName: 'Ada' }), stores.ada);
    const bo = new ChatService(() => ({ peerId: B, displayName: 'Bo' }), stores.bo);
    const toBo: ChatChannel & { send: Mock } = { send: vi.fn((data: string) => bo.receive(data, toAda, A)) };
    const toAda: ChatChannel & { send: Mock } = { send: vi.fn((data: string) => ada.receive(data, toBo, B)) };
    return { ada, bo, toBo, toAda, stores };
  };
  const texts = (store: ChatStore) => store.getState().messages.map((m) => m.text);

  it('sends on every open channel; each new channel asks for history and gets it in batches', () => {
    const { ada, bo, toBo, toAda, stores } = pair();
    const other = { send: vi.fn() };
    ada.attach('sfu', other);
    for (let i = 0; i < CHAT_HISTORY_BATCH + 5; i++) {
      vi.setSystemTime(Date.now() + 600); // typed over 15 s: within the sending limit
      ada.send(`hello ${i}`);
    }
    expect(other.send).toHaveBeenCalledTimes(1 + CHAT_HISTORY_BATCH + 5);
    // Bo joins late: its request over the new channel brings back everything, in two batches.
    ada.attach('mesh:b', toBo);
    bo.attach('mesh:a', toAda);
    const batches = toBo.send.mock.calls.map(([data]) => JSON.parse(data as string) as { type: string }).filter((p) => p.type === 'history');
    expect(batches).toHaveLength(2);
    expect(texts(stores.bo)).toEqual(texts(stores.ada));
    expect(texts(stores.bo)).toHaveLength(CHAT_HISTORY_BATCH + 5);
  });

  it('shows a message that arrives over two paths (a switch) and again in history exactly once, and counts it unread once', () => {
    const { ada, bo, toBo, toAda, stores } = pair();
    ada.attach('mesh:b', toBo);
    ada.attach('sfu', toBo);
    bo.attach('mesh:a', toAda);
    ada.send('during the switch');
    ada.resync();
    bo.resync();
    expect(texts(stores.bo)).toEqual(['during the switch']);
    expect(stores.bo.getState().unread).toBe(1);
    expect(stores.ada.getState().unread).toBe(0); // our own messages are never unread
    stores.bo.getState().setOpen(true);
    expect(stores.bo.getState().unread).toBe(0);
    ada.send('seen at once');
    expect(stores.bo.getState().unread).toBe(0);
  });

  it('fills a gap left by a message lost on a closing path, asking again until the other side hears it', () => {
    const { ada, bo, toBo, stores } = pair();
    const deaf = { send: vi.fn() }; // Bo's new path to Ada: Ada cannot hear it yet
    ada.attach('mesh:b', toBo);
    ada.send('one');
    ada.detach('mesh:b', toBo); // the path closes...
    ada.send('lost');
    // ...and the new one opens after a message went nowhere (and Ada's requests on it are lost too).
    ada.attach('sfu', { send: (data: string) => !data.includes('history-request') && toBo.send(data) });
    ada.send('three');
    bo.attach('sfu', deaf);
    expect(texts(stores.bo)).toEqual(['one', 'three']);
    // Bo's retries go out on the new path; once it reaches Ada, the answer holds only what Bo lacks.
    deaf.send.mockImplementation((data: string) => ada.receive(data, toBo, B));
    toBo.send.mockClear();
    vi.advanceTimersByTime(2000);
    expect(texts(stores.bo)).toEqual(['one', 'lost', 'three']);
    const answers = toBo.send.mock.calls.map(([data]) => JSON.parse(data as string) as { type: string; messages?: { text: string }[] }).filter((p) => p.type === 'history');
    expect(answers.map((p) => p.messages?.map((m) => m.text))).toEqual([['lost', 'three']]);
  });

  it('one request that gets through heals both sides: the answer, then the asker is asked back', () => {
    const { ada, bo, toBo, toAda, stores } = pair();
    const silent = { send: vi.fn() };
    // Each wrote while the other could not hear (paths opening in a switch): both have gaps.
    ada.attach('sfu', silent);
    bo.attach('sfu', silent);
    ada.send('from ada');
    bo.send('from bo');
    expect(texts(stores.ada)).toEqual(['from ada']);
    // Only Ada's request reaches Bo; Bo answers and, seeing Ada holds what it lacks, asks back.
    ada.detach('sfu', silent);
    bo.detach('sfu', silent);
    ada.attach('sfu', toBo);
    bo.attach('sfu', { send: vi.fn() }); // Bo's own requests still go nowhere
    bo.receive(JSON.stringify({ type: 'history-request', from: A, have: {} }), toAda, A);
    expect(texts(stores.ada).sort()).toEqual(['from ada', 'from bo']);
    expect(texts(stores.bo).sort()).toEqual(['from ada', 'from bo']);
  });

  it('fetches a last message lost where nothing asked afterwards, at the next periodic comparison', () => {
    const { ada, bo, toBo, toAda, stores } = pair();
    ada.attach('sfu', toBo);
    bo.attach('sfu', toAda);
    vi.advanceTimersByTime(6000); // the attach-time requests are over
    toBo.send.mockImplementationOnce(() => undefined); // the SFU dropped it: Bo's side was not open yet
    ada.send('the last word');
    expect(texts(stores.bo)).toEqual([]);
    vi.advanceTimersByTime(10_000);
    expect(texts(stores.bo)).toEqual(['the last word']);
  });

  it('refuses an oversized or empty message with a reason and sends nothing', () => {
    const { ada } = pair();
    const channel = { send: vi.fn() };
    ada.attach('sfu', channel);
    channel.send.mockClear();
    expect(ada.send('x'.repeat(2001))).toEqual({ ok: false, error: 'Not sent: message is longer than 2000 characters.' });
    expect(ada.send('   ')).toMatchObject({ ok: false });
    expect(channel.send).not.toHaveBeenCalled();
  });

  it('limits messages per sender: our own with a reason, a flooding peer by dropping its excess', () => {
    const { ada, bo, toBo, stores } = pair();
    ada.attach('mesh:b', toBo);
    for (let i = 0; i < MAX_CHAT_PER_10S; i++) expect(ada.send(`m${i}`)).toEqual({ ok: true });
    expect(ada.send('one too many')).toEqual({ ok: false, error: `Not sent: at most ${MAX_CHAT_PER_10S} messages in 10 seconds.` });
    vi.setSystemTime(Date.now() + 10_001);
    expect(ada.send('later')).toEqual({ ok: true });
    // A modified client ignoring its own limit: Bo shows only the first MAX_CHAT_PER_10S of a burst.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const flood = Array.from({ length: MAX_CHAT_PER_10S + 5 }, (_, i) => msg(C, Date.now(), i));
    for (const message of flood) bo.receive(JSON.stringify({ type: 'message', message }), toBo, C);
    expect(stores.bo.getState().messages.filter((m) => m.from === C)).toHaveLength(MAX_CHAT_PER_10S);
    expect(warn).toHaveBeenCalledTimes(5);
    warn.mockRestore();
  });

  it('drops malformed packets from peers', () => {
    const { ada, stores } = pair();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    ada.receive('not json', { send: vi.fn() }, B);
    ada.receive(JSON.stringify({ type: 'message', message: { id: 'x', text: '<b>' } }), { send: vi.fn() }, B);
    ada.receive(JSON.stringify({ type: 'history', to: A, messages: Array.from({ length: CHAT_HISTORY_BATCH + 1 }, (_, i) => msg(B, 1, i)) }), { send: vi.fn() }, B);
    expect(stores.ada.getState().messages).toHaveLength(0);
    expect(warn).toHaveBeenCalledTimes(3);
    warn.mockRestore();
  });
});

describe('linkify', () => {
  it('makes http(s) links and leaves everything else as text', () => {
    expect(linkify('see https://example.com/a?b=1. ok')).toEqual([{ text: 'see ' }, { href: 'https://example.com/a?b=1', text: 'https://example.com/a?b=1' }, { text: '. ok' }]);
    expect(linkify('javascript:alert(1) <img src=x onerror=alert(1)>')).toEqual([{ text: 'javascript:alert(1) <img src=x onerror=alert(1)>' }]);
    expect(linkify('(http://x.org)')).toEqual([{ text: '(' }, { href: 'http://x.org/', text: 'http://x.org' }, { text: ')' }]);
  });
});
