import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initials, safeHref, splitLinks, utf8Bytes } from '../src/protocol/text';

test('utf8 byte length is what the server bounds', () => {
  assert.equal(utf8Bytes('abc'), 3);
  assert.equal(utf8Bytes('é'), 2);
  assert.equal(utf8Bytes('👍'), 4);
});

test('links: http and https only, punctuation left outside', () => {
  assert.deepEqual(splitLinks('see https://example.org/a?b=1. ok'), [
    { kind: 'text', text: 'see ' },
    { kind: 'link', text: 'https://example.org/a?b=1', href: 'https://example.org/a?b=1' },
    { kind: 'text', text: '. ok' },
  ]);
  assert.deepEqual(splitLinks('javascript:alert(1) data:text/html,x'), [
    { kind: 'text', text: 'javascript:alert(1) data:text/html,x' },
  ]);
  assert.equal(safeHref('javascript:alert(1)'), null);
  assert.equal(safeHref('HTTP://EXAMPLE.org'), 'http://example.org/');
  assert.deepEqual(splitLinks('<script>x</script>'), [{ kind: 'text', text: '<script>x</script>' }]);
});

test('initials for read markers', () => {
  assert.equal(initials('alice'), 'A');
  assert.equal(initials('bob.smith'), 'BS');
  assert.equal(initials('émile'), 'É');
});
