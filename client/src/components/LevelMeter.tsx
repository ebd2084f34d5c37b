import { useAudioLevel } from './useSpeaking';

export function LevelMeter({ track }: { track: MediaStreamTrack | null }) {
  const level = useAudioLevel(track);
  return (
    <meter className="level" aria-label="Microphone level" min={0} max={1} low={0.3} high={0.8} optimum={0.5} value={level} data-testid="mic-level" />
  );
}
