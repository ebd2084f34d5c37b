import type { CallOptions } from '../callOptions';
import type { LocalTracks, MediaKind, TrackSource } from './mediaTypes';
import { useMediaStore } from '../state/mediaStore';
import i18next from 'i18next';
import { loadSetting, saveSetting } from '../settings';
import { listDevices, openDevice, openScreen } from './LocalMedia';
import { filterNoise, noiseFilterSupported, type FilteredTrack } from './noiseFilter';

const NOISE_KEY = 'confer.noiseFilter';

/** The microphone as opened, and the filter between it and the sent track (null: the raw track is sent). */
interface AudioChain {
  raw: MediaStreamTrack;
  filter: FilteredTrack | null;
}

type TrackListener = (kind: TrackSource, track: MediaStreamTrack | null) => void;

/**
 * The local camera and microphone, from the lobby through the call. Keeps the media store current
 * and tells its listener (the room) whenever the outgoing track of a kind changes.
 */
export class MediaController {
  private listener: TrackListener = () => undefined;
  private stopped = false;
  private readonly store = useMediaStore;
  private audioChain: AudioChain | null = null;

  private readonly onDeviceChange = () => void this.refreshDevices();

  /** `capture`: the camera's size and rate, and the largest size a screen share is captured at. */
  constructor(private readonly capture: Pick<CallOptions, 'video' | 'screen'>) {
    this.store.getState().set({ enhancedNoise: loadSetting(NOISE_KEY) === 'enhanced', noiseFilterError: null });
  }

  /** Replaces the listener; the returned function removes it (a closed room must not hear of later changes). */
  onTrackChange(listener: TrackListener): () => void {
    this.listener = listener;
    return () => {
      if (this.listener === listener) this.listener = () => undefined;
    };
  }

  /** Opens the microphone, and the camera unless it was turned off. */
  async start(): Promise<void> {
    this.stopped = false;
    navigator.mediaDevices?.addEventListener?.('devicechange', this.onDeviceChange);
    const { videoMuted } = this.store.getState();
    await Promise.all([this.open('audio'), videoMuted ? Promise.resolve() : this.open('video')]);
    await this.refreshDevices();
  }

  private async open(kind: MediaKind): Promise<void> {
    const s = this.store.getState();
    const enhanced = kind === 'audio' && s.enhancedNoise;
    const result = await openDevice(kind === 'audio' ? 'microphone' : 'camera', kind === 'audio' ? s.microphoneId : s.cameraId, this.capture.video, !enhanced);
    const chain = result.track && kind === 'audio' ? await this.chain(result.track, enhanced) : null;
    if (this.stopped) {
      // The page left the room while the device was opening.
      this.release(chain);
      result.track?.stop();
      return;
    }
    const track = chain?.filter?.track ?? result.track;
    if (track && result.track) {
      // Read now: the user may have muted while the device was opening.
      if (kind === 'audio') track.enabled = result.track.enabled = !this.store.getState().audioMuted;
      // An unplugged device ends its track: fall back to the default one.
      result.track.addEventListener('ended', () => void this.onEnded(kind, track));
    }
    this.store.getState().set(kind === 'audio' ? { audioTrack: track, audioError: result.error } : { videoTrack: track, videoError: result.error });
    if (kind === 'audio') {
      this.release(this.audioChain);
      this.audioChain = chain;
    } else if (s.videoTrack && s.videoTrack !== track) s.videoTrack.stop();
    this.listener(kind, track);
  }

  /** The microphone with RNNoise after it when chosen; where the filter cannot run, the raw track and a notice. */
  private async chain(raw: MediaStreamTrack, enhanced: boolean): Promise<AudioChain> {
    let filter: FilteredTrack | null = null;
    let noiseFilterError: string | null = null;
    if (enhanced) {
      try {
        if (!noiseFilterSupported()) throw new Error('no AudioWorklet');
        filter = await filterNoise(raw);
      } catch {
        noiseFilterError = i18next.t('errors.noiseFilter');
        // Without RNNoise the browser's own suppression is better than none.
        await raw.applyConstraints({ noiseSuppression: true }).catch(() => undefined);
      }
    }
    this.store.getState().set({ noiseFilterError });
    return { raw, filter };
  }

  private release(chain: AudioChain | null): void {
    chain?.filter?.stop();
    chain?.raw.stop();
  }

  private async onEnded(kind: MediaKind, track: MediaStreamTrack): Promise<void> {
    const s = this.store.getState();
    if ((kind === 'audio' ? s.audioTrack : s.videoTrack) !== track) return;
    this.store.getState().set(kind === 'audio' ? { microphoneId: null } : { cameraId: null });
    await this.refreshDevices();
    if (kind === 'audio' || !s.videoMuted) await this.open(kind);
  }

  async refreshDevices(): Promise<void> {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    this.store.getState().set({ devices: await listDevices() });
  }

  setMicMuted(muted: boolean): void {
    const { audioTrack } = this.store.getState();
    if (audioTrack) audioTrack.enabled = !muted;
    if (this.audioChain) this.audioChain.raw.enabled = !muted;
    this.store.getState().set({ audioMuted: muted });
  }

  /** Camera off stops the device (its light goes out); on opens it again. */
  async setCameraOn(on: boolean): Promise<void> {
    this.store.getState().set({ videoMuted: !on });
    if (on) return this.open('video');
    this.store.getState().videoTrack?.stop();
    this.store.getState().set({ videoTrack: null });
    this.listener('video', null);
  }

  async selectDevice(kind: 'camera' | 'microphone' | 'speaker', deviceId: string): Promise<void> {
    if (kind === 'speaker') return this.store.getState().set({ speakerId: deviceId });
    this.store.getState().set(kind === 'camera' ? { cameraId: deviceId } : { microphoneId: deviceId });
    if (kind === 'microphone') return this.open('audio');
    if (!this.store.getState().videoMuted) await this.open('video');
  }

  /** RNNoise on or off, remembered in this browser; the microphone is opened again with the other chain. */
  async setEnhancedNoise(on: boolean): Promise<void> {
    saveSetting(NOISE_KEY, on ? 'enhanced' : 'standard');
    this.store.getState().set({ enhancedNoise: on, noiseFilterError: null });
    if (!this.stopped) await this.open('audio');
  }

  /** Presents a screen picked in the browser's dialog; true once it is shared. */
  async startShare(): Promise<boolean> {
    this.store.getState().set({ shareError: null });
    const result = await openScreen(this.capture.screen);
    if (!result.track) {
      this.store.getState().set({ shareError: result.error });
      return false;
    }
    const track = result.track;
    if (this.stopped) {
      track.stop();
      return false;
    }
    this.stopShare();
    // The browser's own "Stop sharing" bar ends the track.
    track.addEventListener('ended', () => this.store.getState().screenTrack === track && this.stopShare());
    this.store.getState().set({ screenTrack: track });
    this.listener('screen', track);
    return true;
  }

  stopShare(): void {
    const { screenTrack } = this.store.getState();
    if (!screenTrack) return;
    screenTrack.stop();
    this.store.getState().set({ screenTrack: null });
    this.listener('screen', null);
  }

  tracks(): LocalTracks {
    const s = this.store.getState();
    return { audio: s.audioTrack, video: s.videoTrack, screen: s.screenTrack };
  }

  stop(): void {
    this.stopped = true;
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.onDeviceChange);
    const s = this.store.getState();
    this.release(this.audioChain);
    this.audioChain = null;
    s.audioTrack?.stop();
    s.videoTrack?.stop();
    s.screenTrack?.stop();
    s.set({ audioTrack: null, videoTrack: null, screenTrack: null, shareError: null });
  }
}
