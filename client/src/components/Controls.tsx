import { useEffect, useState } from 'react';
import { Ellipsis, Hand, MessageSquare, Mic, MicOff, MonitorOff, MonitorUp, PhoneOff, SmilePlus, Users, Video, VideoOff } from 'lucide-react';
import { reactionEmojis, type ReactionEmoji } from '@confer/shared';
import type { Layout } from '../state/roomStore';
import { shortcutFor, shortcuts, type ShortcutAction } from '../room/shortcuts';
import { applyTheme, savedTheme, type Theme } from '../theme';
import { Popover } from './Popover';
import { ShortcutHelp } from './ShortcutHelp';
import { ToolButton } from './ToolButton';

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
  const [helpOpen, setHelpOpen] = useState(false);
  const [theme, setTheme] = useState<Theme>(savedTheme);
  const toggle: Record<ShortcutAction, () => void> = {
    mic: () => actions.setMicMuted(!audioMuted),
    camera: () => actions.setCameraOn(videoMuted),
    share: sharing ? actions.stopShare : actions.startShare,
    chat: actions.toggleChat,
    hand: () => actions.setHandRaised(!handRaised),
    help: () => setHelpOpen((o) => !o),
  };
  // Re-bound on every render, so that a key always acts on the state the toolbar shows.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const action = shortcutFor(e);
      if (!action) return;
      e.preventDefault();
      toggle[action]();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  });
  const key = (action: ShortcutAction) => shortcuts[action].key;
  const flipTheme = () => {
    const next = theme === 'dark' ? 'light' : 'dark';
    applyTheme(next);
    setTheme(next);
  };
  return (
    <nav className="controls" aria-label="Call controls">
      <ToolButton icon={audioMuted ? MicOff : Mic} label={audioMuted ? 'Unmute' : 'Mute'} shortcut={key('mic')} alert={audioMuted} onClick={toggle.mic} aria-pressed={audioMuted} />
      <ToolButton icon={videoMuted ? VideoOff : Video} label="Camera" shortcut={key('camera')} alert={videoMuted} onClick={toggle.camera} aria-pressed={!videoMuted} />
      <ToolButton icon={sharing ? MonitorOff : MonitorUp} label={sharing ? 'Stop sharing' : 'Share screen'} shortcut={key('share')} onClick={toggle.share} aria-pressed={sharing} />
      <ToolButton icon={Hand} label={handRaised ? 'Lower hand' : 'Raise hand'} shortcut={key('hand')} onClick={toggle.hand} aria-pressed={handRaised} />
      <Popover icon={SmilePlus} label="Reactions" id="reaction-picker" panelLabel="Send a reaction">
        {reactionEmojis.map((emoji) => (
          <button key={emoji} type="button" aria-label={reactionNames[emoji]} title={reactionNames[emoji]} onClick={() => actions.react(emoji)}>
            {emoji}
          </button>
        ))}
      </Popover>
      <ToolButton icon={Users} label="Participants" onClick={actions.toggleParticipants} aria-pressed={participantsOpen} aria-controls="participants" />
      <ToolButton icon={MessageSquare} label="Chat" shortcut={key('chat')} onClick={toggle.chat} aria-pressed={chatOpen} aria-controls="chat" aria-label={unread > 0 ? `Chat, ${unread} unread` : 'Chat'}>
        {unread > 0 && (
          <span className="unread-count" data-testid="unread">
            {unread}
          </span>
        )}
      </ToolButton>
      {/* The rarer actions, so that the toolbar keeps to one row on a laptop. */}
      <Popover icon={Ellipsis} label="More" id="more-actions" panelLabel="More actions" closeOnPick>
        <button type="button" onClick={() => actions.setLayout(layout === 'grid' ? 'speaker' : 'grid')} aria-pressed={layout === 'speaker'}>
          Speaker view
        </button>
        <button type="button" onClick={actions.copyInvite}>
          Copy invite link
        </button>
        <button type="button" onClick={actions.toggleStats} aria-pressed={statsOpen} aria-controls="call-stats" title="Call quality: live stats of every participant">
          Stats
        </button>
        <button type="button" onClick={flipTheme} aria-pressed={theme === 'light'}>
          Light theme
        </button>
        <button type="button" onClick={toggle.help} aria-keyshortcuts="?">
          Keyboard shortcuts
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
      <ToolButton icon={PhoneOff} label="Leave" className="leave" onClick={actions.leave} />
      {helpOpen && <ShortcutHelp onClose={() => setHelpOpen(false)} />}
    </nav>
  );
}
