import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type * as Mediasoup from 'mediasoup';

export class WorkerBinaryError extends Error {
  override name = 'WorkerBinaryError';
}

const require = createRequire(import.meta.url);

export function mediasoupVersion(): string {
  return (require('mediasoup/package.json') as { version: string }).version;
}

/**
 * Where scripts/mediasoup-worker.sh caches the worker for this mediasoup version. Keep the two
 * formulas identical: the script writes here, every process that loads mediasoup reads here.
 */
export function cachedWorkerPath(env: Record<string, string | undefined> = process.env): string {
  const cacheRoot =
    env.MEDIASOUP_WORKER_CACHE ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'confer', 'mediasoup-worker');
  const { revision } = require('../worker-build.json') as { revision: number };
  return join(cacheRoot, `${mediasoupVersion()}-r${revision}-linux-${process.arch}`, 'mediasoup-worker');
}

/** MEDIASOUP_WORKER_BIN if set, else the cached build, else the binary inside node_modules. */
export function resolveWorkerBinary(env: Record<string, string | undefined> = process.env): string {
  const explicit = env.MEDIASOUP_WORKER_BIN;
  if (explicit) {
    if (!existsSync(explicit)) throw new WorkerBinaryError(`MEDIASOUP_WORKER_BIN=${explicit} does not exist: fix or unset it (then 'npm run worker' provides one)`);
    return explicit;
  }
  const candidates = [
    cachedWorkerPath(env),
    join(dirname(require.resolve('mediasoup/package.json')), 'worker', 'out', 'Release', 'mediasoup-worker'),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new WorkerBinaryError(
      `mediasoup-worker ${mediasoupVersion()} not found (looked in ${candidates.join(', ')}): run 'npm run worker' to fetch or build it, or set MEDIASOUP_WORKER_BIN`,
    );
  }
  return found;
}

let loaded: Promise<typeof Mediasoup> | undefined;

/**
 * mediasoup reads MEDIASOUP_WORKER_BIN once, when its module loads, so every process loads it
 * through here: the variable is set first, then the module is imported.
 */
export function loadMediasoup(): Promise<typeof Mediasoup> {
  loaded ??= (async () => {
    process.env.MEDIASOUP_WORKER_BIN = resolveWorkerBinary();
    return import('mediasoup');
  })();
  return loaded;
}
