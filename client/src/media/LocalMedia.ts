import i18next from 'i18next';
import type { CallOptions } from '../callOptions';
import { describeMediaError, describeShareError, type DeviceKind } from './mediaErrors';

export interface DeviceLists {
  cameras: MediaDeviceInfo[];
  microphones: MediaDeviceInfo[];
  speakers: MediaDeviceInfo[];
}

export type TrackResult = { track: MediaStreamTrack; error: null } | { track: null; error: string };

/**
 * Opens one device at a time, so a denied camera never costs the microphone (or the reverse).
 * `browserNoiseSuppression` is false when RNNoise filters the microphone instead: two suppressors in a row cut speech.
 */
export async function openDevice(kind: DeviceKind, deviceId: string | null, video: CallOptions['video'], browserNoiseSuppression = true): Promise<TrackResult> {
  const exact = deviceId ? { deviceId: { exact: deviceId } } : {};
  const constraints: MediaStreamConstraints =
    kind === 'camera'
      ? { video: { ...exact, width: { ideal: video.width }, height: { ideal: video.height }, frameRate: { max: video.frameRate } } }
      : { audio: { ...exact, echoCancellation: true, noiseSuppression: browserNoiseSuppression, autoGainControl: true } };
  try {
    const stream = await navigator.mediaDevices.getUserMedia(constraints);
    const track = stream.getTracks()[0];
    if (!track) return { track: null, error: describeMediaError(kind, new Error('no track')) };
    if (kind === 'camera') track.contentHint = 'motion';
    return { track, error: null };
  } catch (error) {
    return { track: null, error: describeMediaError(kind, error) };
  }
}

/** Asks the browser's picker for a screen, window or tab to share (video only), scaled down to `maxSize` if given. */
export async function openScreen(maxSize: CallOptions['screen']): Promise<TrackResult> {
  if (!navigator.mediaDevices?.getDisplayMedia) return { track: null, error: i18next.t('errors.shareUnsupported') };
  const size = maxSize ? { width: { max: maxSize.width }, height: { max: maxSize.height } } : {};
  try {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { ...size, frameRate: { max: 15 } }, audio: false });
    const track = stream.getVideoTracks()[0];
    if (!track) return { track: null, error: describeShareError(new Error('no track')) };
    // Text stays sharp: the encoder keeps resolution and drops frame rate under pressure.
    track.contentHint = 'detail';
    return { track, error: null };
  } catch (error) {
    return { track: null, error: describeShareError(error) };
  }
}

export async function listDevices(): Promise<DeviceLists> {
  const all = await navigator.mediaDevices.enumerateDevices();
  return {
    cameras: all.filter((d) => d.kind === 'videoinput'),
    microphones: all.filter((d) => d.kind === 'audioinput'),
    speakers: all.filter((d) => d.kind === 'audiooutput'),
  };
}
