import { fireEvent, render, screen } from '@testing-library/react';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { initialMediaState, useMediaStore } from '../state/mediaStore';
import { Lobby, type LobbyActions } from './Lobby';

const device = (kind: MediaDeviceKind, deviceId: string, label: string) => ({ kind, deviceId, label, groupId: 'g', toJSON: () => ({}) }) as MediaDeviceInfo;

function actions(): LobbyActions {
  return { selectDevice: vi.fn(), setFilter: vi.fn(), setCameraOn: vi.fn(), setMicMuted: vi.fn(), join: vi.fn() };
}

describe('Lobby', () => {
  beforeEach(() => {
    localStorage.clear();
    useMediaStore.setState({
      ...initialMediaState,
      devices: {
        cameras: [device('videoinput', 'cam1', 'Front camera'), device('videoinput', 'cam2', 'USB camera')],
        microphones: [device('audioinput', 'mic1', 'Built-in mic')],
        speakers: [],
      },
    });
  });

  it('lets go of the camera preview when the lobby closes (a detached element holding a camera starves its capture)', () => {
    vi.stubGlobal('MediaStream', class {
      constructor(readonly tracks: unknown[]) {}
    });
    useMediaStore.setState({ videoTrack: { kind: 'video' } as MediaStreamTrack });
    const { unmount } = render(<Lobby roomId="standup" actions={actions()} joining={false} error={null} />);
    const preview = screen.getByTestId('preview') as HTMLVideoElement;
    expect(preview.srcObject).not.toBeNull();
    unmount();
    expect(preview.srcObject).toBeNull();
    vi.unstubAllGlobals();
  });

  it('shows why the camera is unavailable and still lets the user join without it', () => {
    useMediaStore.setState({ videoError: "Permission to use the camera was denied. Allow it in the browser's site settings, or join without it." });
    const a = actions();
    render(<Lobby roomId="standup" actions={a} joining={false} error={null} />);
    expect(screen.getByTestId('camera-error')).toHaveTextContent('Permission to use the camera was denied');
    expect(screen.getByText('No camera')).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText('Your name'), { target: { value: '  Ada  ' } });
    fireEvent.click(screen.getByRole('button', { name: 'Join' }));
    expect(a.join).toHaveBeenCalledWith('Ada');
    expect(localStorage.getItem('confer.displayName')).toBe('Ada');
  });

  it('remembers the name, and keeps Join disabled without one', () => {
    const { unmount } = render(<Lobby roomId="standup" actions={actions()} joining={false} error={null} />);
    expect(screen.getByRole('button', { name: 'Join' })).toBeDisabled();
    unmount();
    localStorage.setItem('confer.displayName', 'Bo');
    render(<Lobby roomId="standup" actions={actions()} joining={false} error={null} />);
    expect(screen.getByLabelText('Your name')).toHaveValue('Bo');
    expect(screen.getByRole('button', { name: 'Join' })).toBeEnabled();
  });

  it('lists devices in labelled pickers and reports a choice', () => {
    const a = actions();
    render(<Lobby roomId="standup" actions={a} joining={false} error={null} />);
    const camera = screen.getByLabelText('Camera');
    expect([...camera.querySelectorAll('option')].map((o) => o.textContent)).toEqual(['Front camera', 'USB camera']);
    fireEvent.change(camera, { target: { value: 'cam2' } });
    expect(a.selectDevice).toHaveBeenCalledWith('camera', 'cam2');
    expect(screen.getByLabelText('Speaker')).toBeDisabled();
    expect(screen.getByLabelText('Speaker')).toHaveTextContent('None found');
  });

  it.each([
    ['audio', 'Enhanced noise suppression'],
    ['video', 'Blur background'],
  ] as const)('offers the %s filter, and says when the browser cannot run it', (kind, label) => {
    const a = actions();
    const { rerender } = render(<Lobby roomId="standup" actions={a} joining={false} error={null} />);
    const toggle = screen.getByLabelText(label);
    expect(toggle).not.toBeChecked();
    fireEvent.click(toggle);
    expect(a.setFilter).toHaveBeenCalledWith(kind, true);
    const state = useMediaStore.getState();
    useMediaStore.setState({ filters: { ...state.filters, [kind]: true }, filterErrors: { ...state.filterErrors, [kind]: `${label} could not start` } });
    rerender(<Lobby roomId="standup" actions={a} joining={false} error={null} />);
    expect(screen.getByLabelText(label)).toBeChecked();
    expect(screen.getByTestId(`filter-error-${kind}`)).toHaveTextContent('could not start');
    expect(screen.queryAllByRole('status')).toHaveLength(1);
  });

  it('joins with camera or microphone off', () => {
    const a = actions();
    render(<Lobby roomId="standup" actions={a} joining={false} error={null} />);
    fireEvent.click(screen.getByLabelText('Camera on'));
    expect(a.setCameraOn).toHaveBeenCalledWith(false);
    fireEvent.click(screen.getByLabelText('Microphone on'));
    expect(a.setMicMuted).toHaveBeenCalledWith(true);
  });

  it('joins with the room password typed, and with a join token shows its name and asks no password', () => {
    const a = actions();
    const { unmount } = render(<Lobby roomId="standup" actions={a} joining={false} error="This room is protected: enter its password." />);
    fireEvent.change(screen.getByLabelText('Your name'), { target: { value: 'Ada' } });
    fireEvent.change(screen.getByLabelText('Room password'), { target: { value: 'open sesame' } });
    fireEvent.click(screen.getByRole('button', { name: 'Join' }));
    expect(a.join).toHaveBeenCalledWith('Ada', 'open sesame');
    unmount();
    render(<Lobby roomId="standup" actions={actions()} joining={false} error={null} tokenName="Ada Lovelace" />);
    expect(screen.getByLabelText('Your name')).toHaveValue('Ada Lovelace');
    expect(screen.queryByLabelText('Room password')).toBeNull();
  });

  it('shows a join error such as a full room', () => {
    render(<Lobby roomId="standup" actions={actions()} joining={false} error="This room is full." />);
    expect(screen.getByRole('alert')).toHaveTextContent('This room is full.');
  });
});
