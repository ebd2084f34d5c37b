import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { initialMediaState, useMediaStore } from '../state/mediaStore';
import { useRoomStore } from '../state/roomStore';
import { PAGE_TILES } from '../room/tileLayout';
import { Room } from './Room';
import { peerInfo, roomActions } from '../../test-support/fixtures';

/** Every control is a native button: focusable and operated with Enter or Space, as its name says. */
/** Opens the toolbar's "More" menu, where the rarer actions are. */
const more = () => fireEvent.click(button('More'));

const button = (name: string | RegExp) => {
  const found = screen.getByRole('button', { name });
  expect(found.tagName).toBe('BUTTON');
  expect(found).not.toHaveAttribute('tabindex', '-1');
  return found;
};

function seat(host: string, others = ['Bo', 'Cy']) {
  const store = useRoomStore.getState();
  store.set({ phase: 'in-room', self: peerInfo('me', 'Ada'), controls: { hostId: host, locked: false } });
  others.forEach((name, i) => store.upsertPeer(peerInfo(`p${i}`, name, { joinedAt: i + 1 })));
}

describe('meeting controls', () => {
  beforeEach(() => {
    vi.stubGlobal('MediaStream', class {});
    useMediaStore.setState(initialMediaState);
    useRoomStore.getState().reset();
  });

  it('raises and lowers the hand, and sends a reaction from a picker that Escape closes', () => {
    seat('p0');
    const a = roomActions();
    const { rerender } = render(<Room roomId="r" actions={a} />);
    fireEvent.click(button('Raise hand'));
    expect(a.setHandRaised).toHaveBeenCalledWith(true);
    act(() => useRoomStore.getState().set({ self: peerInfo('me', 'Ada', { handRaisedAt: 5 }) }));
    rerender(<Room roomId="r" actions={a} />);
    expect(button('Lower hand')).toHaveAttribute('aria-pressed', 'true');
    expect(within(screen.getByRole('figure', { name: 'Ada (you)' })).getByRole('img', { name: 'Hand raised' })).toBeInTheDocument();

    expect(within(screen.getByRole('figure', { name: 'Bo' })).getByTestId('host-badge')).toHaveTextContent('host');
    expect(within(screen.getByRole('figure', { name: 'Cy' })).queryByTestId('host-badge')).toBeNull();

    const reactions = button('Reactions');
    expect(reactions).toHaveAttribute('aria-expanded', 'false');
    fireEvent.click(reactions);
    const picker = screen.getByRole('group', { name: 'Send a reaction' });
    expect(within(picker).getAllByRole('button').map((b) => b.getAttribute('aria-label'))).toEqual(['Thumbs up', 'Applause', 'Laughing', 'Love', 'Celebrate', 'Surprised']);
    fireEvent.click(within(picker).getByRole('button', { name: 'Celebrate' }));
    expect(a.react).toHaveBeenCalledWith('🎉');
    fireEvent.keyDown(within(picker).getByRole('button', { name: 'Love' }), { key: 'Escape' });
    expect(screen.queryByRole('group', { name: 'Send a reaction' })).toBeNull();
    expect(document.activeElement).toBe(reactions);

    act(() => useRoomStore.getState().set({ reactions: { p1: { emoji: '👍', id: 1 } } }));
    expect(within(screen.getByRole('figure', { name: 'Cy' })).getByRole('img', { name: 'Cy reacts 👍' })).toBeInTheDocument();
  });

  it('offers the host actions to the host only, with no way to unmute anyone', () => {
    seat('p0');
    const a = roomActions();
    const { unmount } = render(<Room roomId="r" actions={a} />);
    more();
    expect(screen.queryByRole('button', { name: 'Lock room' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'End meeting for all' })).toBeNull();
    fireEvent.click(button('Participants'));
    expect(screen.queryByRole('group', { name: /Host actions/ })).toBeNull();
    unmount();

    useRoomStore.getState().reset();
    seat('me');
    useRoomStore.getState().patchPeer('p0', { info: peerInfo('p0', 'Bo', { audioMuted: true, handRaisedAt: 20, joinedAt: 1 }) });
    useRoomStore.getState().patchPeer('p1', { info: peerInfo('p1', 'Cy', { handRaisedAt: 10, joinedAt: 2 }) });
    render(<Room roomId="r" actions={a} />);
    more();
    fireEvent.click(button('Lock room'));
    expect(a.setLocked).toHaveBeenCalledWith(true);
    // A menu item closes the menu.
    expect(screen.queryByRole('group', { name: 'More actions' })).toBeNull();
    more();
    fireEvent.click(button('End meeting for all'));
    expect(a.endMeeting).toHaveBeenCalled();
    fireEvent.click(button('Participants'));
    const list = screen.getByRole('complementary', { name: 'Participants' });
    // Raised hands first, oldest first.
    expect(within(list).getAllByTestId('participant').map((li) => li.dataset.peerId)).toEqual(['p1', 'p0', 'me']);
    expect(within(list).queryByRole('group', { name: 'Host actions for Ada' })).toBeNull();
    const bo = within(list).getByRole('group', { name: 'Host actions for Bo' });
    expect(within(bo).getAllByRole('button').map((b) => b.getAttribute('aria-label'))).toEqual(['Stop camera of Bo', 'Lower hand of Bo', 'Make Bo host', 'Remove Bo']);
    expect(screen.queryByRole('button', { name: /unmute/i })).toBeNull();
    fireEvent.click(button('Mute Cy'));
    expect(a.moderate).toHaveBeenCalledWith('mute', 'p1');
    fireEvent.click(button('Remove Bo'));
    expect(a.moderate).toHaveBeenCalledWith('remove', 'p0');
  });

  it('shows the host who waits, with Admit and Deny', () => {
    seat('me');
    const a = roomActions();
    useRoomStore.getState().set({ waiting: [{ peerId: 'k1', displayName: 'Dee', since: 1 }] });
    render(<Room roomId="r" actions={a} />);
    expect(within(screen.getByRole('region', { name: 'Waiting to join' })).getByText('Dee wants to join')).toBeInTheDocument();
    fireEvent.click(button('Admit Dee'));
    expect(a.moderate).toHaveBeenCalledWith('admit', 'k1');
    fireEvent.click(button('Deny Dee'));
    expect(a.moderate).toHaveBeenCalledWith('deny', 'k1');
  });

  it('pins a tile to the stage, and the speaker view puts the active speaker there', () => {
    seat('p0');
    render(<Room roomId="r" actions={roomActions()} />);
    expect(screen.getByTestId('grid')).toHaveAttribute('data-layout', 'grid');
    fireEvent.click(button('Pin Cy'));
    expect(screen.getByTestId('grid')).toHaveAttribute('data-layout', 'speaker');
    expect(screen.getByRole('figure', { name: 'Cy' })).toHaveAttribute('data-on-stage', 'true');
    expect(button('Unpin Cy')).toHaveAttribute('aria-pressed', 'true');
    fireEvent.click(button('Unpin Cy'));
    expect(screen.getByTestId('grid')).toHaveAttribute('data-layout', 'grid');

    more();
    fireEvent.click(button('Speaker view'));
    expect(screen.getByRole('figure', { name: 'Bo' })).toHaveAttribute('data-on-stage', 'true');
    act(() => useRoomStore.getState().set({ activeSpeakerId: 'p1' }));
    expect(screen.getByRole('figure', { name: 'Cy' })).toHaveAttribute('data-on-stage', 'true');
    expect(screen.getByRole('figure', { name: 'Bo' })).toHaveAttribute('data-on-stage', 'false');
  });

  it('pages a large grid: off-page tiles are hidden and told invisible (the SFU stops their video)', () => {
    const names = Array.from({ length: 12 }, (_, i) => `P${i}`);
    seat('me', names);
    const a = { ...roomActions(), setTileVisible: vi.fn() };
    render(<Room roomId="r" actions={a} />);
    expect(screen.getByTestId('page')).toHaveTextContent('Page 1 of 2');
    const visible = () => screen.getAllByTestId('tile').filter((t) => !t.hidden).map((t) => t.getAttribute('aria-label'));
    expect(visible()).toEqual(['Ada (you)', ...names.slice(0, PAGE_TILES - 1)]);
    for (const i of [8, 9, 10, 11]) expect(a.setTileVisible).toHaveBeenCalledWith(`p${i}`, false);
    expect(button('Previous page')).toBeDisabled();
    fireEvent.click(button('Next page'));
    expect(visible()).toEqual(['Ada (you)', ...names.slice(PAGE_TILES - 1)]);
    expect(a.setTileVisible).toHaveBeenCalledWith('p0', false);
  });

  it('keeps the rarer actions in a "More" menu that Escape closes', () => {
    seat('p0');
    const a = roomActions();
    render(<Room roomId="r" actions={a} />);
    const menuButton = button('More');
    expect(menuButton).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByRole('button', { name: 'Copy invite link' })).toBeNull();
    more();
    expect(menuButton).toHaveAttribute('aria-expanded', 'true');
    const menu = screen.getByRole('group', { name: 'More actions' });
    expect(within(menu).getAllByRole('button').map((b) => b.textContent)).toEqual(['Speaker view', 'Copy invite link', 'Stats', 'Hide self view', 'Light theme', 'Keyboard shortcuts']);
    fireEvent.keyDown(within(menu).getByRole('button', { name: 'Stats' }), { key: 'Escape' });
    expect(screen.queryByRole('group', { name: 'More actions' })).toBeNull();
    expect(document.activeElement).toBe(menuButton);
    more();
    fireEvent.click(button('Copy invite link'));
    expect(a.copyInvite).toHaveBeenCalled();
  });

  it('hides the self view on request, and remembers it in this browser', () => {
    localStorage.clear();
    seat('p0');
    const a = roomActions();
    const { unmount } = render(<Room roomId="r" actions={a} />);
    expect(screen.getByRole('figure', { name: 'Ada (you)' })).toBeInTheDocument();
    more();
    fireEvent.click(button('Hide self view'));
    expect(screen.queryByRole('figure', { name: 'Ada (you)' })).toBeNull();
    expect(screen.getAllByRole('figure').map((f) => f.getAttribute('aria-label'))).toEqual(['Bo', 'Cy']);
    unmount();
    render(<Room roomId="r" actions={a} />);
    expect(screen.queryByRole('figure', { name: 'Ada (you)' })).toBeNull();
    more();
    expect(button('Hide self view')).toHaveAttribute('aria-pressed', 'true');
    fireEvent.click(button('Hide self view'));
    expect(screen.getByRole('figure', { name: 'Ada (you)' })).toBeInTheDocument();
    localStorage.clear();
  });
});
