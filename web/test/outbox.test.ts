import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_OUTBOX, Outbox } from '../src/protocol/outbox';
import { MemoryStore } from './fakes';

test('queued messages survive a reload and keep their client_msg_id', () => {
  const store = new MemoryStore();
  const a = new Outbox(store, 'k');
  const item = a.add({ conversation_id: 7 }, 'hello', 1)!;
  const b = new Outbox(store, 'k'); // the page reloaded
  assert.deepEqual(b.sendable().map((i) => [i.client_msg_id, i.text]), [[item.client_msg_id, 'hello']]);
  assert.equal(b.remove(item.client_msg_id), true);
  assert.equal(new Outbox(store, 'k').size, 0);
  assert.equal(store.getItem('k'), null);
});

test('failed items are kept to show but not resent; the queue is bounded', () => {
  const store = new MemoryStore();
  const o = new Outbox(store, 'k');
  const x = o.add({ to_user: 'bob' }, 'x', 1)!;
  o.markFailed(x.client_msg_id, 'FORBIDDEN');
  assert.equal(o.sendable().length, 0);
  assert.equal(o.list().length, 1);
  for (let i = 1; i < MAX_OUTBOX; i++) assert.ok(o.add({ conversation_id: 1 }, `m${i}`, i));
  assert.equal(o.add({ conversation_id: 1 }, 'one too many', 0), null);
});

test('garbage in storage is ignored', () => {
  const store = new MemoryStore();
  store.setItem('k', '{not json');
  assert.equal(new Outbox(store, 'k').size, 0);
  store.setItem('k', JSON.stringify([{ nope: 1 }, { client_msg_id: 'a', text: 't', conversation_id: 1 }]));
  assert.equal(new Outbox(store, 'k').size, 1);
});
