import { useTranslation } from 'react-i18next';
import { useAudioLevel } from './useSpeaking';

export function LevelMeter({ track }: { track: MediaStreamTrack | null }) {
  const { t } = useTranslation();
  const level = useAudioLevel(track);
  return (
    <meter className="level" aria-label={t('lobby.micLevel')} min={0} max={1} low={0.3} high={0.8} optimum={0.5} value={level} data-testid="mic-level" />
  );
}
