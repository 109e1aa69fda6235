// ChatClient against a scripted in-memory server: dedupe by (conversation, seq), gap fill with
// history after_seq, the resend queue across reconnects, user-log sync, and read markers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readMarkers } from '../src/protocol/model';
import { ChatClient } from '../src/protocol/client';
import type { WireMessage } from '../src/protocol/types';
import { FakeClock, FakeSocket, MemoryStore, settle } from './fakes';

/** Enough of parleyd for one user "alice" talking to "bob" in conversation 1. */
class Server {
  log: WireMessage[] = [];
  sentIds = new Map<string, number>();
  acked: string[] = [];
  userSeq = 0;
  readSeq = 0;
  bobRead = 0;
  /** When false, sends are received but never answered (the connection dies first). */
  answerSends = true;
  histories: Array<Record<string, string>> = [];
  /** When set, pages asked with before_seq wait here until the test releases them. */
  held: Array<() => void> | null = null;

  append(m: Partial<WireMessage>): WireMessage {
    const entry: WireMessage = {
      conversation_id: '1', seq: String(this.log.length + 1), kind: 'TEXT', sender: 'bob', sender_id: '2',
      sent_at_ms: String(1000 + this.log.length), ...m,
    };
    this.log.push(entry);
    return entry;
  }

  summary() {
    return {
      conversation_id: '1', kind: 'DIRECT', title: 'bob', last_seq: String(this.log.length), read_seq: String(this.readSeq),
      members: [{ user_id: '1', username: 'alice', read_seq: String(this.readSeq) }, { user_id: '2', username: 'bob', read_seq: String(this.bobRead) }],
      unread: String(this.log.filter((m) => m.kind === 'TEXT' && m.sender !== 'alice' && Number(m.seq) > this.readSeq).length),
    };
  }

  attach(s: FakeSocket): void {
    s.onSend = (f) => {
      const reply = (body: object) => queueMicrotask(() => s.push({ id: f.id, ...body }));
      if (f.hello) reply({ hello_ok: { version: 1, heartbeat_interval_ms: 30000, limits: { max_message_bytes: 20 } } });
      else if (f.register_account || f.login) reply({ auth_ok: { user_id: '1', username: 'alice', device_id: '5', token: 'tok' } });
      else if (f.resume) reply({ auth_ok: { user_id: '1', username: 'alice', device_id: '5' } });
      else if (f.sync) reply({ sync: { conversations: this.log.length ? [this.summary()] : [], user_seq: String(this.userSeq) } });
      else if (f.list_conversations) reply({ conversations: { conversations: this.log.length ? [this.summary()] : [] } });
      else if (f.list_contacts) reply({ contacts: {} });
      else if (f.read_positions) reply({ conversation: this.summary() });
      else if (f.delivery_ack) this.acked.push(...f.delivery_ack.messages.map((m: any) => m.seq));
      else if (f.history) {
        this.histories.push(f.history);
        const h = f.history;
        const matching = h.after_seq !== undefined
          ? this.log.filter((m) => Number(m.seq) > Number(h.after_seq))
          : this.log.filter((m) => !Number(h.before_seq) || Number(m.seq) < Number(h.before_seq));
        const page = h.after_seq !== undefined ? matching.slice(0, h.limit) : matching.slice(-h.limit);
        const answer = () => reply({ history: { messages: page, has_more: matching.length > page.length } });
        if (this.held && h.after_seq === undefined) this.held.push(answer);
        else answer();
      } else if (f.send) {
        let seq = this.sentIds.get(f.send.client_msg_id);
        const duplicate = seq !== undefined;
        if (seq === undefined) {
          seq = Number(this.append({ sender: 'alice', sender_id: '1', text: f.send.text, client_msg_id: f.send.client_msg_id }).seq);
          this.sentIds.set(f.send.client_msg_id, seq);
        }
        if (this.answerSends) reply({ send_ack: { conversation_id: '1', seq: String(seq), duplicate } });
      } else if (f.mark_read) {
        this.readSeq = Number(f.mark_read.seq);
        reply({ ok: {} });
      } else if (f.id) reply({ ok: {} });
    };
  }
}

function setup(store = new MemoryStore()) {
  const clock = new FakeClock();
  const server = new Server();
  const sockets: FakeSocket[] = [];
  const client = new ChatClient({
    url: 'ws://x/ws', storage: store, clock,
    openSocket: () => { const s = new FakeSocket(); server.attach(s); sockets.push(s); queueMicrotask(() => s.open()); return s; },
  });
  return { clock, server, sockets, client, store };
}

async function signedIn() {
  const t = setup();
  t.client.signIn('register', 'alice', 'password1');
  t.client.start();
  await settle();
  t.clock.advance(300);
  await settle();
  assert.equal(t.client.auth, 'signed-in');
  assert.equal(t.client.synced, true);
  return t;
}

const texts = (client: ChatClient) => client.conversations.get(1)?.messages.map((m) => m.text) ?? [];

test('register sends the device key kept for this browser', async () => {
  const t = await signedIn();
  const reg = t.sockets[0].last('register_account')!;
  assert.match(reg.register_account.device_key, /^web-[0-9a-f]{32}$/);
  assert.equal(t.store.getItem('parley.device_key'), reg.register_account.device_key);
  assert.equal(JSON.parse(t.store.getItem('parley.auth')!).token, 'tok');
});

test('live messages are acked, deduplicated by seq, and a gap is filled from history', async () => {
  const t = await signedIn();
  const s = t.sockets[0];
  s.push({ message: { message: t.server.append({ text: 'one' }) } });
  await settle();
  t.clock.advance(300);
  await settle();
  s.push({ message: { message: t.server.log[0] } }); // the server's resend
  t.server.append({ text: 'two' });
  t.server.append({ text: 'three' });
  s.push({ message: { message: t.server.append({ text: 'four' }) } }); // 2 and 3 were missed
  await settle();
  t.clock.advance(50);
  await settle();
  assert.deepEqual(texts(t.client), ['one', 'two', 'three', 'four']);
  assert.deepEqual(t.server.histories.at(-1), { conversation_id: '1', after_seq: '1', limit: 200 });
  assert.ok(t.server.acked.includes('1') && t.server.acked.includes('4'));
  assert.equal(t.client.conversations.get(1)!.unread, 4);
});

test('edits, reactions and deletions apply to their target in seq order', async () => {
  const t = await signedIn();
  const s = t.sockets[0];
  s.push({ message: { message: t.server.append({ text: 'hello' }) } });
  await settle();
  s.push({ message: { message: t.server.append({ kind: 'REACTION', target_seq: '1', text: '🎉' }) } });
  s.push({ message: { message: t.server.append({ kind: 'EDIT', target_seq: '1', text: 'hello!' }) } });
  s.push({ message: { message: t.server.append({ text: 'oops' }) } });
  s.push({ message: { message: t.server.append({ kind: 'DELETION', target_seq: '4' }) } });
  await settle();
  const c = t.client.conversations.get(1)!;
  assert.equal(c.messages[0].text, 'hello!');
  assert.ok(c.messages[0].editedAt > 0);
  assert.deepEqual(c.messages[0].reactions, [{ emoji: '🎉', users: ['bob'] }]);
  assert.equal(c.messages[1].deleted, true);
  assert.equal(c.messages[1].text, '');
});

test('a message sent while offline goes out on reconnect with the same client_msg_id, once', async () => {
  const t = await signedIn();
  t.sockets[0].push({ message: { message: t.server.append({ text: 'hi' }) } });
  await settle();
  t.sockets[0].drop();
  assert.equal(t.client.connectionState.kind, 'offline');
  const item = t.client.send(1, 'while offline');
  assert.equal(t.client.outbox!.size, 1);
  t.clock.advance(1000);
  await settle();
  t.clock.advance(300);
  await settle();
  const sends = t.sockets.flatMap((s) => s.sent.filter((f) => f.send));
  assert.deepEqual(sends.map((f) => f.send.client_msg_id), [item.client_msg_id]);
  assert.equal(t.client.outbox!.size, 0);
  assert.deepEqual(texts(t.client), ['hi', 'while offline']);
});

test('a send whose ack was lost is resent with the same id and shown once', async () => {
  const t = await signedIn();
  t.sockets[0].push({ message: { message: t.server.append({ text: 'hi' }) } });
  await settle();
  t.server.answerSends = false;
  const item = t.client.send(1, 'lost ack');
  await settle();
  t.sockets[0].drop(); // stored on the server, but the ack never arrived
  t.server.answerSends = true;
  t.clock.advance(1000);
  await settle();
  t.clock.advance(300);
  await settle();
  const ids = t.sockets.flatMap((s) => s.sent.filter((f) => f.send).map((f) => f.send.client_msg_id));
  assert.deepEqual(ids, [item.client_msg_id, item.client_msg_id]);
  assert.equal(t.server.log.length, 2);
  assert.deepEqual(texts(t.client), ['hi', 'lost ack']);
});

test('the queue survives a reload (a new client on the same storage)', async () => {
  const store = new MemoryStore();
  const first = setup(store);
  first.client.signIn('register', 'alice', 'password1');
  first.client.start();
  await settle();
  first.client.connection.stop();
  first.client.send(1, 'queued');
  const second = setup(store);
  second.client.start();
  await settle();
  second.clock.advance(300);
  await settle();
  assert.ok(second.sockets[0].last('resume'));
  assert.equal(second.server.log.length, 1);
  assert.equal(second.server.log[0].text, 'queued');
});

test('text over max_message_bytes from hello_ok is refused before sending', async () => {
  const t = await signedIn();
  assert.equal(t.client.limits.maxMessageBytes, 20);
  assert.throws(() => t.client.send(1, 'é'.repeat(11)), /MESSAGE_TOO_LARGE|over 20 bytes/);
});

test('user-log updates apply in user_seq order; a gap triggers a sync', async () => {
  const t = await signedIn();
  const s = t.sockets[0];
  s.push({ message: { message: t.server.append({ text: 'x' }) } });
  await settle();
  s.push({ user_update: { update: { user_seq: '1', kind: 'MUTED', conversation_id: '1', flag: true } } });
  assert.equal(t.client.conversations.get(1)!.muted, true);
  s.push({ user_update: { update: { user_seq: '1', kind: 'MUTED', conversation_id: '1' } } }); // duplicate
  assert.equal(t.client.conversations.get(1)!.muted, true);
  const syncs = s.sent.filter((f) => f.sync).length;
  s.push({ user_update: { update: { user_seq: '3', kind: 'NICKNAME', conversation_id: '1', text: 'B' } } });
  await settle();
  assert.equal(s.sent.filter((f) => f.sync).length, syncs + 1);
  assert.equal(s.last('sync')!.sync.user_seq, '1');
});

test('read markers sit after the last message each member has read', async () => {
  const t = await signedIn();
  const s = t.sockets[0];
  t.client.send(1, 'a');
  await settle();
  t.client.send(1, 'b');
  await settle();
  t.clock.advance(300);
  await settle();
  s.push({ read: { conversation_id: '1', username: 'bob', read_seq: '1' } });
  const c = t.client.conversations.get(1)!;
  assert.deepEqual([...readMarkers(c, 'alice')], [[1, ['bob']]]);
  s.push({ read: { conversation_id: '1', username: 'bob', read_seq: '2' } });
  assert.deepEqual([...readMarkers(c, 'alice')], [[2, ['bob']]]);
  // Bob's own message moves his marker without a read event (the server's rule).
  s.push({ message: { message: t.server.append({ text: 'reply' }) } });
  await settle();
  assert.deepEqual([...readMarkers(c, 'alice')], [[3, ['bob']]]);
});

test('marking read sends the held seq and clears unread', async () => {
  const t = await signedIn();
  const s = t.sockets[0];
  s.push({ message: { message: t.server.append({ text: 'x' }) } });
  s.push({ message: { message: t.server.append({ text: 'y' }) } });
  await settle();
  assert.equal(t.client.conversations.get(1)!.unread, 2);
  t.client.markRead(1);
  await settle();
  assert.equal(s.last('mark_read')!.mark_read.seq, '2');
  assert.equal(t.client.conversations.get(1)!.unread, 0);
});

test('opening a conversation pages older history in before the window', async () => {
  const t = await signedIn();
  for (let i = 1; i <= 120; i++) t.server.append({ text: `m${i}` });
  t.sockets[0].push({ message: { message: t.server.append({ text: 'live' }) } }); // seq 121: a gap
  await settle();
  t.clock.advance(300);
  await settle();
  const c = t.client.conversations.get(1)!;
  assert.deepEqual(texts(t.client), ['live']); // nothing shown yet: no replay of the gap
  assert.equal(c.hasOlder, true);
  await t.client.loadOlder(1);
  assert.deepEqual(t.server.histories.at(-1), { conversation_id: '1', before_seq: '121', limit: 50 });
  assert.equal(texts(t.client).length, 51);
  assert.equal(texts(t.client)[0], 'm71');
  await t.client.loadOlder(1);
  await t.client.loadOlder(1);
  assert.equal(texts(t.client)[0], 'm1');
  assert.equal(c.hasOlder, false);
  assert.equal(new Set(c.messages.map((m) => m.seq)).size, 121);
});

test('a gap found while an older page is loading is still filled', async () => {
  const t = await signedIn();
  const s = t.sockets[0];
  for (let i = 1; i <= 60; i++) t.server.append({ text: `m${i}` });
  s.push({ message: { message: t.server.append({ text: 'm61' }) } });
  await settle();
  t.clock.advance(300);
  await settle();
  t.server.held = [];
  const older = t.client.loadOlder(1); // scrolled to the top; the page is slow to come
  await settle();
  t.server.append({ text: 'm62' }); // missed
  s.push({ message: { message: t.server.append({ text: 'm63' }) } });
  await settle();
  const c = t.client.conversations.get(1)!;
  assert.equal(c.log.held, 63, 'the gap was filled without waiting for the page');
  for (const release of t.server.held) release();
  await older;
  assert.deepEqual(texts(t.client).slice(-3), ['m61', 'm62', 'm63']);
});
