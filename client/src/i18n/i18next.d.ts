import type { en } from './en';

// t() knows every key (a typo does not compile) and returns a string.
declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof en };
  }
}
