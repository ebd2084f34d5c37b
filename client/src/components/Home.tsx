import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { randomRoomName, slugifyRoomName } from '../routing';

/** Landing page: name a room (or take a generated name) and go there. */
export function Home({ navigate }: { navigate(roomId: string): void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const slug = slugifyRoomName(name);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(slug || randomRoomName());
  };
  return (
    <form className="home" onSubmit={submit}>
      <div className="field">
        <label htmlFor="room-name">{t('home.roomName')}</label>
        <input id="room-name" value={name} onChange={(e) => setName(e.target.value)} placeholder={t('home.roomNameHint')} maxLength={64} />
      </div>
      {name && slug && <p className="detail">{t('home.link', { link: `${location.origin}/r/${slug}` })}</p>}
      <button type="submit">{name ? t('home.go') : t('home.create')}</button>
    </form>
  );
}
