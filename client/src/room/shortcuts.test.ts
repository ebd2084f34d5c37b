import { describe, expect, it } from 'vitest';
import { shortcutFor, type KeyPress } from './shortcuts';

const press = (key: string, more: Partial<KeyPress> = {}): KeyPress => ({ key, ctrlKey: false, metaKey: false, altKey: false, target: null, ...more });

describe('shortcutFor', () => {
  it('maps one key to each toolbar action, in either case', () => {
    expect(['m', 'V', 's', 'c', 'h', '?'].map((k) => shortcutFor(press(k)))).toEqual(['mic', 'camera', 'share', 'chat', 'hand', 'help']);
    expect(shortcutFor(press('x'))).toBeNull();
  });

  it('leaves keys with Ctrl, Cmd or Alt to the browser, and typing in a field alone', () => {
    expect(shortcutFor(press('m', { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(press('c', { metaKey: true }))).toBeNull();
    expect(shortcutFor(press('s', { altKey: true }))).toBeNull();
    expect(shortcutFor(press('m', { target: document.createElement('textarea') }))).toBeNull();
    expect(shortcutFor(press('m', { target: document.createElement('input') }))).toBeNull();
    expect(shortcutFor(press('m', { target: document.createElement('button') }))).toBe('mic');
  });
});
