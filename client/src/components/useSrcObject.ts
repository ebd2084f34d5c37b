import { useEffect, type RefObject } from 'react';

/**
 * Plays `stream` in a media element, and lets go of it when the stream changes or the element leaves the
 * page. A detached element that still holds a camera keeps consuming it until it is garbage-collected,
 * and meanwhile the camera delivers no frame to anyone (the join's old ~2 s wait for a first frame).
 */
export function useSrcObject(ref: RefObject<HTMLMediaElement | null>, stream: MediaStream | null): void {
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    if (element.srcObject !== stream) element.srcObject = stream;
    return () => {
      element.srcObject = null;
    };
  }, [ref, stream]);
}
