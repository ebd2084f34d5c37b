/** This browser's remembered choices (theme, language): storage may be refused (private mode), then they last a page. */
export function loadSetting(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function saveSetting(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Refused: the choice holds for this page only.
  }
}
