export interface ControlActions {
  setMicMuted(muted: boolean): void;
  setCameraOn(on: boolean): void;
  toggleParticipants(): void;
  leave(): void;
}

export function Controls(props: { audioMuted: boolean; videoMuted: boolean; participantsOpen: boolean; actions: ControlActions }) {
  const { audioMuted, videoMuted, participantsOpen, actions } = props;
  return (
    <nav className="controls" aria-label="Call controls">
      <button type="button" onClick={() => actions.setMicMuted(!audioMuted)} aria-pressed={audioMuted}>
        {audioMuted ? 'Unmute' : 'Mute'}
      </button>
      <button type="button" onClick={() => actions.setCameraOn(videoMuted)} aria-pressed={!videoMuted}>
        Camera
      </button>
      <button type="button" onClick={actions.toggleParticipants} aria-pressed={participantsOpen} aria-controls="participants">
        Participants
      </button>
      <button type="button" className="leave" onClick={actions.leave}>
        Leave
      </button>
    </nav>
  );
}
