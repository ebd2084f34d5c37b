import workletUrl from '@sapphi-red/web-noise-suppressor/rnnoiseWorklet.js?url';
import wasmUrl from '@sapphi-red/web-noise-suppressor/rnnoise.wasm?url';
import simdUrl from '@sapphi-red/web-noise-suppressor/rnnoise_simd.wasm?url';
import type { FilteredTrack, TrackFilter } from './mediaTypes';

// Fetched once per page (about 150 kB), from our own server: the filter works offline.
let binary: Promise<ArrayBuffer> | null = null;

/** RNNoise for the microphone; it needs an AudioWorklet. Once running it cannot fail on its own. */
export const noiseFilter: TrackFilter = {
  supported: () => typeof AudioWorkletNode === 'function' && typeof AudioContext === 'function',
  apply: (raw) => filterNoise(raw),
};

/**
 * RNNoise, compiled to WebAssembly, in an AudioWorklet between the microphone and the sender.
 * RNNoise assumes 48 kHz, so the context is opened at that rate; it filters one channel (a microphone).
 */
async function filterNoise(raw: MediaStreamTrack): Promise<FilteredTrack> {
  const context = new AudioContext({ sampleRate: 48000 });
  try {
    // Loaded on first use: the library subclasses AudioWorkletNode when it is evaluated, which would throw
    // in a browser without AudioWorklet, and most calls never need it.
    const { loadRnnoise, RnnoiseWorkletNode } = await import('@sapphi-red/web-noise-suppressor');
    binary ??= loadRnnoise({ url: wasmUrl, simdUrl });
    const [wasmBinary] = await Promise.all([binary, context.audioWorklet.addModule(workletUrl)]);
    const source = context.createMediaStreamSource(new MediaStream([raw]));
    const node = new RnnoiseWorkletNode(context, { maxChannels: 1, wasmBinary });
    const sink = context.createMediaStreamDestination();
    source.connect(node).connect(sink);
    resumeWhenAllowed(context);
    const track = sink.stream.getAudioTracks()[0];
    if (!track) throw new Error('no filtered track');
    return {
      track,
      stop() {
        track.stop();
        source.disconnect();
        node.destroy();
        void context.close();
      },
    };
  } catch (error) {
    binary = null;
    void context.close();
    throw error;
  }
}

/** A page that has not been clicked yet may start its audio suspended (autoplay policy): the first gesture resumes it. */
function resumeWhenAllowed(context: AudioContext): void {
  if (context.state !== 'suspended') return;
  const resume = () => {
    if (context.state === 'suspended') void context.resume();
    document.removeEventListener('pointerdown', resume);
    document.removeEventListener('keydown', resume);
  };
  document.addEventListener('pointerdown', resume);
  document.addEventListener('keydown', resume);
  void context.resume();
}
