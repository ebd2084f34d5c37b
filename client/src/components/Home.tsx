import { useState, type FormEvent } from 'react';
import { randomRoomName, slugifyRoomName } from '../routing';

/** Landing page: name a room (or take a generated name) and go there. */
export function Home({ navigate }: { navigate(roomId: string): void }) {
  const [name, setName] = useState('');
  const slug = slugifyRoomName(name);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(slug || randomRoomName());
  };
  return (
    <form className="home" onSubmit={submit}>
      <div className="field">
        <label htmlFor="room-name">Room name</label>
        <input id="room-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="leave empty for a new random room" maxLength={64} />
      </div>
      {name && slug && <p className="detail">Link: {`${location.origin}/r/${slug}`}</p>}
      <button type="submit">{name ? 'Go to room' : 'Create room'}</button>
    </form>
  );
}
