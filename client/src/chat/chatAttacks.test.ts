import { describe, expect, it, vi } from 'vitest';
import { MAX_CHAT_PER_10S, type ChatMessage, type ChatPacket } from '@confer/shared';
import { createChatStore } from '../state/chatStore';
import { ChatService } from './ChatService';

/** Chat as a modified client abuses it over its own data channel: posing as others or as us, future stamps, floods under other ids. */
const ADA = '00000000-0000-4000-8000-00000000000a';
const BO = '00000000-0000-4000-8000-00000000000b';
const EVE = '00000000-0000-4000-8000-00000000000e';
const GONE = '00000000-0000-4000-8000-0000000000ff';
let n = 0;
const msg = (from: string, name: string, text: string, at = Date.now()): ChatMessage => ({ id: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`, from, name, at, seq: n, text });

/** Ada's chat, in a room with Bo and Eve (Gone has left); Eve is the attacker. */
function adaInRoom() {
  const store = createChatStore();
  const names: Record<string, string> = { [BO]: 'Bo', [EVE]: 'Eve' };
  const ada = new ChatService(() => ({ peerId: ADA, displayName: 'Ada' }), store, (id) => names[id] ?? null);
  const fromEve = (packet: ChatPacket) => ada.receive(JSON.stringify(packet), { send: vi.fn() }, EVE);
  const shown = () => store.getState().messages.map((m) => `${m.from === ADA ? 'You' : m.name}: ${m.text}`);
  vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  return { fromEve, shown };
}

describe('chat from a hostile peer', () => {
  it('cannot post live as another peer or as us', () => {
    const { fromEve, shown } = adaInRoom();
    fromEve({ type: 'message', message: msg(BO, 'Bo', 'I resign') });
    fromEve({ type: 'message', message: msg(ADA, 'Ada', 'I said this') });
    fromEve({ type: 'message', message: msg(EVE, 'Eve', 'hi') });
    expect(shown()).toEqual(['Eve: hi']);
  });

  it('cannot slip words of a present peer or of us into history, nor rename itself there', () => {
    const { fromEve, shown } = adaInRoom();
    fromEve({ type: 'history', to: ADA, messages: [msg(BO, 'Bo', 'fake'), msg(ADA, 'Ada', 'fake too'), msg(EVE, 'Bo', 'mine, under his name'), msg(GONE, 'Gone', 'said before leaving')] });
    // Her own (named as the room knows her) and a departed peer's relayed message are all that get through.
    expect(shown()).toEqual(['Eve: mine, under his name', 'Gone: said before leaving']);
  });

  it('cannot stamp messages in the far future to push real ones out of history', () => {
    const { fromEve, shown } = adaInRoom();
    fromEve({ type: 'history', to: ADA, messages: [msg(EVE, 'Eve', 'from 2100', Date.UTC(2100, 0, 1)), msg(EVE, 'Eve', 'a little ahead', Date.now() + 5_000)] });
    expect(shown()).toEqual(['Eve: a little ahead']);
  });

  it('is rate-limited by its channel, whatever sender ids it invents, and cannot ask for history in another name', () => {
    const { fromEve, shown } = adaInRoom();
    for (let i = 0; i < MAX_CHAT_PER_10S + 10; i++) fromEve({ type: 'message', message: msg(EVE, 'Eve', `spam ${i}`) });
    expect(shown()).toHaveLength(MAX_CHAT_PER_10S);
    for (let i = 0; i < 100; i++) fromEve({ type: 'history', to: ADA, messages: [msg(GONE, 'Gone', `relayed ${i}`)] });
    expect(shown().filter((line) => line.startsWith('Gone'))).toHaveLength(30);
    const reply = vi.fn();
    const store = createChatStore();
    const bo = new ChatService(() => ({ peerId: BO, displayName: 'Bo' }), store);
    bo.send('for Bo only');
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    bo.receive(JSON.stringify({ type: 'history-request', from: ADA, have: {} }), { send: reply }, EVE);
    expect(reply).not.toHaveBeenCalled();
  });
});
