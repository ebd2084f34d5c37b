import i18next from 'i18next';

export type DeviceKind = 'camera' | 'microphone';

/** The device's name in the page's language. */
const device = (kind: DeviceKind) => i18next.t(`errors.${kind}`);
/** A browser's own words, in brackets, when it gave any (they stay in its language). */
const detail = (error: unknown) => (error instanceof Error && error.message ? ` (${error.message})` : '');

/** What the user reads when a device cannot be opened, and whether retrying can help. */
export function describeMediaError(kind: DeviceKind, error: unknown): string {
  const name = error instanceof Error || (typeof error === 'object' && error && 'name' in error) ? String((error as { name: unknown }).name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return i18next.t('errors.deviceDenied', { device: device(kind) });
    case 'NotFoundError':
    case 'OverconstrainedError':
      return i18next.t('errors.deviceMissing', { device: device(kind) });
    case 'NotReadableError':
    case 'AbortError':
      return i18next.t('errors.deviceBusy', { device: device(kind) });
    default:
      return i18next.t('errors.deviceUnavailable', { device: device(kind), detail: detail(error) });
  }
}

/** What the user reads when a screen cannot be shared; the call itself goes on unchanged. */
export function describeShareError(error: unknown): string {
  const name = typeof error === 'object' && error && 'name' in error ? String((error as { name: unknown }).name) : '';
  switch (name) {
    case 'NotAllowedError':
      return i18next.t('errors.shareDenied');
    case 'NotFoundError':
    case 'NotSupportedError':
      return i18next.t('errors.shareNoScreen');
    case 'NotReadableError':
    case 'AbortError':
      return i18next.t('errors.shareCapture');
    default:
      return i18next.t('errors.shareFailed', { detail: detail(error) });
  }
}
