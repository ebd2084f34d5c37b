import type { ComponentProps } from 'react';
import type { LucideIcon } from 'lucide-react';
import { useTranslation } from 'react-i18next';

/**
 * A toolbar button: an icon over a visible label (the label is the accessible name), its shortcut in the
 * tooltip and `aria-keyshortcuts`; `alert` marks a state to notice (microphone muted, camera off).
 */
export function ToolButton({ icon: Icon, label, shortcut, alert = false, className = '', children, ...rest }: ComponentProps<'button'> & { icon: LucideIcon; label: string; shortcut?: string; alert?: boolean }) {
  const { t } = useTranslation();
  return (
    <button type="button" className={`tool${alert ? ' alert' : ''} ${className}`.trim()} title={shortcut ? t('toolbar.withShortcut', { label, key: shortcut }) : label} aria-keyshortcuts={shortcut} {...rest}>
      <Icon aria-hidden="true" size={20} />
      <span className="tool-label">{label}</span>
      {children}
    </button>
  );
}
