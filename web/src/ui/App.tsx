// The app's frame: sign-in, or the sidebar (chats, contacts) beside the open conversation;
// on a phone-sized screen one of the two at a time.

import { useEffect, useState } from 'preact/hooks';
import { displayName } from '../protocol/model';
import { useClient } from './hooks';
import { Login } from './Login';
import { Sidebar } from './Sidebar';
import { ConversationView } from './ConversationView';

export function App() {
  const client = useClient();
  const [openId, setOpenId] = useState<number | null>(null);
  const me = client.me;

  useEffect(() => {
    if (openId !== null && !client.conversations.has(openId) && client.synced) setOpenId(null);
  });

  useEffect(() => {
    const unread = client.totalUnread();
    const open = openId !== null ? client.conversations.get(openId) : undefined;
    document.title = `${unread > 0 ? `(${unread}) ` : ''}${open && me ? displayName(open, me.username) + ' · ' : ''}Parley`;
  });

  if (client.auth !== 'signed-in' || !me) {
    if (client.auth === 'signing-in' && me) return <main class="login"><p>Signing in as {me.username}…</p><ConnectionBadge /></main>;
    return <Login />;
  }
  const open = openId !== null ? client.conversations.get(openId) ?? null : null;
  return (
    <div class={`shell ${open ? 'has-open' : ''}`}>
      <header class="topbar">
        <span class="brand">Parley</span>
        <span class="whoami" data-testid="whoami">{me.username}</span>
        <ConnectionBadge />
        <button type="button" onClick={() => void client.logout()}>Sign out</button>
      </header>
      <Sidebar openId={openId} onOpen={setOpenId} />
      {open ? (
        <ConversationView key={open.id} conversation={open} onClose={() => setOpenId(null)} />
      ) : (
        <main class="empty-view"><p>Pick a conversation, or start one.</p></main>
      )}
    </div>
  );
}

/** The connection state, always visible; "Retry now" while waiting to reconnect. */
export function ConnectionBadge() {
  const client = useClient();
  const s = client.connectionState;
  const [, tick] = useState(0);
  useEffect(() => {
    if (s.kind !== 'offline') return;
    const t = setInterval(() => tick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, [s.kind]);
  let label: string;
  let state: string;
  if (s.kind === 'open' && client.synced) {
    label = 'Online';
    state = 'online';
  } else if (s.kind === 'open' || s.kind === 'connecting') {
    label = 'Connecting…';
    state = 'connecting';
  } else if (s.kind === 'offline') {
    const secs = Math.max(0, Math.ceil((s.retryAt - Date.now()) / 1000));
    label = `Offline, retrying in ${secs} s`;
    state = 'offline';
  } else {
    label = 'Disconnected';
    state = 'offline';
  }
  return (
    <span class={`conn conn-${state}`} data-testid="connection" data-state={state} role="status" aria-live="polite">
      {label}
      {s.kind === 'offline' && (
        <button type="button" class="link" onClick={() => client.connection.retryNow()}>Retry now</button>
      )}
    </span>
  );
}
