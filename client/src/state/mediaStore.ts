import { create } from 'zustand';
import type { DeviceLists } from '../media/LocalMedia';
import type { MediaKind } from '../media/mediaTypes';

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
  /** The user's choice per kind: RNNoise filters the microphone (instead of the browser's suppression), the camera's background is blurred. */
  filters: Record<MediaKind, boolean>;
  /** Why a chosen filter is not running (the raw track is sent meanwhile). */
  filterErrors: Record<MediaKind, string | null>;
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
  filters: { audio: false, video: false },
  filterErrors: { audio: null, video: null },
};

export const useMediaStore = create<MediaState>((set) => ({ ...initialMediaState, set: (partial) => set(partial) }));
