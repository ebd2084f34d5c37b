import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { shortcuts, type ShortcutAction } from '../room/shortcuts';

/** The list the "?" key opens; Escape or Close shuts it. */
export function ShortcutHelp({ onClose }: { onClose(): void }) {
  const { t } = useTranslation();
  const close = useRef<HTMLButtonElement>(null);
  // Focused once on opening (not on every render of the toolbar), so that Escape and Enter work at once.
  useEffect(() => close.current?.focus(), []);
  return (
    <div className="shortcut-help" role="dialog" aria-label={t('shortcuts.title')} onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <h2>{t('shortcuts.title')}</h2>
      <dl>
        {(Object.entries(shortcuts) as [ShortcutAction, { key: string }][]).map(([action, { key }]) => (
          <div key={key}>
            <dt>
              <kbd>{key}</kbd>
            </dt>
            <dd>{t(`shortcuts.${action}`)}</dd>
          </div>
        ))}
      </dl>
      <button type="button" onClick={onClose} ref={close}>
        {t('shortcuts.close')}
      </button>
    </div>
  );
}
