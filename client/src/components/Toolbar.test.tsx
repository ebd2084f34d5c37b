import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { initialMediaState, useMediaStore } from '../state/mediaStore';
import { useRoomStore } from '../state/roomStore';
import { Room } from './Room';
import { peerInfo, roomActions } from '../../test-support/fixtures';

function inRoom() {
  useRoomStore.getState().set({ phase: 'in-room', self: peerInfo('me', 'Ada'), controls: { hostId: 'me', locked: false } });
  const actions = roomActions();
  render(<Room roomId="r" actions={actions} />);
  return actions;
}

const toolbar = () => screen.getByRole('navigation', { name: 'Call controls' });
const key = (k: string, target: Element = document.body) => fireEvent.keyDown(target, { key: k });

describe('the toolbar', () => {
  beforeEach(() => {
    vi.stubGlobal('MediaStream', class {});
    useMediaStore.setState(initialMediaState);
    useRoomStore.getState().reset();
    document.documentElement.dataset.theme = 'dark';
    localStorage.clear();
  });

  it('names every button by its visible label, icons hidden, shortcuts in the tooltip', () => {
    inRoom();
    const buttons = within(toolbar()).getAllByRole('button');
    expect(buttons.map((b) => b.textContent)).toEqual(['Mute', 'Camera', 'Share screen', 'Raise hand', 'Reactions', 'Participants', 'Chat', 'More', 'Leave']);
    for (const b of buttons) expect(b.querySelector('svg')).toHaveAttribute('aria-hidden', 'true');
    const mute = within(toolbar()).getByRole('button', { name: 'Mute' });
    expect(mute).toHaveAttribute('title', 'Mute (M)');
    expect(mute).toHaveAttribute('aria-keyshortcuts', 'M');
  });

  it('shows a muted microphone and a stopped camera as alerts', () => {
    inRoom();
    expect(screen.getByRole('button', { name: 'Mute' })).not.toHaveClass('alert');
    act(() => useMediaStore.setState({ audioMuted: true, videoMuted: true }));
    expect(screen.getByRole('button', { name: 'Unmute' })).toHaveClass('alert');
    expect(screen.getByRole('button', { name: 'Camera' })).toHaveClass('alert');
    expect(screen.getByRole('button', { name: 'Camera' })).toHaveAttribute('aria-pressed', 'false');
  });

  it('runs M, V, S, C and H as the buttons do, but not while typing or with Ctrl', () => {
    const a = inRoom();
    key('m');
    expect(a.setMicMuted).toHaveBeenLastCalledWith(true);
    key('V');
    expect(a.setCameraOn).toHaveBeenLastCalledWith(false);
    key('s');
    expect(a.startShare).toHaveBeenCalledTimes(1);
    key('h');
    expect(a.setHandRaised).toHaveBeenLastCalledWith(true);
    key('c');
    const chat = screen.getByRole('complementary', { name: 'Chat' });
    // Typing an "m" in the chat is text, not a shortcut; nor is Ctrl+M.
    key('m', within(chat).getByRole('textbox'));
    fireEvent.keyDown(document.body, { key: 'm', ctrlKey: true });
    expect(a.setMicMuted).toHaveBeenCalledTimes(1);
    key('c');
    expect(screen.queryByRole('complementary', { name: 'Chat' })).toBeNull();
  });

  it('lists the shortcuts on "?" and from the More menu; Escape closes the list', () => {
    inRoom();
    key('?');
    const help = screen.getByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(within(help).getAllByRole('term').map((t) => t.textContent)).toEqual(['M', 'V', 'S', 'C', 'H', '?']);
    expect(document.activeElement).toBe(within(help).getByRole('button', { name: 'Close' }));
    fireEvent.keyDown(document.activeElement!, { key: 'Escape' });
    expect(screen.queryByRole('dialog', { name: 'Keyboard shortcuts' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'More' }));
    fireEvent.click(screen.getByRole('button', { name: 'Keyboard shortcuts' }));
    expect(screen.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeInTheDocument();
  });

  it('switches to the light theme and back, and remembers it', () => {
    inRoom();
    fireEvent.click(screen.getByRole('button', { name: 'More' }));
    fireEvent.click(screen.getByRole('button', { name: 'Light theme' }));
    expect(document.documentElement.dataset.theme).toBe('light');
    expect(localStorage.getItem('confer.theme')).toBe('light');
    fireEvent.click(screen.getByRole('button', { name: 'More' }));
    expect(screen.getByRole('button', { name: 'Light theme' })).toHaveAttribute('aria-pressed', 'true');
    fireEvent.click(screen.getByRole('button', { name: 'Light theme' }));
    expect(document.documentElement.dataset.theme).toBe('dark');
  });
});
