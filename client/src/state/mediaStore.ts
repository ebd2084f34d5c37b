import { create } from 'zustand';
import type { DeviceLists } from '../media/LocalMedia';

interface MediaState {
  audioTrack: MediaStreamTrack | null;
  videoTrack: MediaStreamTrack | null;
  /** Our shared screen, while we present. */
  screenTrack: MediaStreamTrack | null;
  shareError: string | null;
  /** The user's choice: mic muted / camera off (a device may also simply be unavailable). */
  audioMuted: boolean;
  videoMuted: boolean;
  audioError: string | null;
  videoError: string | null;
  devices: DeviceLists;
  microphoneId: string | null;
  cameraId: string | null;
  speakerId: string | null;
  /** The user's choice: RNNoise filters the microphone, instead of the browser's own noise suppression. */
  enhancedNoise: boolean;
  /** Why the enhanced filter is not running although chosen (the browser's suppression is used meanwhile). */
  noiseFilterError: string | null;
  set(partial: Partial<Omit<MediaState, 'set'>>): void;
}

export const initialMediaState: Omit<MediaState, 'set'> = {
  audioTrack: null,
  videoTrack: null,
  screenTrack: null,
  shareError: null,
  audioMuted: false,
  videoMuted: false,
  audioError: null,
  videoError: null,
  devices: { cameras: [], microphones: [], speakers: [] },
  microphoneId: null,
  cameraId: null,
  speakerId: null,
  enhancedNoise: false,
  noiseFilterError: null,
};

export const useMediaStore = create<MediaState>((set) => ({ ...initialMediaState, set: (partial) => set(partial) }));
