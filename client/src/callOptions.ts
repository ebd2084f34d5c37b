import { PAGE_TILES } from './room/tileLayout';

/**
 * Call settings a URL can carry: `?relay=1` forces TURN, `?video=320x240&fps=15` sets the camera,
 * `?screen=400x300` caps the size of a screen share, `?stats=0` turns the stats collector off and `?standby=0`
 * the SFU's warm standby (to measure what each costs), `?tiles=4` the tiles on a page of the grid. A join token travels in the
 * fragment (`#token=…`), which browsers never send to a server, so it cannot end up in a log.
 */
export interface CallOptions {
  forceRelay: boolean;
  joinToken: string | null;
  stats: boolean;
  /** Keep an idle SFU session when the server says the room is one short of it. */
  standby: boolean;
  video: { width: number; height: number; frameRate: number };
  /** Largest size a screen share is captured at; null: the screen's own. */
  screen: { width: number; height: number } | null;
  /** Tiles on one page of the grid (`?tiles=4`, 2 to 25). */
  pageTiles: number;
}

const sizeParam = (value: string | null) => {
  const size = /^(\d{2,4})x(\d{2,4})$/.exec(value ?? '');
  return size ? { width: Number(size[1]), height: Number(size[2]) } : null;
};

export const defaultVideo = { width: 640, height: 360, frameRate: 30 };

const off = (value: string | null) => ['0', 'false', 'no', 'off'].includes(value ?? '');

export function parseCallOptions(search: string, hash = ''): CallOptions {
  const params = new URLSearchParams(search);
  const size = sizeParam(params.get('video'));
  const fps = Number(params.get('fps'));
  return {
    forceRelay: ['1', 'true', 'yes'].includes(params.get('relay') ?? ''),
    joinToken: new URLSearchParams(hash.replace(/^#/, '')).get('token'),
    stats: !off(params.get('stats')),
    standby: !off(params.get('standby')),
    video: {
      ...(size ?? { width: defaultVideo.width, height: defaultVideo.height }),
      frameRate: Number.isFinite(fps) && fps >= 1 && fps <= 60 ? fps : defaultVideo.frameRate,
    },
    screen: sizeParam(params.get('screen')),
    pageTiles: (() => {
      const tiles = Number(params.get('tiles'));
      return Number.isInteger(tiles) && tiles >= 2 && tiles <= 25 ? tiles : PAGE_TILES;
    })(),
  };
}

/** The name a join token carries (the server uses it; the lobby shows it). Not verified here: only the server can. */
export function joinTokenName(token: string | null): string | null {
  try {
    const claims: unknown = JSON.parse(atob((token?.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/')));
    const name = (claims as { name?: unknown } | null)?.name;
    return typeof name === 'string' ? name : null;
  } catch {
    return null;
  }
}
