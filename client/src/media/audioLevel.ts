/**
 * Audio level of a track, 0..1, sampled from a WebAudio analyser. One AudioContext serves every
 * meter on the page (browsers limit how many can exist).
 */
let context: AudioContext | null = null;

export function measureLevel(track: MediaStreamTrack, onLevel: (level: number) => void, intervalMs = 100): () => void {
  context ??= new AudioContext();
  const ctx = context;
  void ctx.resume().catch(() => undefined);
  const source = ctx.createMediaStreamSource(new MediaStream([track]));
  const analyser = ctx.createAnalyser();
  analyser.fftSize = 512;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    onLevel(rmsLevel(samples));
  }, intervalMs);
  return () => {
    clearInterval(timer);
    source.disconnect();
  };
}

/** RMS of the samples mapped to 0..1 on a rough perceptual (dB) scale: -60 dBFS → 0, 0 dBFS → 1. */
export function rmsLevel(samples: Float32Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  const rms = Math.sqrt(sum / Math.max(1, samples.length));
  if (rms <= 0) return 0;
  const db = 20 * Math.log10(rms);
  return Math.min(1, Math.max(0, (db + 60) / 60));
}

/**
 * Speaking detection with hysteresis, so the indicator does not flicker between words:
 * on above `on`, off only after `holdMs` below `off`.
 */
export function createSpeakingDetector(opts = { on: 0.35, off: 0.2, holdMs: 600 }) {
  let speaking = false;
  let quietSince: number | null = null;
  return (level: number, now: number): boolean => {
    if (level >= opts.on) {
      speaking = true;
      quietSince = null;
    } else if (speaking && level < opts.off) {
      quietSince ??= now;
      if (now - quietSince >= opts.holdMs) speaking = false;
    } else {
      quietSince = null;
    }
    return speaking;
  };
}
