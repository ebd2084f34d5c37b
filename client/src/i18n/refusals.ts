import i18next from 'i18next';
import type { ErrorCode, ProtocolError } from '@confer/shared';
import type { en } from './en';

export type RefusalKey = keyof typeof en.refusals;

/** One refusal text (or connection reason) in the page's language. */
export const refusalText = (key: RefusalKey): string => i18next.t(`refusals.${key}`);

/**
 * What a server's refusal means to the user, in the page's language, by its code: the server's own message
 * is English, for logs. `meaning` gives a code the sense it has in one place (FORBIDDEN at a join: removed).
 */
export function describeRefusal(error: Pick<ProtocolError, 'code'>, meaning: Partial<Record<ErrorCode, RefusalKey>> = {}): string {
  return refusalText(meaning[error.code] ?? error.code);
}
