import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { de } from './de';
import { en } from './en';
import { loadSetting, saveSetting } from '../settings';

/** The languages the UI speaks, each named in itself (for the picker). */
export const languages = { en: 'English', de: 'Deutsch' } as const;
export type Language = keyof typeof languages;

const KEY = 'confer.language';
const isLanguage = (tag: string): tag is Language => tag in languages;

/** The saved choice, else the first of the browser's languages we speak, else English. */
export function pickLanguage(saved: string | null, preferred: readonly string[]): Language {
  if (saved && isLanguage(saved)) return saved;
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0] ?? '';
    if (isLanguage(base)) return base;
  }
  return 'en';
}

/** Starts i18next (synchronously: the strings are in the bundle) in the language this browser should see. */
export function initI18n(language: Language = pickLanguage(loadSetting(KEY), typeof navigator === 'undefined' ? [] : navigator.languages)): void {
  void i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, de: { translation: de } },
    lng: language,
    fallbackLng: 'en',
    initAsync: false,
    interpolation: { escapeValue: false },
  });
  document.documentElement.lang = language;
}

/** The user picked a language: the page speaks it now and on the next visit. */
export function setLanguage(language: Language): void {
  saveSetting(KEY, language);
  document.documentElement.lang = language;
  void i18next.changeLanguage(language);
}

export function currentLanguage(): Language {
  const lng = i18next.language;
  return isLanguage(lng) ? lng : 'en';
}
