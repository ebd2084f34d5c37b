/** The toolbar's keyboard shortcuts: one key each, as in Jitsi Meet and LiveKit Meet. */
export type ShortcutAction = 'mic' | 'camera' | 'share' | 'chat' | 'hand' | 'help';

/** Each action's key (what it does is said in every language: i18n `shortcuts.<action>`). */
export const shortcuts: Record<ShortcutAction, { key: string }> = {
  mic: { key: 'M' },
  camera: { key: 'V' },
  share: { key: 'S' },
  chat: { key: 'C' },
  hand: { key: 'H' },
  help: { key: '?' },
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
