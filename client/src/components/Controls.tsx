export interface ControlActions {
  setMicMuted(muted: boolean): void;
  setCameraOn(on: boolean): void;
  startShare(): void;
  stopShare(): void;
  toggleParticipants(): void;
  toggleChat(): void;
  toggleStats(): void;
  leave(): void;
}

export interface ControlState {
  audioMuted: boolean;
  videoMuted: boolean;
  sharing: boolean;
  participantsOpen: boolean;
  chatOpen: boolean;
  statsOpen: boolean;
  /** Chat messages that arrived while the panel was closed. */
  unread: number;
}

export function Controls({ state, actions }: { state: ControlState; actions: ControlActions }) {
  const { audioMuted, videoMuted, sharing, participantsOpen, chatOpen, statsOpen, unread } = state;
  return (
    <nav className="controls" aria-label="Call controls">
      <button type="button" onClick={() => actions.setMicMuted(!audioMuted)} aria-pressed={audioMuted}>
        {audioMuted ? 'Unmute' : 'Mute'}
      </button>
      <button type="button" onClick={() => actions.setCameraOn(videoMuted)} aria-pressed={!videoMuted}>
        Camera
      </button>
      <button type="button" onClick={sharing ? actions.stopShare : actions.startShare} aria-pressed={sharing}>
        {sharing ? 'Stop sharing' : 'Share screen'}
      </button>
      <button type="button" onClick={actions.toggleParticipants} aria-pressed={participantsOpen} aria-controls="participants">
        Participants
      </button>
      <button type="button" onClick={actions.toggleChat} aria-pressed={chatOpen} aria-controls="chat" aria-label={unread > 0 ? `Chat, ${unread} unread` : 'Chat'}>
        Chat
        {unread > 0 && (
          <span className="badge" data-testid="unread">
            {unread}
          </span>
        )}
      </button>
      <button type="button" onClick={actions.toggleStats} aria-pressed={statsOpen} aria-controls="call-stats" title="Call quality: live stats of every participant">
        Stats
      </button>
      <button type="button" className="leave" onClick={actions.leave}>
        Leave
      </button>
    </nav>
  );
}
