/**
 * Longest a tile waits for a peer's media on a new path: as long as a switch may take (the server's
 * RoomTopology waits that long, and PathSwitcher drops the old paths then).
 */
export const MEDIA_WAIT_MS = 30_000;

/** The counters that say media from a peer really arrives. */
export interface DecodeCounters {
  framesDecoded: number;
  audioPacketsReceived: number;
}

export interface DecodeWait {
  /** Whether the peer sends video (else its audio packets are what to wait for). */
  expectVideo(): boolean;
  /** False once nothing is waiting any more (the path closed, the peer left): then the wait ends with false. */
  alive(): boolean;
  /**
   * Longest wait (default MEDIA_WAIT_MS); then it ends with true all the same, since the old path closes
   * about then and late media beats a tile left on a closed path.
   */
  maxWaitMs?: number;
  intervalMs?: number;
}

/** Resolves once media from a peer decodes (true), or once the wait is no longer alive (false). */
export async function waitUntilDecoding(read: () => Promise<DecodeCounters | undefined>, wait: DecodeWait): Promise<boolean> {
  const deadline = Date.now() + (wait.maxWaitMs ?? MEDIA_WAIT_MS);
  while (wait.alive()) {
    const counters = await read();
    if (!wait.alive()) return false;
    if (counters && (wait.expectVideo() ? counters.framesDecoded > 0 : counters.audioPacketsReceived > 0)) return true;
    if (Date.now() >= deadline) return true;
    await new Promise((resolve) => setTimeout(resolve, wait.intervalMs ?? 200));
  }
  return false;
}
