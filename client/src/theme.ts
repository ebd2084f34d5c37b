import { loadSetting, saveSetting } from './settings';

/** Dark by default (video looks best on dark, as in every call app); light on request, kept in this browser. */
export type Theme = 'dark' | 'light';

const KEY = 'confer.theme';

export function savedTheme(): Theme {
  return loadSetting(KEY) === 'light' ? 'light' : 'dark';
}

/** Applies a theme to the page (styles.css reads `data-theme`) and remembers it. */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  saveSetting(KEY, theme);
}
