import { shortcuts } from '../room/shortcuts';

/** The list the "?" key opens; Escape or Close shuts it. */
export function ShortcutHelp({ onClose }: { onClose(): void }) {
  return (
    <div className="shortcut-help" role="dialog" aria-label="Keyboard shortcuts" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <h2>Keyboard shortcuts</h2>
      <dl>
        {Object.values(shortcuts).map(({ key, does }) => (
          <div key={key}>
            <dt>
              <kbd>{key}</kbd>
            </dt>
            <dd>{does}</dd>
          </div>
        ))}
      </dl>
      {/* Focused on opening, so that Escape and Enter work at once. */}
      <button type="button" onClick={onClose} ref={(b) => b?.focus()}>
        Close
      </button>
    </div>
  );
}
