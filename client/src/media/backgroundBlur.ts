import type { FilteredTrack, TrackFilter } from './mediaTypes';
import type { Segmenter } from './segmenter';

/** A new mask at most this often (15 a second): frames between reuse the last one, so the sent rate is the camera's. */
const MASK_INTERVAL_MS = 1000 / 15;
/** The background is drawn this many times smaller, blurred a little, and scaled back up: a wide blur, cheaply. */
const BACKGROUND_SCALE = 12;
const BACKGROUND_BLUR = 'blur(2px)';

/**
 * Background blur for the camera: every frame (Insertable Streams: MediaStreamTrackProcessor → generator) is
 * drawn again as the person, cut out by MediaPipe's mask, over a blurred copy of itself. Segmentation runs beside
 * the frames, not in their way: a slow machine gets a mask that lags, never a lower frame rate.
 */
export const backgroundBlur: TrackFilter = {
  supported: () =>
    typeof MediaStreamTrackProcessor === 'function' && typeof MediaStreamTrackGenerator === 'function' && typeof VideoFrame === 'function' && typeof OffscreenCanvas === 'function',
  apply: async (raw, onFailure) => {
    const { segmenter, MODEL_SIZE } = await import('./segmenter');
    return blur(raw, await segmenter(), MODEL_SIZE, onFailure);
  },
};

function blur(raw: MediaStreamTrack, segmenter: Segmenter, model: { width: number; height: number }, onFailure: () => void): FilteredTrack {
  // The legacy solution takes a canvas element, not an OffscreenCanvas or a VideoFrame.
  const input = document.createElement('canvas');
  Object.assign(input, model);
  const inputContext = input.getContext('2d');
  if (!inputContext) throw new Error('no 2d canvas');
  const mask = context(new OffscreenCanvas(model.width, model.height));
  const out = context(new OffscreenCanvas(1, 1));
  const background = context(new OffscreenCanvas(1, 1));
  let lastMask = -Infinity;
  let failed = false;

  const compose = (frame: VideoFrame): VideoFrame => {
    const width = frame.displayWidth;
    const height = frame.displayHeight;
    const now = performance.now();
    if (now - lastMask >= MASK_INTERVAL_MS) {
      inputContext.drawImage(frame, 0, 0, input.width, input.height);
      const segmented = segmenter.segment(input, mask);
      if (segmented) {
        lastMask = now;
        segmented.catch(() => {
          failed = true;
          onFailure();
        });
      }
    }
    resize(out.canvas, width, height);
    resize(background.canvas, Math.ceil(width / BACKGROUND_SCALE), Math.ceil(height / BACKGROUND_SCALE));
    background.filter = BACKGROUND_BLUR;
    background.drawImage(frame, 0, 0, background.canvas.width, background.canvas.height);
    // The person: the mask's alpha, filled with the frame.
    out.globalCompositeOperation = 'copy';
    out.drawImage(mask.canvas, 0, 0, width, height);
    out.globalCompositeOperation = 'source-in';
    out.drawImage(frame, 0, 0, width, height);
    // Behind it, the blurred frame. Until the first mask arrives everything is blurred (nothing shows unblurred).
    out.globalCompositeOperation = 'destination-over';
    out.drawImage(background.canvas, 0, 0, width, height);
    return new VideoFrame(out.canvas, { timestamp: frame.timestamp, ...(frame.duration === null ? {} : { duration: frame.duration }) });
  };

  const processor = new MediaStreamTrackProcessor({ track: raw as MediaStreamVideoTrack });
  const generator = new MediaStreamTrackGenerator({ kind: 'video' });
  generator.contentHint = raw.contentHint;
  const frames = new TransformStream<VideoFrame, VideoFrame>({
    transform(frame, controller) {
      if (failed) return controller.enqueue(frame);
      try {
        controller.enqueue(compose(frame));
      } finally {
        frame.close();
      }
    },
  });
  // Ends when the camera track stops (its readable closes) or the generator does (its writable errors).
  void processor.readable.pipeThrough(frames).pipeTo(generator.writable).catch(() => undefined);
  return { track: generator, stop: () => generator.stop() };
}

function context(canvas: OffscreenCanvas): OffscreenCanvasRenderingContext2D {
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d canvas');
  return ctx;
}

function resize(canvas: OffscreenCanvas, width: number, height: number): void {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
}
