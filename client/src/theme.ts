/** Dark by default (video looks best on dark, as in every call app); light on request, kept in this browser. */
export type Theme = 'dark' | 'light';

const KEY = 'confer.theme';

export function savedTheme(): Theme {
  try {
    return localStorage.getItem(KEY) === 'light' ? 'light' : 'dark';
  } catch {
    return 'dark';
  }
}

/** Applies a theme to the page (styles.css reads `data-theme`) and remembers it. */
export function applyTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // Storage refused (private mode): the theme holds for this page only.
  }
}
