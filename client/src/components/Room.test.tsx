import { act, fireEvent, render, screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';
import { initialMediaState, useMediaStore } from '../state/mediaStore';
import { useRoomStore } from '../state/roomStore';
import { Room } from './Room';
import { peerInfo, roomActions } from '../../test-support/fixtures';

const peer = (peerId: string, displayName: string, audioMuted = false, videoMuted = false, screenSharing = false) => peerInfo(peerId, displayName, { audioMuted, videoMuted, screenSharing });

describe('Room', () => {
  beforeEach(() => {
    useMediaStore.setState(initialMediaState);
    useRoomStore.getState().reset();
    const store = useRoomStore.getState();
    store.set({ phase: 'in-room', self: peer('me', 'Ada') });
    store.upsertPeer(peer('p1', 'Bo', true, false));
    store.upsertPeer(peer('p2', 'Cy', false, true));
    store.patchPeer('p1', { link: 'connected' });
    store.patchPeer('p2', { link: 'reconnecting' });
  });

  const actions = roomActions;

  it('shows a tile per participant, in join order, with names and indicators', () => {
    render(<Room roomId="standup" actions={actions()} />);
    const tiles = screen.getAllByTestId('tile');
    expect(tiles.map((t) => within(t).getByTestId('tile-name').textContent)).toEqual(['Ada (you)', 'Bo', 'Cy']);
    expect(within(tiles[1]!).getByRole('img', { name: 'Microphone muted' })).toBeInTheDocument();
    expect(within(tiles[2]!).getByRole('img', { name: 'Camera off' })).toBeInTheDocument();
    expect(within(tiles[2]!).getByTestId('link-state')).toHaveTextContent('Reconnecting…');
    expect(within(tiles[1]!).queryByTestId('link-state')).toBeNull();
    expect(screen.getByTestId('grid')).toHaveStyle({ gridTemplateColumns: 'repeat(2, minmax(0, 1fr))' });
  });

  it('removes a tile when its participant leaves', () => {
    render(<Room roomId="standup" actions={actions()} />);
    expect(screen.getAllByTestId('tile')).toHaveLength(3);
    act(() => useRoomStore.getState().removePeer('p1'));
    expect(screen.queryByLabelText('Bo')).toBeNull();
  });

  it('has controls named by their labels', () => {
    const a = actions();
    render(<Room roomId="standup" actions={a} />);
    fireEvent.click(screen.getByRole('button', { name: 'Mute' }));
    expect(a.setMicMuted).toHaveBeenCalledWith(true);
    fireEvent.click(screen.getByRole('button', { name: 'Camera' }));
    expect(a.setCameraOn).toHaveBeenCalledWith(false);
    fireEvent.click(screen.getByRole('button', { name: 'Leave' }));
    expect(a.leave).toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Participants' }));
    expect(within(screen.getByRole('complementary', { name: 'Participants' })).getAllByTestId('participant').map((li) => li.textContent)).toEqual([
      'Ada(you)',
      'Bomuted',
      'CyReconnecting…camera off',
    ]);
  });
});
