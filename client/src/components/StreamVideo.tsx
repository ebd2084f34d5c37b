import { useEffect, useRef, useState } from 'react';

type FrameVideo = HTMLVideoElement & {
  requestVideoFrameCallback?(cb: () => void): number;
  cancelVideoFrameCallback?(handle: number): void;
};

/**
 * A video that changes streams without a blank: a new stream (the same person moving between mesh and
 * SFU) plays in a second element underneath, and the two swap once it has presented its first frame.
 * Re-pointing one element's srcObject would show nothing until the new stream's first frame.
 */
export function StreamVideo({ stream, hidden, testId = 'tile-video' }: { stream: MediaStream | null; hidden: boolean; testId?: string }) {
  const first = useRef<FrameVideo>(null);
  const second = useRef<FrameVideo>(null);
  const [front, setFront] = useState<0 | 1>(0);

  useEffect(() => {
    const [shown, next] = front === 0 ? [first.current, second.current] : [second.current, first.current];
    if (!shown || !next) return;
    if (shown.srcObject === stream) {
      next.srcObject = null;
      return;
    }
    // Nothing on screen worth keeping (first stream, camera off) or no way to see the first frame: switch at once.
    if (!shown.srcObject || hidden || !stream || !next.requestVideoFrameCallback) {
      shown.srcObject = stream;
      next.srcObject = null;
      return;
    }
    // No deadline: until the new stream has a picture, the old one's last frame is the better thing to show
    // (a share at a low frame rate can take seconds; a paused, off-screen tile none until it is visible).
    next.srcObject = stream;
    const handle = next.requestVideoFrameCallback(() => setFront(front === 0 ? 1 : 0));
    return () => next.cancelVideoFrameCallback?.(handle);
  }, [stream, hidden, front]);

  // An element that leaves the page must let go of its stream at once, not when it is collected.
  useEffect(() => {
    const elements = [first.current, second.current];
    return () => {
      for (const element of elements) if (element) element.srcObject = null;
    };
  }, []);

  // The element in front carries the test id; the one behind is only ever a stream being handed over.
  const props = (index: 0 | 1) => ({
    autoPlay: true,
    playsInline: true,
    muted: true,
    hidden,
    className: index === front ? 'front' : 'behind',
    'data-testid': index === front ? testId : `${testId}-next`,
  });
  return (
    <>
      <video ref={first} {...props(0)} />
      <video ref={second} {...props(1)} />
    </>
  );
}
