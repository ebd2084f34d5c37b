import type { Results, SelfieSegmentation } from '@mediapipe/selfie_segmentation';
import scriptUrl from '@mediapipe/selfie_segmentation/selfie_segmentation.js?url';
import graphUrl from '@mediapipe/selfie_segmentation/selfie_segmentation.binarypb?url&no-inline';
import modelUrl from '@mediapipe/selfie_segmentation/selfie_segmentation_landscape.tflite?url';
import simdLoaderUrl from '@mediapipe/selfie_segmentation/selfie_segmentation_solution_simd_wasm_bin.js?url';
import simdWasmUrl from '@mediapipe/selfie_segmentation/selfie_segmentation_solution_simd_wasm_bin.wasm?url';
import loaderUrl from '@mediapipe/selfie_segmentation/selfie_segmentation_solution_wasm_bin.js?url';
import wasmUrl from '@mediapipe/selfie_segmentation/selfie_segmentation_solution_wasm_bin.wasm?url';

/** The landscape model's input size: frames are scaled to it before they are segmented. */
export const MODEL_SIZE = { width: 256, height: 144 } as const;

/** Every file the solution asks for, served by our own server (it works offline, and the CSP allows nothing else). */
const FILES: Record<string, string> = {
  'selfie_segmentation.binarypb': graphUrl,
  'selfie_segmentation_landscape.tflite': modelUrl,
  'selfie_segmentation_solution_simd_wasm_bin.js': simdLoaderUrl,
  'selfie_segmentation_solution_simd_wasm_bin.wasm': simdWasmUrl,
  'selfie_segmentation_solution_wasm_bin.js': loaderUrl,
  'selfie_segmentation_solution_wasm_bin.wasm': wasmUrl,
};

/** One person segmenter per page, shared by every camera track it blurs; it runs one frame at a time. */
export interface Segmenter {
  /** Segments `image` and draws the mask (alpha = person) into `mask`; null when a frame is already being segmented. */
  segment(image: HTMLCanvasElement, mask: OffscreenCanvasRenderingContext2D): Promise<void> | null;
}

let shared: Promise<Segmenter> | null = null;

/** MediaPipe's selfie segmentation, loaded on first use (about 6 MB of WebAssembly and a 250 kB model). */
export function segmenter(): Promise<Segmenter> {
  shared ??= create();
  shared.catch(() => (shared = null));
  return shared;
}

async function create(): Promise<Segmenter> {
  const Solution = await loadScript();
  const solution = new Solution({ locateFile: (file) => FILES[file] ?? `/unknown-mediapipe-file/${file}` });
  // Inference on the CPU (WebAssembly SIMD): steadier than WebGL inference across machines, and several times
  // faster where WebGL is software-rendered. The graph still uses WebGL to scale frames and draw the mask.
  solution.setOptions({ modelSelection: 1, useCpuInference: true } as Parameters<SelfieSegmentation['setOptions']>[0]);
  let target: OffscreenCanvasRenderingContext2D | null = null;
  // The mask is only valid during the callback: it is copied out at once.
  solution.onResults((results: Results) => {
    if (!target) return;
    target.globalCompositeOperation = 'copy'; // replaces the last mask rather than adding to it
    target.drawImage(results.segmentationMask, 0, 0, target.canvas.width, target.canvas.height);
  });
  await solution.initialize();
  let busy = false;
  return {
    segment(image, mask) {
      if (busy) return null;
      busy = true;
      target = mask;
      return solution.send({ image }).finally(() => {
        busy = false;
        target = null;
      });
    },
  };
}

/** The solution is a script that defines a global (not a module): it is loaded as one, from our origin. */
function loadScript(): Promise<typeof SelfieSegmentation> {
  const loaded = (window as unknown as { SelfieSegmentation?: typeof SelfieSegmentation }).SelfieSegmentation;
  if (loaded) return Promise.resolve(loaded);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = scriptUrl;
    script.addEventListener('load', () => {
      const Solution = (window as unknown as { SelfieSegmentation?: typeof SelfieSegmentation }).SelfieSegmentation;
      if (Solution) resolve(Solution);
      else reject(new Error('the segmentation script defined no SelfieSegmentation'));
    });
    script.addEventListener('error', () => reject(new Error(`could not load ${scriptUrl}`)));
    document.head.append(script);
  });
}
