import { beforeEach, describe, expect, it, vi } from 'vitest';
import { initialMediaState, useMediaStore } from '../state/mediaStore';
import { MediaController } from './MediaController';
import { openDevice } from './LocalMedia';
import { noiseFilter } from './noiseFilter';
import { backgroundBlur } from './backgroundBlur';

vi.mock('./LocalMedia', () => ({ openDevice: vi.fn(), openScreen: vi.fn(), listDevices: vi.fn() }));
vi.mock('./noiseFilter', () => ({ noiseFilter: { supported: () => true, apply: vi.fn() } }));
vi.mock('./backgroundBlur', () => ({ backgroundBlur: { supported: () => true, apply: vi.fn() } }));
const filterNoise = vi.mocked(noiseFilter.apply);
const blur = vi.mocked(backgroundBlur.apply);

/** A track that records what was done to it. */
function track(kind: string) {
  return { kind, enabled: true, stop: vi.fn(), addEventListener: vi.fn(), applyConstraints: vi.fn(async () => undefined) } as unknown as MediaStreamTrack & { stop: ReturnType<typeof vi.fn> };
}

const capture = { video: { width: 640, height: 360, frameRate: 24 }, screen: null };

beforeEach(() => {
  localStorage.clear();
  useMediaStore.setState(initialMediaState);
  for (const mock of [vi.mocked(openDevice), filterNoise, blur]) mock.mockReset();
});

describe('MediaController: the microphone chain', () => {
  const sent: (MediaStreamTrack | null)[] = [];
  beforeEach(() => {
    sent.length = 0;
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
    filterNoise.mockResolvedValue(filter);
    localStorage.setItem('confer.noiseFilter', 'on');
    const media = await started();
    expect(vi.mocked(openDevice).mock.calls[0]?.[3]).toBe(false);
    expect(sent).toEqual([filtered]);
    expect(useMediaStore.getState().audioTrack).toBe(filtered);

    media.setMicMuted(true);
    expect([raw1.enabled, filtered.enabled]).toEqual([false, false]);
    media.setMicMuted(false);

    await media.setFilter('audio', false);
    expect(vi.mocked(openDevice).mock.calls[1]?.[3]).toBe(true);
    expect(sent).toEqual([filtered, raw2]);
    expect(filter.stop).toHaveBeenCalled();
    expect(raw1.stop).toHaveBeenCalled();
    expect(localStorage.getItem('confer.noiseFilter')).toBe('off');
  });

  it('where RNNoise cannot start, sends the raw microphone with the browser suppression back on, and says so', async () => {
    const raw = track('audio');
    vi.mocked(openDevice).mockResolvedValue({ track: raw, error: null });
    filterNoise.mockRejectedValue(new Error('no wasm'));
    const media = await started();
    await media.setFilter('audio', true);
    expect(sent.at(-1)).toBe(raw);
    expect(raw.applyConstraints).toHaveBeenCalledWith({ noiseSuppression: true });
    expect(useMediaStore.getState().filterErrors.audio).toMatch(/could not start/);
    media.stop();
    expect(raw.stop).toHaveBeenCalled();
  });
});

describe('MediaController: the camera chain', () => {
  const sent: (MediaStreamTrack | null)[] = [];
  beforeEach(() => {
    sent.length = 0;
  });

  it('sends the blurred camera when chosen, releases it with the camera, and remembers the choice', async () => {
    const raw1 = track('video');
    const raw2 = track('video');
    const blurred = track('video');
    const filter = { track: blurred, stop: vi.fn() };
    vi.mocked(openDevice).mockImplementation(async (kind) => ({ track: kind === 'camera' ? (sent.length ? raw2 : raw1) : track('audio'), error: null }));
    const media = new MediaController(capture);
    media.onTrackChange((kind, t) => kind === 'video' && sent.push(t));
    await media.start();
    expect(sent).toEqual([raw1]);

    blur.mockResolvedValue(filter);
    await media.setFilter('video', true);
    expect(localStorage.getItem('confer.backgroundBlur')).toBe('on');
    expect(raw1.stop).toHaveBeenCalled();
    expect(sent).toEqual([raw1, blurred]);
    expect(blur.mock.calls[0]?.[0]).toBe(raw2);
    expect(useMediaStore.getState().videoTrack).toBe(blurred);

    await media.setCameraOn(false);
    expect(filter.stop).toHaveBeenCalled();
    expect(raw2.stop).toHaveBeenCalled();
    expect(sent.at(-1)).toBeNull();
    media.stop();
  });

  it('where blur cannot start, sends the raw camera and says so; a failure mid-call is shown too', async () => {
    const raw = track('video');
    vi.mocked(openDevice).mockImplementation(async (kind) => ({ track: kind === 'camera' ? raw : track('audio'), error: null }));
    blur.mockRejectedValueOnce(new Error('no MediaStreamTrackProcessor'));
    localStorage.setItem('confer.backgroundBlur', 'on');
    const media = new MediaController(capture);
    media.onTrackChange((kind, t) => kind === 'video' && sent.push(t));
    await media.start();
    expect(useMediaStore.getState().filters.video).toBe(true);
    expect(sent).toEqual([raw]);
    expect(useMediaStore.getState().filterErrors.video).toMatch(/Background blur could not start/);

    let fail = (): void => undefined;
    blur.mockImplementationOnce(async (_raw, onFailure) => {
      fail = onFailure;
      return { track: track('video'), stop: vi.fn() };
    });
    await media.setFilter('video', true);
    expect(useMediaStore.getState().filterErrors.video).toBeNull();
    fail();
    expect(useMediaStore.getState().filterErrors.video).toMatch(/Background blur could not start/);
    media.stop();
  });
});
