import { beforeEach, describe, expect, it, vi } from 'vitest';
import { initialMediaState, useMediaStore } from '../state/mediaStore';
import { MediaController } from './MediaController';
import { openDevice } from './LocalMedia';
import { filterNoise } from './noiseFilter';

vi.mock('./LocalMedia', () => ({ openDevice: vi.fn(), openScreen: vi.fn(), listDevices: vi.fn() }));
vi.mock('./noiseFilter', () => ({ filterNoise: vi.fn(), noiseFilterSupported: () => true }));

/** A track that records what was done to it. */
function track(kind: string) {
  return { kind, enabled: true, stop: vi.fn(), addEventListener: vi.fn(), applyConstraints: vi.fn(async () => undefined) } as unknown as MediaStreamTrack & { stop: ReturnType<typeof vi.fn> };
}

const capture = { video: { width: 640, height: 360, frameRate: 24 }, screen: null };

describe('MediaController: the microphone chain', () => {
  const sent: (MediaStreamTrack | null)[] = [];
  beforeEach(() => {
    localStorage.clear();
    useMediaStore.setState(initialMediaState);
    sent.length = 0;
    vi.mocked(openDevice).mockReset();
    vi.mocked(filterNoise).mockReset();
  });

  async function started(): Promise<MediaController> {
    const media = new MediaController(capture);
    media.onTrackChange((kind, t) => kind === 'audio' && sent.push(t));
    useMediaStore.setState({ videoMuted: true });
    await media.start();
    return media;
  }

  it('sends the RNNoise output when chosen, with the browser suppression off, and goes back to the raw microphone', async () => {
    const raw1 = track('audio');
    const raw2 = track('audio');
    const filtered = track('audio');
    const filter = { track: filtered, stop: vi.fn() };
    vi.mocked(openDevice).mockResolvedValueOnce({ track: raw1, error: null }).mockResolvedValueOnce({ track: raw2, error: null });
    vi.mocked(filterNoise).mockResolvedValue(filter);
    localStorage.setItem('confer.noiseFilter', 'enhanced');
    const media = await started();
    expect(vi.mocked(openDevice).mock.calls[0]?.[3]).toBe(false);
    expect(sent).toEqual([filtered]);
    expect(useMediaStore.getState().audioTrack).toBe(filtered);

    media.setMicMuted(true);
    expect([raw1.enabled, filtered.enabled]).toEqual([false, false]);
    media.setMicMuted(false);

    await media.setEnhancedNoise(false);
    expect(vi.mocked(openDevice).mock.calls[1]?.[3]).toBe(true);
    expect(sent).toEqual([filtered, raw2]);
    expect(filter.stop).toHaveBeenCalled();
    expect(raw1.stop).toHaveBeenCalled();
    expect(localStorage.getItem('confer.noiseFilter')).toBe('standard');
  });

  it('where RNNoise cannot start, sends the raw microphone with the browser suppression back on, and says so', async () => {
    const raw = track('audio');
    vi.mocked(openDevice).mockResolvedValue({ track: raw, error: null });
    vi.mocked(filterNoise).mockRejectedValue(new Error('no wasm'));
    const media = await started();
    await media.setEnhancedNoise(true);
    expect(sent.at(-1)).toBe(raw);
    expect(raw.applyConstraints).toHaveBeenCalledWith({ noiseSuppression: true });
    expect(useMediaStore.getState().noiseFilterError).toMatch(/could not start/);
    media.stop();
    expect(raw.stop).toHaveBeenCalled();
  });
});
