/** The toolbar's keyboard shortcuts: one key each, as in Jitsi Meet and LiveKit Meet. */
export type ShortcutAction = 'mic' | 'camera' | 'share' | 'chat' | 'hand' | 'help';

export const shortcuts: Record<ShortcutAction, { key: string; does: string }> = {
  mic: { key: 'M', does: 'Mute or unmute the microphone' },
  camera: { key: 'V', does: 'Turn the camera on or off' },
  share: { key: 'S', does: 'Share the screen, or stop' },
  chat: { key: 'C', does: 'Open or close the chat' },
  hand: { key: 'H', does: 'Raise or lower the hand' },
  help: { key: '?', does: 'List these shortcuts' },
};

const byKey = new Map(Object.entries(shortcuts).map(([action, { key }]) => [key.toLowerCase(), action as ShortcutAction]));

export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  /** What has the focus: typing there (chat, a name) is never a shortcut. */
  target: EventTarget | null;
}

function isTyping(target: EventTarget | null): boolean {
  if (!target || typeof target !== 'object' || !('tagName' in target)) return false;
  const element = target as HTMLElement;
  return ['INPUT', 'TEXTAREA', 'SELECT'].includes(element.tagName) || element.isContentEditable;
}

/** The action a key press asks for, or null: with Ctrl, Cmd or Alt it belongs to the browser. */
export function shortcutFor(press: KeyPress): ShortcutAction | null {
  if (press.ctrlKey || press.metaKey || press.altKey || isTyping(press.target)) return null;
  return byKey.get(press.key.toLowerCase()) ?? null;
}
