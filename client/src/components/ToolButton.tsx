import type { ComponentProps } from 'react';
import type { LucideIcon } from 'lucide-react';

/**
 * A toolbar button: an icon over a visible label (the label is the accessible name), its shortcut in the
 * tooltip and `aria-keyshortcuts`; `alert` marks a state to notice (microphone muted, camera off).
 */
export function ToolButton({ icon: Icon, label, shortcut, alert = false, className = '', children, ...rest }: ComponentProps<'button'> & { icon: LucideIcon; label: string; shortcut?: string; alert?: boolean }) {
  return (
    <button type="button" className={`tool${alert ? ' alert' : ''} ${className}`.trim()} title={shortcut ? `${label} (${shortcut})` : label} aria-keyshortcuts={shortcut} {...rest}>
      <Icon aria-hidden="true" size={20} />
      <span className="tool-label">{label}</span>
      {children}
    </button>
  );
}
