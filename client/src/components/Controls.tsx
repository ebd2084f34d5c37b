import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Ellipsis, Hand, MessageSquare, Mic, MicOff, MonitorOff, MonitorUp, PhoneOff, SmilePlus, Users, Video, VideoOff } from 'lucide-react';
import { reactionEmojis, type ReactionEmoji } from '@confer/shared';
import type { Layout } from '../state/roomStore';
import { shortcutFor, shortcuts, type ShortcutAction } from '../room/shortcuts';
import { applyTheme, savedTheme, type Theme } from '../theme';
import { Popover } from './Popover';
import { ShortcutHelp } from './ShortcutHelp';
import { ToolButton } from './ToolButton';

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
  /** Hides (or shows again) our own tile: it is still sent to the others. */
  toggleSelfView(): void;
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
  selfHidden: boolean;
  isHost: boolean;
  locked: boolean;
}

export function Controls({ state, actions }: { state: ControlState; actions: ControlActions }) {
  const { audioMuted, videoMuted, sharing, participantsOpen, chatOpen, statsOpen, unread, handRaised, layout, selfHidden, isHost, locked } = state;
  const { t } = useTranslation();
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
    <nav className="controls" aria-label={t('toolbar.label')}>
      <ToolButton icon={audioMuted ? MicOff : Mic} label={audioMuted ? t('toolbar.unmute') : t('toolbar.mute')} shortcut={key('mic')} alert={audioMuted} onClick={toggle.mic} aria-pressed={audioMuted} />
      <ToolButton icon={videoMuted ? VideoOff : Video} label={t('toolbar.camera')} shortcut={key('camera')} alert={videoMuted} onClick={toggle.camera} aria-pressed={!videoMuted} />
      <ToolButton icon={sharing ? MonitorOff : MonitorUp} label={sharing ? t('toolbar.stopShare') : t('toolbar.share')} shortcut={key('share')} onClick={toggle.share} aria-pressed={sharing} />
      <ToolButton icon={Hand} label={handRaised ? t('toolbar.lowerHand') : t('toolbar.raiseHand')} shortcut={key('hand')} onClick={toggle.hand} aria-pressed={handRaised} />
      <Popover icon={SmilePlus} label={t('toolbar.reactions')} id="reaction-picker" panelLabel={t('toolbar.sendReaction')}>
        {reactionEmojis.map((emoji) => (
          <button key={emoji} type="button" aria-label={t(`reactions.${emoji}`)} title={t(`reactions.${emoji}`)} onClick={() => actions.react(emoji)}>
            {emoji}
          </button>
        ))}
      </Popover>
      <ToolButton icon={Users} label={t('toolbar.participants')} onClick={actions.toggleParticipants} aria-pressed={participantsOpen} aria-controls="participants" />
      <ToolButton icon={MessageSquare} label={t('toolbar.chat')} shortcut={key('chat')} onClick={toggle.chat} aria-pressed={chatOpen} aria-controls="chat" aria-label={unread > 0 ? t('toolbar.chatUnread', { count: unread }) : t('toolbar.chat')}>
        {unread > 0 && (
          <span className="unread-count" data-testid="unread">
            {unread}
          </span>
        )}
      </ToolButton>
      {/* The rarer actions, so that the toolbar keeps to one row on a laptop. */}
      <Popover icon={Ellipsis} label={t('toolbar.more')} id="more-actions" panelLabel={t('toolbar.moreActions')} closeOnPick>
        <button type="button" onClick={() => actions.setLayout(layout === 'grid' ? 'speaker' : 'grid')} aria-pressed={layout === 'speaker'}>
          {t('toolbar.speakerView')}
        </button>
        <button type="button" onClick={actions.copyInvite}>
          {t('toolbar.copyInvite')}
        </button>
        <button type="button" onClick={actions.toggleStats} aria-pressed={statsOpen} aria-controls="call-stats" title={t('toolbar.statsHint')}>
          {t('toolbar.stats')}
        </button>
        <button type="button" onClick={actions.toggleSelfView} aria-pressed={selfHidden}>
          {t('toolbar.hideSelf')}
        </button>
        <button type="button" onClick={flipTheme} aria-pressed={theme === 'light'}>
          {t('toolbar.lightTheme')}
        </button>
        <button type="button" onClick={toggle.help} aria-keyshortcuts="?">
          {t('toolbar.shortcuts')}
        </button>
        {isHost && (
          <>
            <button type="button" onClick={() => actions.setLocked(!locked)} aria-pressed={locked}>
              {locked ? t('toolbar.unlock') : t('toolbar.lock')}
            </button>
            <button type="button" className="leave" onClick={actions.endMeeting}>
              {t('toolbar.endForAll')}
            </button>
          </>
        )}
      </Popover>
      <ToolButton icon={PhoneOff} label={t('toolbar.leave')} className="leave" onClick={actions.leave} />
      {helpOpen && <ShortcutHelp onClose={() => setHelpOpen(false)} />}
    </nav>
  );
}
