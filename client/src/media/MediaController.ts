import type { CallOptions } from '../callOptions';
import type { LocalTracks, MediaKind, TrackSource } from './mediaTypes';
import { useMediaStore } from '../state/mediaStore';
import { loadSetting, saveSetting } from '../settings';
import { listDevices, openDevice, openScreen } from './LocalMedia';
import { FILTERS, openChain, release, sentTrack, type Chain } from './filterChain';

type TrackListener = (kind: TrackSource, track: MediaStreamTrack | null) => void;

/**
 * The local camera and microphone, from the lobby through the call. Keeps the media store current
 * and tells its listener (the room) whenever the outgoing track of a kind changes.
 */
export class MediaController {
  private listener: TrackListener = () => undefined;
  private stopped = false;
  private readonly store = useMediaStore;
  private readonly chains: Record<MediaKind, Chain | null> = { audio: null, video: null };

  private readonly onDeviceChange = () => void this.refreshDevices();

  /** `capture`: the camera's size and rate, and the largest size a screen share is captured at. */
  constructor(private readonly capture: Pick<CallOptions, 'video' | 'screen'>) {
    const chosen = (kind: MediaKind) => loadSetting(FILTERS[kind].setting) === 'on';
    this.store.getState().set({ filters: { audio: chosen('audio'), video: chosen('video') }, filterErrors: { audio: null, video: null } });
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
    const filtered = s.filters[kind];
    // With RNNoise chosen the browser's own suppression is off: one filter, not two in a row.
    const result = await openDevice(kind === 'audio' ? 'microphone' : 'camera', kind === 'audio' ? s.microphoneId : s.cameraId, this.capture.video, !(kind === 'audio' && filtered));
    const opened = result.track ? await openChain(kind, result.track, filtered, (message) => this.setFilterError(kind, message)) : null;
    const chain = opened?.chain ?? null;
    if (this.stopped) {
      // The page left the room while the device was opening.
      release(chain);
      return;
    }
    this.setFilterError(kind, opened?.error ?? null);
    const track = chain ? sentTrack(chain) : null;
    if (chain && track) {
      // Read now: the user may have muted while the device was opening.
      if (kind === 'audio') track.enabled = chain.raw.enabled = !this.store.getState().audioMuted;
      // An unplugged device ends its track: fall back to the default one.
      chain.raw.addEventListener('ended', () => void this.onEnded(kind, track));
    }
    this.store.getState().set(kind === 'audio' ? { audioTrack: track, audioError: result.error } : { videoTrack: track, videoError: result.error });
    release(this.chains[kind]);
    this.chains[kind] = chain;
    this.listener(kind, track);
  }

  private setFilterError(kind: MediaKind, message: string | null): void {
    this.store.getState().set({ filterErrors: { ...this.store.getState().filterErrors, [kind]: message } });
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
    if (this.chains.audio) this.chains.audio.raw.enabled = !muted;
    this.store.getState().set({ audioMuted: muted });
  }

  /** Camera off stops the device (its light goes out); on opens it again. */
  async setCameraOn(on: boolean): Promise<void> {
    this.store.getState().set({ videoMuted: !on });
    if (on) return this.open('video');
    release(this.chains.video);
    this.chains.video = null;
    this.store.getState().set({ videoTrack: null });
    this.listener('video', null);
  }

  async selectDevice(kind: 'camera' | 'microphone' | 'speaker', deviceId: string): Promise<void> {
    if (kind === 'speaker') return this.store.getState().set({ speakerId: deviceId });
    this.store.getState().set(kind === 'camera' ? { cameraId: deviceId } : { microphoneId: deviceId });
    if (kind === 'microphone') return this.open('audio');
    if (!this.store.getState().videoMuted) await this.open('video');
  }

  /** RNNoise (audio) or background blur (video) on or off, remembered in this browser; the device is opened again with the other chain. */
  async setFilter(kind: MediaKind, on: boolean): Promise<void> {
    saveSetting(FILTERS[kind].setting, on ? 'on' : 'off');
    const s = this.store.getState();
    s.set({ filters: { ...s.filters, [kind]: on } });
    this.setFilterError(kind, null);
    if (!this.stopped && (kind === 'audio' || !s.videoMuted)) await this.open(kind);
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
    release(this.chains.audio);
    release(this.chains.video);
    this.chains.audio = this.chains.video = null;
    s.screenTrack?.stop();
    s.set({ audioTrack: null, videoTrack: null, screenTrack: null, shareError: null });
  }
}
