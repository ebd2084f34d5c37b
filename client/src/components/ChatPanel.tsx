import { useTranslation } from 'react-i18next';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { MAX_CHAT_CHARS } from '@confer/shared';
import type { SendResult } from '../chat/ChatService';
import { linkify } from '../chat/linkify';
import { useChatStore } from '../state/chatStore';

const time = (at: number) => new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** The room's chat: messages as plain text (links made clickable), Enter sends, Shift+Enter breaks the line. */
export function ChatPanel({ selfId, send }: { selfId: string; send(text: string): SendResult }) {
  const { t } = useTranslation();
  const messages = useChatStore((s) => s.messages);
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const list = useRef<HTMLOListElement>(null);

  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages]);

  const submit = () => {
    if (!draft.trim()) return;
    const result = send(draft);
    if (result.ok) {
      setDraft('');
      setError(null);
    } else setError(result.error);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  return (
    <aside className="chat" id="chat" aria-label={t('chat.label')}>
      <ol className="messages" ref={list} aria-live="polite">
        {messages.length === 0 && <li className="empty">{t('chat.empty')}</li>}
        {messages.map((m) => (
          <li key={m.id} data-testid="chat-message" data-id={m.id} data-from={m.from}>
            <span className="from">{m.from === selfId ? t('chat.you') : m.name}</span> <time dateTime={new Date(m.at).toISOString()}>{time(m.at)}</time>
            <p className="text">
              {linkify(m.text).map((part, i) =>
                'href' in part ? (
                  <a key={i} href={part.href} target="_blank" rel="noopener noreferrer nofollow">
                    {part.text}
                  </a>
                ) : (
                  <span key={i}>{part.text}</span>
                ),
              )}
            </p>
          </li>
        ))}
      </ol>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <textarea aria-label={t('chat.message')} rows={2} value={draft} placeholder={t('chat.placeholder')} onChange={(e) => setDraft(e.target.value)} onKeyDown={onKeyDown} />
        {draft.length > MAX_CHAT_CHARS && (
          <span className="detail">
            {draft.length}/{MAX_CHAT_CHARS}
          </span>
        )}
        <button type="submit">{t('chat.send')}</button>
        {error && (
          <p className="chat-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </aside>
  );
}
