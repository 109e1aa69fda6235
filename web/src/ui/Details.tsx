// A conversation's settings: mute and nickname (mine), and for groups the members, their roles,
// adding, removing, renaming and leaving.

import { useState } from 'preact/hooks';
import type { Conversation } from '../protocol/model';
import { attempt, useClient } from './hooks';

export function Details({ conversation: c, onClose }: { conversation: Conversation; onClose: () => void }) {
  const client = useClient();
  const me = client.me?.username ?? '';
  const [error, setError] = useState('');
  const [nickname, setNickname] = useState(c.nickname);
  const [title, setTitle] = useState(c.title);
  const [add, setAdd] = useState('');
  const manager = c.role === 'OWNER' || c.role === 'ADMIN';
  const run = (action: () => Promise<unknown>) => attempt(setError, action);
  return (
    <section class="details" aria-label="Conversation details">
      <label class="check">
        <input type="checkbox" name="muted" checked={c.muted}
          onChange={(e) => void run(() => client.settings(c.id, { muted: (e.target as HTMLInputElement).checked }))} />
        Mute notifications
      </label>
      <form class="inline-form" onSubmit={(e) => { e.preventDefault(); void run(() => client.settings(c.id, { nickname: nickname.trim() })); }}>
        <label>Nickname (only you see it) <input name="nickname" maxLength={100} value={nickname}
          onInput={(e) => setNickname((e.target as HTMLInputElement).value)} /></label>
        <button type="submit">Save nickname</button>
      </form>
      {c.kind === 'GROUP' && (
        <>
          {manager && (
            <form class="inline-form" onSubmit={(e) => { e.preventDefault(); void run(() => client.groupChange(c.id, 'RENAME', { title: title.trim() })); }}>
              <label>Group name <input name="rename" maxLength={200} value={title}
                onInput={(e) => setTitle((e.target as HTMLInputElement).value)} /></label>
              <button type="submit">Rename</button>
            </form>
          )}
          <h3>Members</h3>
          <ul class="member-list" aria-label="Members">
            {c.members.map((m) => (
              <li key={m.username} data-testid="member" data-name={m.username} data-role={m.role}>
                <span class="name">{m.username}{m.username === me ? ' (you)' : ''}</span>
                <span class="role">{m.role.toLowerCase()}</span>
                {c.role === 'OWNER' && m.username !== me && (
                  <button type="button" onClick={() => void run(() => client.groupChange(c.id, 'SET_ROLE', {
                    usernames: [m.username], role: m.role === 'ADMIN' ? 'MEMBER' : 'ADMIN',
                  }))}>{m.role === 'ADMIN' ? 'Make member' : 'Make admin'}</button>
                )}
                {manager && m.username !== me && m.role !== 'OWNER' && (c.role === 'OWNER' || m.role === 'MEMBER') && (
                  <button type="button" aria-label={`Remove ${m.username}`}
                    onClick={() => void run(() => client.groupChange(c.id, 'REMOVE_MEMBERS', { usernames: [m.username] }))}>Remove</button>
                )}
              </li>
            ))}
          </ul>
          {manager && (
            <form class="inline-form" onSubmit={async (e) => {
              e.preventDefault();
              const names = add.split(/[\s,]+/).filter(Boolean);
              if (await run(() => client.groupChange(c.id, 'ADD_MEMBERS', { usernames: names }))) setAdd('');
            }}>
              <label>Add members <input name="add-members" value={add}
                onInput={(e) => setAdd((e.target as HTMLInputElement).value)} /></label>
              <button type="submit">Add</button>
            </form>
          )}
          <button type="button" class="danger" onClick={() => void run(async () => { await client.groupChange(c.id, 'LEAVE'); onClose(); })}>
            Leave group
          </button>
        </>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </section>
  );
}
