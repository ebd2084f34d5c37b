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

/** What the user reads when a screen cannot be shared; the call itself goes on unchanged. */
export function describeShareError(error: unknown): string {
  const name = typeof error === 'object' && error && 'name' in error ? String((error as { name: unknown }).name) : '';
  switch (name) {
    case 'NotAllowedError':
      return 'Screen sharing was cancelled or not allowed.';
    case 'NotFoundError':
    case 'NotSupportedError':
      return 'There is no screen this browser can share.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The screen could not be captured.';
    default:
      return `Screen sharing failed${error instanceof Error && error.message ? ` (${error.message})` : ''}.`;
  }
}
