// The list of conversations (unread counts, previews, mute, nicknames, presence) and contacts,
// with forms to start a chat or a group.

import { useState } from 'preact/hooks';
import { displayName, peerOf, type Conversation } from '../protocol/model';
import { attempt, useClient } from './hooks';
import { Contacts } from './Contacts';

export function Sidebar({ openId, onOpen }: { openId: number | null; onOpen: (id: number) => void }) {
  const client = useClient();
  const [tab, setTab] = useState<'chats' | 'contacts'>('chats');
  const requests = [...client.contacts.values()].filter((c) => c.state === 'REQUEST_RECEIVED').length;
  return (
    <nav class="sidebar" aria-label="Conversations and contacts">
      <div class="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={tab === 'chats'} onClick={() => setTab('chats')}>
          Chats{client.totalUnread() > 0 && <span class="badge" aria-label={`${client.totalUnread()} unread in all`}>{client.totalUnread()}</span>}
        </button>
        <button type="button" role="tab" aria-selected={tab === 'contacts'} onClick={() => setTab('contacts')}>
          Contacts{requests > 0 && <span class="badge" aria-label={`${requests} contact requests`}>{requests}</span>}
        </button>
      </div>
      {tab === 'chats' ? <Chats openId={openId} onOpen={onOpen} /> : <Contacts onOpen={(id) => { onOpen(id); setTab('chats'); }} />}
    </nav>
  );
}

function Chats({ openId, onOpen }: { openId: number | null; onOpen: (id: number) => void }) {
  const client = useClient();
  const me = client.me?.username ?? '';
  return (
    <div class="chats">
      <NewChat onOpen={onOpen} />
      <ul class="conversation-list" aria-label="Conversations">
        {client.sortedConversations().map((c) => (
          <li key={c.id}>
            <ConversationRow c={c} me={me} selected={c.id === openId} onOpen={onOpen} />
          </li>
        ))}
      </ul>
      {client.synced && client.conversations.size === 0 && <p class="note">No conversations yet.</p>}
    </div>
  );
}

function ConversationRow({ c, me, selected, onOpen }: { c: Conversation; me: string; selected: boolean; onOpen: (id: number) => void }) {
  const client = useClient();
  const name = displayName(c, me);
  const peer = peerOf(c, me);
  const contact = peer ? client.contacts.get(peer) : undefined;
  const preview = c.lastMessage
    ? `${c.kind === 'GROUP' && c.lastMessage.sender ? (c.lastMessage.sender === me ? 'You' : c.lastMessage.sender) + ': ' : ''}${c.lastMessage.text}`
    : '';
  return (
    <button type="button" class={`conversation ${selected ? 'selected' : ''}`} aria-current={selected ? 'true' : undefined}
      data-testid="conversation" data-name={name} onClick={() => onOpen(c.id)}>
      <span class="row-top">
        {contact?.state === 'ACCEPTED' && <PresenceDot online={contact.online} name={contact.username} />}
        <span class="name">{name}</span>
        {c.kind === 'GROUP' && <span class="tag">group</span>}
        {c.muted && <span class="muted-icon" aria-label="muted" title="muted">🔕</span>}
        {c.unread > 0 && <span class="badge unread" data-testid="unread" aria-label={`${c.unread} unread`}>{c.unread}</span>}
      </span>
      <span class="preview" data-testid="preview">{preview}</span>
    </button>
  );
}

export function PresenceDot({ online, name }: { online: boolean; name: string }) {
  return <span class={`dot ${online ? 'online' : ''}`} role="img" aria-label={`${name} is ${online ? 'online' : 'offline'}`} data-online={online ? 'true' : 'false'} />;
}

function NewChat({ onOpen }: { onOpen: (id: number) => void }) {
  const client = useClient();
  const [mode, setMode] = useState<'none' | 'direct' | 'group'>('none');
  const [user, setUser] = useState('');
  const [title, setTitle] = useState('');
  const [members, setMembers] = useState('');
  const [error, setError] = useState('');
  const startDirect = async (e: Event) => {
    e.preventDefault();
    let id = 0;
    if (await attempt(setError, async () => { id = await client.openDirect(user.trim()); })) {
      setUser('');
      setMode('none');
      onOpen(id);
    }
  };
  const startGroup = async (e: Event) => {
    e.preventDefault();
    const names = members.split(/[\s,]+/).filter(Boolean);
    let id = 0;
    if (await attempt(setError, async () => { id = await client.createGroup(title.trim(), names); })) {
      setTitle('');
      setMembers('');
      setMode('none');
      onOpen(id);
    }
  };
  return (
    <div class="new-chat">
      <div class="actions">
        <button type="button" aria-expanded={mode === 'direct'} onClick={() => setMode(mode === 'direct' ? 'none' : 'direct')}>New chat</button>
        <button type="button" aria-expanded={mode === 'group'} onClick={() => setMode(mode === 'group' ? 'none' : 'group')}>New group</button>
      </div>
      {mode === 'direct' && (
        <form onSubmit={startDirect} class="inline-form" aria-label="Start a chat">
          <label>Username <input name="direct-user" required value={user} maxLength={32}
            onInput={(e) => setUser((e.target as HTMLInputElement).value)} /></label>
          <button type="submit" class="primary">Open</button>
        </form>
      )}
      {mode === 'group' && (
        <form onSubmit={startGroup} class="inline-form" aria-label="Create a group">
          <label>Group name <input name="group-title" required maxLength={200} value={title}
            onInput={(e) => setTitle((e.target as HTMLInputElement).value)} /></label>
          <label>Members (comma separated) <input name="group-members" value={members}
            onInput={(e) => setMembers((e.target as HTMLInputElement).value)} /></label>
          <button type="submit" class="primary">Create</button>
        </form>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </div>
  );
}
