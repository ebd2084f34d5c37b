export type DeviceKind = 'camera' | 'microphone';

/** What the user reads when a device cannot be opened, and whether retrying can help. */
export function describeMediaError(kind: DeviceKind, error: unknown): string {
  const name = error instanceof Error || (typeof error === 'object' && error && 'name' in error) ? String((error as { name: unknown }).name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return `Permission to use the ${kind} was denied. Allow it in the browser's site settings, or join without it.`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `No ${kind} was found. Connect one, or join without it.`;
    case 'NotReadableError':
    case 'AbortError':
      return `The ${kind} could not be started; another application may be using it.`;
    default:
      return `The ${kind} is not available${error instanceof Error && error.message ? ` (${error.message})` : ''}.`;
  }
}
