import { useRef, useState, type ReactNode } from 'react';
import type { LucideIcon } from 'lucide-react';
import { ToolButton } from './ToolButton';

/**
 * A button that opens a small panel above the toolbar (the reaction picker, the "More" menu): Escape closes
 * it and gives the focus back to the button, so it works from the keyboard alone. A menu (`closeOnPick`) also
 * closes once one of its buttons has done its job.
 */
export function Popover(props: { icon: LucideIcon; label: string; id: string; panelLabel: string; closeOnPick?: boolean; children: ReactNode }) {
  const { icon, label, id, panelLabel, closeOnPick = false, children } = props;
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  return (
    <span className="popover">
      <ToolButton ref={button} icon={icon} label={label} aria-expanded={open} aria-controls={id} onClick={() => setOpen((o) => !o)} />
      {open && (
        <span id={id} role="group" aria-label={panelLabel} className="popover-panel" onKeyDown={(e) => e.key === 'Escape' && close()}
          onClick={(e) => closeOnPick && e.target instanceof Element && e.target.closest('button') && close()}
        >
          {children}
        </span>
      )}
    </span>
  );
}
