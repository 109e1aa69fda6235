// One conversation: history paged in on scroll, messages with reactions, edit and delete,
// read markers (readers' initials), typing, pending sends, and the composer.

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import {
  describeSystem, displayName, peerOf, readMarkers, type ChatMessage, type Conversation,
} from '../protocol/model';
import { initials, utf8Bytes } from '../protocol/text';
import type { OutboxItem } from '../protocol/outbox';
import { attempt, useClient } from './hooks';
import { MessageText } from './MessageText';
import { PresenceDot } from './Sidebar';
import { Details } from './Details';

const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉'];

export function ConversationView({ conversation: c, onClose }: { conversation: Conversation; onClose: () => void }) {
  const client = useClient();
  const me = client.me?.username ?? '';
  const [showDetails, setShowDetails] = useState(false);
  const [error, setError] = useState('');
  const list = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const heightBeforePrepend = useRef<number | null>(null);
  const name = displayName(c, me);
  const peer = peerOf(c, me);
  const contact = peer ? client.contacts.get(peer) : undefined;

  // First open: page in the newest history.
  useEffect(() => {
    if (c.messages.length < 30 && c.hasOlder) void loadOlder();
  }, [c.id, client.synced]);

  // Keep the view pinned to the bottom as messages arrive; keep the position when paging in.
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    if (heightBeforePrepend.current !== null) {
      el.scrollTop += el.scrollHeight - heightBeforePrepend.current;
      heightBeforePrepend.current = null;
    } else if (atBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
  });

  // Read up to the end while the conversation is on screen and scrolled down.
  useEffect(() => {
    const mark = () => {
      if (document.visibilityState === 'visible' && atBottom.current) client.markRead(c.id);
    };
    mark();
    document.addEventListener('visibilitychange', mark);
    return () => document.removeEventListener('visibilitychange', mark);
  });

  const loadOlder = async () => {
    if (list.current && c.messages.length > 0) heightBeforePrepend.current = list.current.scrollHeight;
    await client.loadOlder(c.id);
  };

  const onScroll = () => {
    const el = list.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (el.scrollTop < 80 && c.hasOlder) void loadOlder();
    if (atBottom.current) client.markRead(c.id);
  };

  const markers = readMarkers(c, me);
  const pending = client.outbox?.forConversation(c.id) ?? [];
  const typing = [...c.typing.keys()];

  return (
    <main class="conversation-view" aria-label={`Conversation with ${name}`}>
      <header class="conv-header">
        <button type="button" class="icon back" aria-label="Back to conversations" onClick={onClose}>←</button>
        {contact?.state === 'ACCEPTED' && <PresenceDot online={contact.online} name={contact.username} />}
        <h2 data-testid="conversation-title">{name}</h2>
        {c.kind === 'GROUP' && <span class="note">{c.members.length} members</span>}
        <button type="button" class="icon" aria-label="Conversation details" aria-expanded={showDetails}
          onClick={() => setShowDetails(!showDetails)}>⚙</button>
      </header>
      {showDetails && <Details conversation={c} onClose={() => setShowDetails(false)} />}
      <div class="messages" ref={list} onScroll={onScroll} data-testid="messages" tabIndex={0} aria-label="Messages">
        {c.hasOlder ? (
          <button type="button" class="link older" onClick={() => void loadOlder()}>Load older messages</button>
        ) : (
          <p class="note start">Start of the conversation</p>
        )}
        {c.messages.map((m) => (
          <MessageRow key={m.seq} c={c} m={m} me={me} readers={markers.get(m.seq) ?? []} onError={setError} />
        ))}
        {pending.map((p) => <PendingRow key={p.client_msg_id} item={p} />)}
        {typing.length > 0 && (
          <p class="typing" data-testid="typing" aria-live="polite">{typing.join(', ')} {typing.length > 1 ? 'are' : 'is'} typing…</p>
        )}
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      <Composer c={c} onError={setError} />
    </main>
  );
}

function MessageRow({ c, m, me, readers, onError }: {
  c: Conversation; m: ChatMessage; me: string; readers: string[]; onError: (e: string) => void;
}) {
  const client = useClient();
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(m.text);
  if (m.kind === 'SYSTEM') {
    return (
      <div class="message system" data-testid="message" data-seq={m.seq}>
        <span class="text">{describeSystem(m.text)}</span>
        <Readers readers={readers} />
      </div>
    );
  }
  const mine = m.sender === me;
  const saveEdit = async () => {
    if (draft.trim() === '' || draft === m.text) return setEditing(false);
    if (await attempt(onError, () => client.edit(c.id, m.seq, draft))) setEditing(false);
  };
  const myReaction = (emoji: string) => m.reactions.some((r) => r.emoji === emoji && r.users.includes(me));
  const toggle = (emoji: string) => void attempt(onError, () => client.react(c.id, m.seq, emoji, myReaction(emoji)));
  return (
    // Focusable, so the actions show on focus (keyboard) and on tap (phone), not only on hover.
    <div class={`message ${mine ? 'mine' : 'theirs'} ${m.deleted ? 'deleted' : ''}`} data-testid="message"
      data-seq={m.seq} data-sender={m.sender} tabIndex={0}>
      {c.kind === 'GROUP' && !mine && <span class="sender">{m.sender}</span>}
      {editing ? (
        <form class="edit" onSubmit={(e) => { e.preventDefault(); void saveEdit(); }}>
          <label class="sr-only" for={`edit-${m.seq}`}>Edit message</label>
          <textarea id={`edit-${m.seq}`} value={draft} rows={2}
            onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') setEditing(false);
              if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); void saveEdit(); }
            }} />
          <button type="submit" class="primary">Save</button>
          <button type="button" onClick={() => setEditing(false)}>Cancel</button>
        </form>
      ) : m.deleted ? (
        <span class="text tombstone">This message was deleted</span>
      ) : (
        <MessageText text={m.text} />
      )}
      <span class="meta">
        <time dateTime={new Date(m.sentAt).toISOString()}>{formatTime(m.sentAt)}</time>
        {m.editedAt > 0 && !m.deleted && <span class="edited"> · edited</span>}
      </span>
      {m.reactions.length > 0 && (
        <span class="reactions">
          {m.reactions.map((r) => (
            <button type="button" key={r.emoji} class={`reaction ${r.users.includes(me) ? 'own' : ''}`}
              aria-label={`${r.emoji} by ${r.users.join(', ')}`} title={r.users.join(', ')} data-testid="reaction"
              onClick={() => toggle(r.emoji)}>{r.emoji} {r.users.length}</button>
          ))}
        </span>
      )}
      {!m.deleted && !editing && (
        <span class="message-actions">
          {QUICK_REACTIONS.map((e) => (
            <button type="button" class="icon" key={e} aria-label={`React ${e}`} onClick={() => toggle(e)}>{e}</button>
          ))}
          {mine && <button type="button" class="icon" aria-label="Edit message" onClick={() => { setDraft(m.text); setEditing(true); }}>✎</button>}
          <button type="button" class="icon" aria-label="Delete for me" onClick={() => void attempt(onError, () => client.deleteMessage(c.id, m.seq, false))}>🗑</button>
          {mine && <button type="button" class="icon" aria-label="Delete for everyone" onClick={() => void attempt(onError, () => client.deleteMessage(c.id, m.seq, true))}>⊘</button>}
        </span>
      )}
      <Readers readers={readers} />
    </div>
  );
}

function Readers({ readers }: { readers: string[] }) {
  if (readers.length === 0) return null;
  return (
    <span class="readers" data-testid="readers" aria-label={`Read by ${readers.join(', ')}`}>
      {readers.map((r) => <span class="avatar" key={r} title={r} data-reader={r}>{initials(r)}</span>)}
    </span>
  );
}

function PendingRow({ item }: { item: OutboxItem }) {
  const client = useClient();
  return (
    <div class={`message mine pending ${item.failed ? 'failed' : ''}`} data-testid="pending">
      <MessageText text={item.text} />
      <span class="meta">
        {item.failed ? (
          <>Not sent ({item.failed}) <button type="button" class="link" onClick={() => client.discard(item.client_msg_id)}>Discard</button></>
        ) : 'Sending…'}
      </span>
    </div>
  );
}

function Composer({ c, onError }: { c: Conversation; onError: (e: string) => void }) {
  const client = useClient();
  const [text, setText] = useState('');
  const bytes = utf8Bytes(text);
  const max = client.limits.maxMessageBytes;
  const tooLong = bytes > max;
  const send = () => {
    if (text.trim() === '' || tooLong) return;
    if (attemptSync(onError, () => client.send(c.id, text))) setText('');
  };
  return (
    <form class="composer" onSubmit={(e) => { e.preventDefault(); send(); }}>
      <label class="sr-only" for="composer-text">Message</label>
      <textarea id="composer-text" name="message" rows={2} placeholder="Write a message" value={text}
        aria-invalid={tooLong}
        onInput={(e) => {
          setText((e.target as HTMLTextAreaElement).value);
          client.typing(c.id);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); send(); }
        }} />
      {bytes > max * 0.8 && <span class={`counter ${tooLong ? 'over' : ''}`} aria-live="polite">{bytes}/{max} bytes</span>}
      <button type="submit" class="primary" aria-label="Send message" disabled={tooLong || text.trim() === ''}>Send</button>
    </form>
  );
}

function attemptSync(report: (e: string) => void, action: () => unknown): boolean {
  try {
    action();
    report('');
    return true;
  } catch (e) {
    report(String((e as Error).message ?? e));
    return false;
  }
}

function formatTime(ms: number): string {
  if (!ms) return '';
  const d = new Date(ms);
  const today = new Date();
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return d.toDateString() === today.toDateString() ? time : `${d.toLocaleDateString()} ${time}`;
}
