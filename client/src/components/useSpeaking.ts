import { useEffect, useState } from 'react';
import { createSpeakingDetector, measureLevel } from '../media/audioLevel';

/** Audio level (0..1) of a track, updated ~10 times a second; 0 without a live track. */
export function useAudioLevel(track: MediaStreamTrack | null | undefined): number {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    if (!track || track.readyState === 'ended' || typeof AudioContext === 'undefined') return;
    const stop = measureLevel(track, setLevel);
    return () => {
      stop();
      setLevel(0);
    };
  }, [track]);
  return level;
}

/** Whether the track's owner is speaking, with hysteresis against flicker. */
export function useSpeaking(track: MediaStreamTrack | null | undefined, muted: boolean): boolean {
  const [speaking, setSpeaking] = useState(false);
  useEffect(() => {
    if (muted || !track || track.readyState === 'ended' || typeof AudioContext === 'undefined') return;
    const detect = createSpeakingDetector();
    const stop = measureLevel(track, (level) => setSpeaking(detect(level, Date.now())));
    return () => {
      stop();
      setSpeaking(false);
    };
  }, [track, muted]);
  return speaking;
}
