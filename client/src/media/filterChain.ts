import i18next from 'i18next';
import type { FilteredTrack, MediaKind, TrackFilter } from './mediaTypes';
import { noiseFilter } from './noiseFilter';
import { backgroundBlur } from './backgroundBlur';

/** What the user can put between a device and the sender: RNNoise after the microphone, background blur after the camera. */
export const FILTERS: Record<MediaKind, { filter: TrackFilter; setting: string; error: 'errors.noiseFilter' | 'errors.backgroundBlur' }> = {
  audio: { filter: noiseFilter, setting: 'confer.noiseFilter', error: 'errors.noiseFilter' },
  video: { filter: backgroundBlur, setting: 'confer.backgroundBlur', error: 'errors.backgroundBlur' },
};

/** A device's track as opened, and the filter between it and the sent track (null: the raw track is sent). */
export interface Chain {
  raw: MediaStreamTrack;
  filter: FilteredTrack | null;
}

/** The track that is sent for this chain. */
export const sentTrack = (chain: Chain): MediaStreamTrack => chain.filter?.track ?? chain.raw;

/**
 * The raw track with the kind's filter after it when chosen. Where the filter cannot start: the raw track and
 * the message to show (for the microphone, with the browser's own suppression back on: better than none).
 */
export async function openChain(kind: MediaKind, raw: MediaStreamTrack, chosen: boolean, onFailure: (message: string) => void): Promise<{ chain: Chain; error: string | null }> {
  if (!chosen) return { chain: { raw, filter: null }, error: null };
  const { filter, error } = FILTERS[kind];
  try {
    if (!filter.supported()) throw new Error('unsupported');
    return { chain: { raw, filter: await filter.apply(raw, () => onFailure(i18next.t(error))) }, error: null };
  } catch {
    if (kind === 'audio') await raw.applyConstraints({ noiseSuppression: true }).catch(() => undefined);
    return { chain: { raw, filter: null }, error: i18next.t(error) };
  }
}

/** Stops the filter and the device. */
export function release(chain: Chain | null): void {
  chain?.filter?.stop();
  chain?.raw.stop();
}
