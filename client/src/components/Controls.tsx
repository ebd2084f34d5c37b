import { useRef, useState } from 'react';
import { reactionEmojis, type ReactionEmoji } from '@confer/shared';
import type { Layout } from '../state/roomStore';

/** Each reaction's accessible name. */
export const reactionNames: Record<ReactionEmoji, string> = { '👍': 'Thumbs up', '👏': 'Applause', '😂': 'Laughing', '❤️': 'Love', '🎉': 'Celebrate', '😮': 'Surprised' };

export interface ControlActions {
  setMicMuted(muted: boolean): void;
  setCameraOn(on: boolean): void;
  startShare(): void;
  stopShare(): void;
  toggleParticipants(): void;
  toggleChat(): void;
  toggleStats(): void;
  setHandRaised(raised: boolean): void;
  react(emoji: ReactionEmoji): void;
  setLayout(layout: Layout): void;
  /** Copies the room's link (never a token or password) and says so. */
  copyInvite(): void;
  setLocked(locked: boolean): void;
  endMeeting(): void;
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
  handRaised: boolean;
  layout: Layout;
  isHost: boolean;
  locked: boolean;
}

export function Controls({ state, actions }: { state: ControlState; actions: ControlActions }) {
  const { audioMuted, videoMuted, sharing, participantsOpen, chatOpen, statsOpen, unread, handRaised, layout, isHost, locked } = state;
  const [reactionsOpen, setReactionsOpen] = useState(false);
  const reactionsButton = useRef<HTMLButtonElement>(null);
  const closeReactions = () => {
    setReactionsOpen(false);
    reactionsButton.current?.focus();
  };
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
      <button type="button" onClick={() => actions.setHandRaised(!handRaised)} aria-pressed={handRaised}>
        {handRaised ? 'Lower hand' : 'Raise hand'}
      </button>
      <span className="reactions">
        <button ref={reactionsButton} type="button" aria-expanded={reactionsOpen} aria-controls="reaction-picker" onClick={() => setReactionsOpen((o) => !o)}>
          Reactions
        </button>
        {reactionsOpen && (
          <span id="reaction-picker" role="group" aria-label="Send a reaction" className="reaction-picker" onKeyDown={(e) => e.key === 'Escape' && closeReactions()}>
            {reactionEmojis.map((emoji) => (
              <button key={emoji} type="button" aria-label={reactionNames[emoji]} title={reactionNames[emoji]} onClick={() => actions.react(emoji)}>
                {emoji}
              </button>
            ))}
          </span>
        )}
      </span>
      <button type="button" onClick={() => actions.setLayout(layout === 'grid' ? 'speaker' : 'grid')} aria-pressed={layout === 'speaker'}>
        Speaker view
      </button>
      <button type="button" onClick={actions.copyInvite}>
        Copy invite link
      </button>
      {isHost && (
        <>
          <button type="button" onClick={() => actions.setLocked(!locked)} aria-pressed={locked}>
            {locked ? 'Unlock room' : 'Lock room'}
          </button>
          <button type="button" className="leave" onClick={actions.endMeeting}>
            End meeting for all
          </button>
        </>
      )}
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
