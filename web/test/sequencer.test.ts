import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sequencer } from '../src/protocol/sequencer';

test('applies in order and drops duplicates', () => {
  const s = new Sequencer<string>(0);
  assert.deepEqual(s.offer(1, 'a').ready, ['a']);
  const dup = s.offer(1, 'a-again');
  assert.equal(dup.duplicate, true);
  assert.deepEqual(dup.ready, []);
  assert.deepEqual(s.offer(2, 'b').ready, ['b']);
  assert.equal(s.held, 2);
});

test('holds entries back across a gap and releases them when it is filled', () => {
  const s = new Sequencer<string>(3);
  const ahead = s.offer(6, 'f');
  assert.equal(ahead.gap, true);
  assert.deepEqual(ahead.ready, []);
  assert.equal(s.offer(5, 'e').gap, true);
  assert.equal(s.offer(6, 'f-dup').duplicate, true); // a resend of a waiting entry
  const filled = s.offer(4, 'd');
  assert.deepEqual(filled.ready, ['d', 'e', 'f']);
  assert.equal(filled.gap, false);
  assert.equal(s.held, 6);
  assert.equal(s.highestSeen, 6);
});

test('skipTo jumps and releases what follows', () => {
  const s = new Sequencer<string>(1);
  s.offer(10, 'j');
  s.offer(11, 'k');
  s.offer(5, 'e');
  assert.equal(s.highestSeen, 11);
  assert.deepEqual(s.skipTo(9), ['j', 'k']);
  assert.equal(s.held, 11);
  assert.equal(s.hasGap, false);
  assert.deepEqual(s.skipTo(3), []); // never backwards
});

test('what waits ahead of a gap is bounded', () => {
  const s = new Sequencer<number>(0, 3);
  for (let i = 2; i <= 10; i++) s.offer(i, i);
  assert.deepEqual(s.offer(1, 1).ready, [1, 2, 3, 4]);
  assert.equal(s.held, 4); // 5.. were dropped and must be refetched
});
