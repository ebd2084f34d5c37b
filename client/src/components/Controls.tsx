import { reactionEmojis, type ReactionEmoji } from '@confer/shared';
import type { Layout } from '../state/roomStore';
import { Popover } from './Popover';

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
      <Popover label="Reactions" id="reaction-picker" panelLabel="Send a reaction">
        {reactionEmojis.map((emoji) => (
          <button key={emoji} type="button" aria-label={reactionNames[emoji]} title={reactionNames[emoji]} onClick={() => actions.react(emoji)}>
            {emoji}
          </button>
        ))}
      </Popover>
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
      {/* The rarer actions, so that the toolbar keeps to one row on a laptop. */}
      <Popover label="More" id="more-actions" panelLabel="More actions" closeOnPick>
        <button type="button" onClick={() => actions.setLayout(layout === 'grid' ? 'speaker' : 'grid')} aria-pressed={layout === 'speaker'}>
          Speaker view
        </button>
        <button type="button" onClick={actions.copyInvite}>
          Copy invite link
        </button>
        <button type="button" onClick={actions.toggleStats} aria-pressed={statsOpen} aria-controls="call-stats" title="Call quality: live stats of every participant">
          Stats
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
      </Popover>
      <button type="button" className="leave" onClick={actions.leave}>
        Leave
      </button>
    </nav>
  );
}
