import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Connection, type ConnectionState } from '../src/protocol/connection';
import { ProtocolError } from '../src/protocol/types';
import { FakeClock, FakeSocket, settle } from './fakes';

function setup() {
  const clock = new FakeClock();
  const sockets: FakeSocket[] = [];
  const states: ConnectionState[] = [];
  const events: unknown[] = [];
  let opens = 0;
  const conn = new Connection(
    { url: 'ws://x/ws', clock, openSocket: () => { const s = new FakeSocket(); sockets.push(s); return s; }, random: () => 0.999999999999 },
    { onOpen: () => { opens++; }, onEvent: (f) => events.push(f), onState: (s) => states.push(s) },
  );
  const answerHello = (s: FakeSocket, interval = 4000) => {
    s.open();
    const hello = s.last('hello')!;
    assert.equal(hello.hello.min_version, 1);
    s.push({ id: hello.id, hello_ok: { version: 1, heartbeat_interval_ms: interval, limits: { max_message_bytes: 100 } } });
  };
  return { clock, sockets, states, events, conn, answerHello, opens: () => opens };
}

test('hello first, as text; answers matched by id in any order; events passed on', async () => {
  const { conn, sockets, answerHello, events, opens } = setup();
  conn.start();
  answerHello(sockets[0]);
  assert.equal(opens(), 1);
  assert.equal(conn.state.kind, 'open');
  const a = conn.request({ ping: {} });
  const b = conn.request({ list_contacts: {} });
  const [fa, fb] = sockets[0].sent.slice(-2);
  sockets[0].push({ id: fb.id, contacts: {} });
  sockets[0].push({ id: fa.id, error: { code: 'INTERNAL', message: 'boom' } });
  assert.deepEqual(await b, { id: fb.id, contacts: {} });
  await assert.rejects(a, (e: ProtocolError) => e.code === 'INTERNAL');
  sockets[0].push({ message: { message: { seq: '1' } } });
  assert.equal(events.length, 1);
});

test('pings at the negotiated interval when nothing else is sent', () => {
  const { conn, sockets, answerHello, clock } = setup();
  conn.start();
  answerHello(sockets[0], 4000);
  const before = sockets[0].sent.length;
  clock.advance(4000);
  const pings = sockets[0].sent.slice(before).filter((f) => 'ping' in f);
  assert.ok(pings.length >= 1 && pings.length <= 2, `pings: ${pings.length}`);
  // Some frame goes out within every interval.
  clock.advance(4000);
  assert.ok(sockets[0].sent.slice(before).filter((f) => 'ping' in f).length >= 2);
});

test('an unanswered request drops the connection and reconnects with backoff', async () => {
  const { conn, sockets, answerHello, clock, states } = setup();
  conn.start();
  answerHello(sockets[0]);
  const r = conn.request({ sync: {} }, 1000);
  clock.advance(1000);
  await assert.rejects(r, (e: ProtocolError) => e.code === 'TIMEOUT');
  assert.equal(sockets[0].closed, true);
  assert.equal(conn.state.kind, 'offline');
  clock.advance(600);
  assert.equal(sockets.length, 2);
  // Each failed attempt waits longer, up to the cap.
  sockets[1].drop();
  const offline = states.filter((s) => s.kind === 'offline') as Array<{ retryAt: number }>;
  const waits = [conn.backoffDelay(1), conn.backoffDelay(2), conn.backoffDelay(3), conn.backoffDelay(10)];
  assert.deepEqual(waits, [500, 1000, 2000, 10000]);
  assert.ok(offline.length >= 2);
});

test('pending requests fail with DISCONNECTED when the socket closes', async () => {
  const { conn, sockets, answerHello } = setup();
  conn.start();
  answerHello(sockets[0]);
  const r = conn.request({ history: {} });
  sockets[0].drop();
  await assert.rejects(r, (e: ProtocolError) => e.code === 'DISCONNECTED');
  await settle();
});

test('goodbye TOKEN_INVALID stops reconnecting; SHUTTING_DOWN reconnects', () => {
  const { conn, sockets, answerHello, clock } = setup();
  conn.start();
  answerHello(sockets[0]);
  sockets[0].push({ goodbye: { reason: 'SHUTTING_DOWN' } });
  assert.equal(conn.state.kind, 'offline');
  clock.advance(1000);
  answerHello(sockets[1]);
  sockets[1].push({ goodbye: { reason: 'TOKEN_INVALID' } });
  assert.equal(conn.state.kind, 'stopped');
  clock.advance(60_000);
  assert.equal(sockets.length, 2);
});
