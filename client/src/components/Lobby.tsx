import { useMemo, useRef, useState, type FormEvent } from 'react';
import { Trans, useTranslation } from 'react-i18next';
import { currentLanguage, languages, setLanguage, type Language } from '../i18n';
import { displayNameSchema } from '@confer/shared';
import { useMediaStore } from '../state/mediaStore';
import { DevicePickers, type DeviceActions } from './DevicePicker';
import { LevelMeter } from './LevelMeter';
import { useSrcObject } from './useSrcObject';

const NAME_KEY = 'confer.displayName';

export interface LobbyActions extends DeviceActions {
  setCameraOn(on: boolean): void;
  setMicMuted(muted: boolean): void;
  join(displayName: string, password?: string): void;
}

/**
 * Before joining: name, camera preview, mic level, device choice, joining with either off, and the room's
 * password (a new room gets the one given; a protected room needs it). A join token from the link names
 * the participant instead.
 */
export function Lobby(props: { roomId: string; actions: LobbyActions; joining: boolean; error: string | null; tokenName?: string | null }) {
  const { roomId, actions, joining, error, tokenName } = props;
  const { t } = useTranslation();
  const media = useMediaStore();
  const [name, setName] = useState(() => tokenName ?? localStorage.getItem(NAME_KEY) ?? '');
  const [password, setPassword] = useState('');
  const preview = useRef<HTMLVideoElement>(null);
  const nameCheck = displayNameSchema.safeParse(name);

  const previewStream = useMemo(() => (media.videoTrack ? new MediaStream([media.videoTrack]) : null), [media.videoTrack]);
  useSrcObject(preview, previewStream);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!nameCheck.success) return;
    if (!tokenName) localStorage.setItem(NAME_KEY, nameCheck.data);
    if (password) actions.join(nameCheck.data, password);
    else actions.join(nameCheck.data);
  };

  return (
    <main className="lobby">
      <h1>
        <Trans i18nKey="lobby.title" values={{ room: roomId }} components={{ room: <span className="room-name" /> }} />
      </h1>
      <div className="lobby-body">
        <div className="preview">
          {media.videoTrack ? <video ref={preview} autoPlay playsInline muted data-testid="preview" /> : <div className="avatar">{media.videoMuted ? t('lobby.cameraOff') : t('lobby.noCamera')}</div>}
          <LevelMeter track={media.audioMuted ? null : media.audioTrack} />
        </div>
        <form onSubmit={submit} className="lobby-form">
          <div className="field">
            <label htmlFor="display-name">{t('lobby.yourName')}</label>
            <input id="display-name" value={name} onChange={(e) => setName(e.target.value)} maxLength={64} autoComplete="nickname" required readOnly={Boolean(tokenName)} />
          </div>
          {!tokenName && (
            <div className="field">
              <label htmlFor="room-password">{t('lobby.password')}</label>
              <input id="room-password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} maxLength={128} autoComplete="off" placeholder={t('lobby.passwordHint')} />
            </div>
          )}
          <div className="field">
            <label htmlFor="language">{t('app.language')}</label>
            <select id="language" value={currentLanguage()} onChange={(e) => setLanguage(e.target.value as Language)}>
              {Object.entries(languages).map(([code, name]) => (
                <option key={code} value={code} lang={code}>
                  {name}
                </option>
              ))}
            </select>
          </div>
          <DevicePickers actions={actions} />
          <div className="toggles">
            <label>
              <input type="checkbox" checked={!media.videoMuted} onChange={(e) => actions.setCameraOn(e.target.checked)} /> {t('lobby.cameraOn')}
            </label>
            <label>
              <input type="checkbox" checked={!media.audioMuted} onChange={(e) => actions.setMicMuted(!e.target.checked)} /> {t('lobby.microphoneOn')}
            </label>
          </div>
          {media.videoError && (
            <p className="device-error" role="alert" data-testid="camera-error">
              {media.videoError}
            </p>
          )}
          {media.audioError && (
            <p className="device-error" role="alert" data-testid="microphone-error">
              {media.audioError}
            </p>
          )}
          {error && (
            <p className="join-error" role="alert" data-testid="join-error">
              {error}
            </p>
          )}
          <button type="submit" disabled={!nameCheck.success || joining}>
            {joining ? t('lobby.joining') : t('lobby.join')}
          </button>
        </form>
      </div>
    </main>
  );
}
