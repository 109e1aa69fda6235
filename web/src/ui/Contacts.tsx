// Contacts: requests in and out, accepted contacts with presence, blocked users.

import { useState } from 'preact/hooks';
import type { Contact } from '../protocol/sync';
import { attempt, useClient } from './hooks';
import { PresenceDot } from './Sidebar';

export function Contacts({ onOpen }: { onOpen: (id: number) => void }) {
  const client = useClient();
  const [name, setName] = useState('');
  const [error, setError] = useState('');
  const all = [...client.contacts.values()].sort((a, b) => a.username.localeCompare(b.username));
  const act = (username: string, action: Parameters<typeof client.contact>[1]) =>
    void attempt(setError, () => client.contact(username, action));
  const request = async (e: Event) => {
    e.preventDefault();
    if (await attempt(setError, () => client.contact(name.trim(), 'REQUEST'))) setName('');
  };
  const section = (title: string, list: Contact[], buttons: (c: Contact) => preact.JSX.Element) =>
    list.length > 0 && (
      <section aria-label={title}>
        <h3>{title}</h3>
        <ul class="contact-list">
          {list.map((c) => (
            <li key={c.username} data-testid="contact" data-name={c.username} data-state={c.state}>
              {c.state === 'ACCEPTED' && <PresenceDot online={c.online} name={c.username} />}
              <span class="name">{c.username}</span>
              <span class="buttons">{buttons(c)}</span>
            </li>
          ))}
        </ul>
      </section>
    );
  return (
    <div class="contacts">
      <form class="inline-form" onSubmit={request} aria-label="Add a contact">
        <label>Add contact <input name="contact-user" required maxLength={32} value={name}
          onInput={(e) => setName((e.target as HTMLInputElement).value)} /></label>
        <button type="submit" class="primary">Send request</button>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {section('Requests', all.filter((c) => c.state === 'REQUEST_RECEIVED'), (c) => (
        <>
          <button type="button" onClick={() => act(c.username, 'ACCEPT')}>Accept</button>
          <button type="button" onClick={() => act(c.username, 'DECLINE')}>Decline</button>
          <button type="button" onClick={() => act(c.username, 'BLOCK')}>Block</button>
        </>
      ))}
      {section('Contacts', all.filter((c) => c.state === 'ACCEPTED'), (c) => (
        <>
          <button type="button" onClick={() => void attempt(setError, async () => onOpen(await client.openDirect(c.username)))}>Message</button>
          <button type="button" onClick={() => act(c.username, 'REMOVE')}>Remove</button>
          <button type="button" onClick={() => act(c.username, 'BLOCK')}>Block</button>
        </>
      ))}
      {section('Sent requests', all.filter((c) => c.state === 'REQUEST_SENT'), (c) => (
        <button type="button" onClick={() => act(c.username, 'REMOVE')}>Cancel</button>
      ))}
      {section('Blocked', all.filter((c) => c.state === 'BLOCKED'), (c) => (
        <button type="button" onClick={() => act(c.username, 'UNBLOCK')}>Unblock</button>
      ))}
      {all.length === 0 && <p class="note">No contacts yet. Add someone by username.</p>}
    </div>
  );
}
