import { act, render, screen } from '@testing-library/react';
import { Profiler } from 'react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { initialMediaState, useMediaStore } from '../state/mediaStore';
import type * as MediaStoreModule from '../state/mediaStore';
import { useRoomStore } from '../state/roomStore';
import { DevicePickers } from './DevicePicker';
import { RemoteTile, SelfTile } from './RoomTiles';
import { peerInfo } from '../../test-support/fixtures';

// The store hook, counted (its getState/setState kept): how often components read it.
vi.mock('../state/mediaStore', async (importOriginal) => {
  const actual = await importOriginal<typeof MediaStoreModule>();
  return { ...actual, useMediaStore: Object.assign(vi.fn(actual.useMediaStore), actual.useMediaStore) };
});

const peer = (peerId: string, displayName: string) => peerInfo(peerId, displayName);
const quality = { score: 2, level: 'poor' as const, reasons: ['packet loss'] };

describe('room tiles', () => {
  beforeEach(() => {
    useMediaStore.setState(initialMediaState);
    useRoomStore.getState().reset();
    const store = useRoomStore.getState();
    store.set({ phase: 'in-room', self: peer('me', 'Ada') });
    store.upsertPeer(peer('p1', 'Bo'));
    store.upsertPeer(peer('p2', 'Cy'));
  });

  it('news about one peer re-renders that peer tile only (a switch or join is a burst of such news)', () => {
    const renders = { me: vi.fn(), p1: vi.fn(), p2: vi.fn() };
    render(
      <>
        <Profiler id="me" onRender={renders.me}>
          <SelfTile />
        </Profiler>
        {(['p1', 'p2'] as const).map((id) => (
          <Profiler key={id} id={id} onRender={renders[id]}>
            <RemoteTile peerId={id} />
          </Profiler>
        ))}
      </>,
    );
    expect(screen.getAllByTestId('tile')).toHaveLength(3);
    for (const spy of Object.values(renders)) spy.mockClear();

    act(() => useRoomStore.getState().patchPeer('p1', { link: 'connected', quality }));
    expect(renders.p1).toHaveBeenCalled();
    expect(renders.p2).not.toHaveBeenCalled();
    expect(renders.me).not.toHaveBeenCalled();

    renders.p1.mockClear();
    act(() => useRoomStore.getState().set({ selfQuality: quality }));
    expect(renders.me).toHaveBeenCalled();
    expect(renders.p1).not.toHaveBeenCalled();
    expect(renders.p2).not.toHaveBeenCalled();
  });

  it('outlines the active speaker only; anyone else the SFU hears shows a speaking icon; a muted peer neither', () => {
    const { container } = render(
      <>
        <RemoteTile peerId="p1" />
        <RemoteTile peerId="p2" />
      </>,
    );
    const tile = (id: string) => container.querySelector(`[data-peer-id="${id}"]`)!;
    act(() => useRoomStore.getState().set({ topology: 'sfu', activeSpeakerId: 'p1', audiblePeerIds: ['p1', 'p2'] }));
    expect(tile('p1')).toHaveClass('active-speaker');
    expect(tile('p2')).not.toHaveClass('active-speaker');
    for (const id of ['p1', 'p2']) expect(tile(id).querySelector('[data-testid="speaking-indicator"]')).toHaveAccessibleName('speaking');

    act(() => useRoomStore.getState().upsertPeer({ ...peer('p1', 'Bo'), audioMuted: true }));
    expect(tile('p1')).not.toHaveClass('active-speaker');
    expect(tile('p1').querySelector('[data-testid="speaking-indicator"]')).toBeNull();
  });
});

describe('device pickers', () => {
  it('a room render (a peer leaving, a switch) does not re-render them; a device change does', () => {
    const actions = { selectDevice: vi.fn(), setFilter: vi.fn() };
    function Room() {
      useRoomStore((s) => s.order);
      return <DevicePickers actions={actions} />;
    }
    render(<Room />);
    expect(screen.getByLabelText('Camera')).toBeDefined();
    // Only the pickers read the media store here: each of their renders is one call.
    const renders = vi.mocked(useMediaStore);
    renders.mockClear();
    act(() => useRoomStore.getState().removePeer('p1'));
    expect(renders).not.toHaveBeenCalled();
    act(() => useMediaStore.setState({ cameraId: 'cam-2' }));
    expect(renders).toHaveBeenCalled();
  });
});
