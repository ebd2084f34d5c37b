import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_CHAT_CHARS, type ChatMessage } from '@confer/shared';
import { MediaController } from '../media/MediaController';
import { initialChatState, useChatStore } from '../state/chatStore';
import { initialMediaState, useMediaStore } from '../state/mediaStore';
import { useRoomStore } from '../state/roomStore';
import { ChatPanel } from './ChatPanel';
import { Room } from './Room';
import { peerInfo, roomActions } from '../../test-support/fixtures';

const ME = '00000000-0000-4000-8000-000000000001';
const BO = '00000000-0000-4000-8000-000000000002';
const message = (from: string, text: string, seq = 0): ChatMessage => ({ id: `00000000-0000-4000-8000-1000000000${String(seq).padStart(2, '0')}`, from, name: from === ME ? 'Ada' : 'Bo', at: 1_700_000_000_000 + seq, seq, text });

describe('ChatPanel', () => {
  beforeEach(() => useChatStore.setState(initialChatState));

  it('renders markup as text and http(s) links as safe links', () => {
    useChatStore.getState().set({ messages: [message(BO, '<img src=x onerror=alert(1)> see https://example.com', 1), message(ME, 'mine', 2)] });
    const { container } = render(<ChatPanel selfId={ME} send={vi.fn()} />);
    const [first, second] = screen.getAllByTestId('chat-message');
    expect(first).toHaveTextContent('<img src=x onerror=alert(1)> see https://example.com');
    expect(container.querySelector('img')).toBeNull();
    expect(within(first!).getByRole('link', { name: 'https://example.com' })).toHaveAttribute('rel', 'noopener noreferrer nofollow');
    expect(within(first!).getByText('Bo')).toBeInTheDocument();
    expect(within(second!).getByText('You')).toBeInTheDocument();
  });

  it('sends on Enter, keeps Shift+Enter for a new line, and shows why a message was refused', () => {
    const send = vi.fn((text: string) => (text.length > MAX_CHAT_CHARS ? { ok: false as const, error: 'Not sent: message is longer than 2000 characters.' } : { ok: true as const }));
    render(<ChatPanel selfId={ME} send={send} />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    fireEvent.change(box, { target: { value: 'hello' } });
    fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    expect(send).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(send).toHaveBeenCalledWith('hello');
    expect(box).toHaveValue('');

    fireEvent.change(box, { target: { value: 'x'.repeat(MAX_CHAT_CHARS + 1) } });
    expect(screen.getByText(`${MAX_CHAT_CHARS + 1}/${MAX_CHAT_CHARS}`)).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(screen.getByRole('alert')).toHaveTextContent('longer than 2000 characters');
    expect(box).toHaveValue('x'.repeat(MAX_CHAT_CHARS + 1));
  });
});

describe('Room: sharing and chat controls', () => {
  const actions = roomActions;
  beforeEach(() => {
    vi.stubGlobal('MediaStream', class {});
    useMediaStore.setState(initialMediaState);
    useChatStore.setState(initialChatState);
    useRoomStore.getState().reset();
    const store = useRoomStore.getState();
    store.set({ phase: 'in-room', self: peerInfo(ME, 'Ada') });
    store.upsertPeer(peerInfo(BO, 'Bo'));
  });
  afterEach(() => vi.unstubAllGlobals());

  it('starts and stops sharing, says when we present, and shows why sharing failed', () => {
    const a = actions();
    render(<Room roomId="standup" actions={a} />);
    fireEvent.click(screen.getByRole('button', { name: 'Share screen' }));
    expect(a.startShare).toHaveBeenCalled();
    act(() => useMediaStore.setState({ shareError: 'Screen sharing was cancelled or not allowed.' }));
    expect(screen.getByRole('alert')).toHaveTextContent('cancelled or not allowed');
    act(() => useMediaStore.setState({ shareError: null, screenTrack: {} as MediaStreamTrack }));
    expect(screen.getByTestId('presenting')).toHaveTextContent('You are presenting');
    fireEvent.click(screen.getByRole('button', { name: 'Stop sharing' }));
    fireEvent.click(screen.getByRole('button', { name: 'Stop presenting' }));
    expect(a.stopShare).toHaveBeenCalledTimes(2);
  });

  it("shows another person's share in the spotlight with their name, and removes it when they stop", () => {
    render(<Room roomId="standup" actions={actions()} />);
    expect(screen.queryByTestId('share-tile')).toBeNull();
    act(() => useRoomStore.getState().upsertPeer(peerInfo(BO, 'Bo', { screenSharing: true })));
    const stage = screen.getByRole('region', { name: 'Shared screens' });
    expect(within(stage).getByRole('figure', { name: "Bo's screen" })).toBeInTheDocument();
    expect(within(stage).getByRole('status')).toHaveTextContent("Connecting to Bo's screen");
    act(() => useRoomStore.getState().upsertPeer(peerInfo(BO, 'Bo')));
    expect(screen.queryByTestId('share-tile')).toBeNull();
  });

  it('counts unread messages on the Chat button and clears them when the panel opens', () => {
    render(<Room roomId="standup" actions={actions()} />);
    act(() => useChatStore.getState().set({ messages: [message(BO, 'hi', 1)], unread: 3 }));
    fireEvent.click(screen.getByRole('button', { name: 'Chat, 3 unread' }));
    expect(screen.getByRole('complementary', { name: 'Chat' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Chat' })).toHaveAttribute('aria-pressed', 'true');
    expect(screen.queryByTestId('unread')).toBeNull();
  });
});

describe('MediaController screen sharing', () => {
  beforeEach(() => useMediaStore.setState(initialMediaState));
  afterEach(() => vi.unstubAllGlobals());

  const fakeTrack = () => Object.assign(new EventTarget(), { contentHint: '', stop: vi.fn() }) as unknown as MediaStreamTrack;
  const withDisplayMedia = (getDisplayMedia: (options: DisplayMediaStreamOptions) => Promise<unknown>) => vi.stubGlobal('navigator', { mediaDevices: { getDisplayMedia } });

  it("shares a screen for text, and the browser's own stop ends the share", async () => {
    const track = fakeTrack();
    withDisplayMedia(async () => ({ getVideoTracks: () => [track] }));
    const media = new MediaController({ video: { width: 640, height: 360, frameRate: 15 }, screen: null });
    const changes: [string, MediaStreamTrack | null][] = [];
    media.onTrackChange((kind, t) => changes.push([kind, t]));
    expect(await media.startShare()).toBe(true);
    expect(track.contentHint).toBe('detail');
    expect(useMediaStore.getState().screenTrack).toBe(track);
    track.dispatchEvent(new Event('ended'));
    expect(useMediaStore.getState().screenTrack).toBeNull();
    expect(changes).toEqual([
      ['screen', track],
      ['screen', null],
    ]);
  });

  it('a removed track listener (a closed room) hears of no later change', async () => {
    withDisplayMedia(async () => ({ getVideoTracks: () => [fakeTrack()] }));
    const media = new MediaController({ video: { width: 640, height: 360, frameRate: 15 }, screen: null });
    const listener = vi.fn();
    media.onTrackChange(listener)();
    expect(await media.startShare()).toBe(true);
    media.stopShare();
    expect(listener).not.toHaveBeenCalled();
  });

  it('caps the captured size when the call options ask for it', async () => {
    const getDisplayMedia = vi.fn(async (_: DisplayMediaStreamOptions) => ({ getVideoTracks: () => [fakeTrack()] }));
    withDisplayMedia(getDisplayMedia);
    await new MediaController({ video: { width: 640, height: 360, frameRate: 15 }, screen: { width: 400, height: 300 } }).startShare();
    await new MediaController({ video: { width: 640, height: 360, frameRate: 15 }, screen: null }).startShare();
    expect(getDisplayMedia.mock.calls.map(([options]) => options.video)).toEqual([
      { width: { max: 400 }, height: { max: 300 }, frameRate: { max: 15 } },
      { frameRate: { max: 15 } },
    ]);
  });

  it('explains a refused or unsupported picker and changes nothing else', async () => {
    withDisplayMedia(async () => {
      throw Object.assign(new Error('denied'), { name: 'NotAllowedError' });
    });
    const media = new MediaController({ video: { width: 640, height: 360, frameRate: 15 }, screen: null });
    const listener = vi.fn();
    media.onTrackChange(listener);
    expect(await media.startShare()).toBe(false);
    expect(useMediaStore.getState().shareError).toBe('Screen sharing was cancelled or not allowed.');
    expect(listener).not.toHaveBeenCalled();
    vi.stubGlobal('navigator', { mediaDevices: {} });
    await media.startShare();
    expect(useMediaStore.getState().shareError).toBe('This browser cannot share a screen.');
  });
});
