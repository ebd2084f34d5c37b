/**
 * Call settings a URL can carry: `?relay=1` forces TURN, `?video=320x240&fps=15` sets the camera,
 * `?stats=0` turns the stats collector off (to measure what it costs).
 */
export interface CallOptions {
  forceRelay: boolean;
  stats: boolean;
  video: { width: number; height: number; frameRate: number };
}

export const defaultVideo = { width: 640, height: 360, frameRate: 30 };

export function parseCallOptions(search: string): CallOptions {
  const params = new URLSearchParams(search);
  const size = /^(\d{2,4})x(\d{2,4})$/.exec(params.get('video') ?? '');
  const fps = Number(params.get('fps'));
  return {
    forceRelay: ['1', 'true', 'yes'].includes(params.get('relay') ?? ''),
    stats: !['0', 'false', 'no', 'off'].includes(params.get('stats') ?? ''),
    video: {
      width: size ? Number(size[1]) : defaultVideo.width,
      height: size ? Number(size[2]) : defaultVideo.height,
      frameRate: Number.isFinite(fps) && fps >= 1 && fps <= 60 ? fps : defaultVideo.frameRate,
    },
  };
}
