// The web client in Chromium against a real parleyd: chatting both ways, offline delivery,
// read markers and unread counts, reactions / edits / deletions, groups, contacts, and safety.
import assert from 'node:assert/strict';
import { after, before, beforeEach, afterEach, test } from 'node:test';
import {
  cspViolations, eventually, launchBrowser, messageTexts, messages, newUser, online, openConversation, openDirect,
  screenshot, send, Server, unreadOf,
} from './harness.mjs';

let browser;
let server;
const contexts = [];

before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});
beforeEach(async () => {
  server = await new Server().start();
});
afterEach(async () => {
  for (const c of contexts.splice(0)) await c.close().catch(() => {});
  await server.dispose();
  assert.deepEqual(cspViolations.splice(0), [], 'the page broke its Content-Security-Policy');
});

async function user(name, viewport) {
  const u = await newUser(browser, server, name, viewport);
  contexts.push(u.context);
  return u;
}

test('two browsers register and chat both ways; markup in a message stays text', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  await openDirect(alice.page, 'bob');
  await send(alice.page, 'hello bob');
  // Bob's list shows the new conversation with a preview and one unread.
  await bob.page.locator('[data-testid=conversation][data-name=alice] [data-testid=preview]', { hasText: 'hello bob' }).waitFor();
  assert.equal(await unreadOf(bob.page, 'alice').innerText(), '1');
  await openConversation(bob.page, 'alice');
  await bob.page.getByLabel('Message', { exact: true }).fill('hi alice');
  await alice.page.getByTestId('typing').filter({ hasText: 'bob is typing' }).waitFor();
  await send(bob.page, 'hi alice, see https://example.org/docs.');
  await messages(alice.page).filter({ hasText: 'hi alice' }).waitFor();
  assert.deepEqual(await messageTexts(alice.page), ['hello bob', 'hi alice, see https://example.org/docs.']);
  // Links: http(s) only, opening with no opener and no referrer.
  const link = alice.page.locator('[data-testid=message] a');
  assert.equal(await link.getAttribute('href'), 'https://example.org/docs');
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');

  const evil = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2"><b>bold</b> javascript:alert(1)';
  await send(alice.page, evil);
  const shown = messages(bob.page).filter({ hasText: '<script>' });
  await shown.waitFor();
  assert.equal(await shown.locator('.text').innerText(), evil);
  assert.equal(await shown.locator('script, img, b').count(), 0);
  assert.equal(await shown.locator('a').count(), 0); // javascript: never becomes a link
  assert.equal(await bob.page.evaluate(() => window.pwned), undefined);
  await screenshot(bob.page, 'direct-chat');
});

test('a message sent while the peer is away arrives after reload, with an unread count', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  await openDirect(alice.page, 'bob');
  await send(alice.page, 'first');
  await bob.page.locator('[data-testid=conversation][data-name=alice]').waitFor();
  const bobUrl = bob.page.url();
  await bob.page.close();
  await send(alice.page, 'while you were away');
  await send(alice.page, 'and another');
  // Acked by the server: no longer pending on alice's side.
  await eventually(async () => (await alice.page.getByTestId('pending').count()) === 0, 'acks');
  const page = await bob.context.newPage();
  await page.goto(bobUrl);
  await online(page);
  await eventually(async () => (await unreadOf(page, 'alice').innerText()) === '3', 'unread 3');
  await openConversation(page, 'alice');
  await eventually(async () => {
    assert.deepEqual(await messageTexts(page), ['first', 'while you were away', 'and another']);
  }, 'history after reload');
});

test('read markers and unread counts move as the other side reads', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  await openDirect(alice.page, 'bob');
  await send(alice.page, 'one');
  await send(alice.page, 'two');
  await eventually(async () => (await unreadOf(bob.page, 'alice').innerText()) === '2', 'bob sees 2 unread');
  assert.equal(await alice.page.getByTestId('readers').count(), 0);
  await openConversation(bob.page, 'alice');
  await eventually(async () => (await unreadOf(bob.page, 'alice').count()) === 0, 'bob read all');
  // Alice sees bob's initial after the last message he read.
  const marker = alice.page.locator('[data-testid=message]', { hasText: 'two' }).locator('[data-reader=bob]');
  await marker.waitFor();
  assert.equal(await marker.innerText(), 'B');
  await send(bob.page, 'got them');
  // Alice reads bob's reply: bob sees "A" move to it.
  await bob.page.locator('[data-testid=message]', { hasText: 'got them' }).locator('[data-reader=alice]').waitFor();
  assert.equal(await bob.page.locator('[data-testid=message]', { hasText: 'two' }).locator('[data-reader=alice]').count(), 0);
});

test('reaction, edit and delete for everyone show on the other side', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  await openDirect(alice.page, 'bob');
  await send(alice.page, 'typo heer');
  await send(alice.page, 'regret this');
  await openConversation(bob.page, 'alice');
  const typo = messages(bob.page).filter({ hasText: 'typo' });
  await typo.waitFor();
  await typo.hover();
  await typo.getByRole('button', { name: 'React 🎉' }).click();
  await alice.page.locator('[data-testid=message]', { hasText: 'typo' }).getByTestId('reaction').filter({ hasText: '🎉 1' }).waitFor();

  const own = messages(alice.page).filter({ hasText: 'typo heer' });
  await own.hover();
  await own.getByRole('button', { name: 'Edit message' }).click();
  const editor = alice.page.getByRole('textbox', { name: 'Edit message' });
  await editor.fill('typo here');
  await editor.press('Enter');
  await messages(bob.page).filter({ hasText: 'typo here' }).locator('.edited').waitFor();

  const regret = messages(alice.page).filter({ hasText: 'regret this' });
  await regret.hover();
  await regret.getByRole('button', { name: 'Delete for everyone' }).click();
  await messages(bob.page).filter({ hasText: 'This message was deleted' }).waitFor();
  assert.equal(await messages(bob.page).filter({ hasText: 'regret this' }).count(), 0);
  // The reaction survived the edit.
  assert.equal(await messages(bob.page).filter({ hasText: 'typo here' }).getByTestId('reaction').innerText(), '🎉 1');
  // Delete for me: gone here, still there for the peer.
  const mine = messages(bob.page).filter({ hasText: 'typo here' });
  await mine.hover();
  await mine.getByRole('button', { name: 'Delete for me' }).click();
  await eventually(async () => (await messages(bob.page).filter({ hasText: 'typo here' }).count()) === 0, 'hidden for bob');
  assert.equal(await messages(alice.page).filter({ hasText: 'typo here' }).count(), 1);
  await send(bob.page, 'all good, see https://example.org');
  await messages(alice.page).filter({ hasText: 'all good' }).waitFor();
  await screenshot(alice.page, 'conversation');
});

test('a group with three users: create, talk, rename, roles, remove, leave', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  const carol = await user('carol');
  await alice.page.getByRole('button', { name: 'New group' }).click();
  await alice.page.getByLabel('Group name').fill('Team');
  await alice.page.getByLabel('Members (comma separated)').fill('bob, carol');
  await alice.page.getByRole('button', { name: 'Create' }).click();
  await alice.page.getByTestId('conversation-title').filter({ hasText: 'Team' }).waitFor();
  await send(alice.page, 'welcome both');
  for (const u of [bob, carol]) await openConversation(u.page, 'Team');
  await send(bob.page, 'thanks from bob');
  await send(carol.page, 'thanks from carol');
  for (const u of [alice, bob, carol]) {
    await eventually(async () => {
      const texts = await messageTexts(u.page);
      assert.deepEqual(texts.filter((t) => t.startsWith('welcome') || t.startsWith('thanks')),
        ['welcome both', 'thanks from bob', 'thanks from carol']);
    }, `${u.name} sees all three`);
  }
  await alice.page.getByRole('button', { name: 'Conversation details' }).click();
  await alice.page.locator('[data-testid=member][data-name=bob]').getByRole('button', { name: 'Make admin' }).click();
  await alice.page.locator('[data-testid=member][data-name=bob][data-role=ADMIN]').waitFor();
  await alice.page.getByLabel('Group name').fill('Team Parley');
  await alice.page.getByRole('button', { name: 'Rename' }).click();
  for (const u of [bob, carol]) await u.page.getByTestId('conversation-title').filter({ hasText: 'Team Parley' }).waitFor();
  await screenshot(alice.page, 'group-details');
  await alice.page.getByRole('button', { name: 'Remove carol' }).click();
  await carol.page.locator('[data-testid=conversation][data-name="Team Parley"]').waitFor({ state: 'detached' });
  await bob.page.getByRole('button', { name: 'Conversation details' }).click();
  await bob.page.getByRole('button', { name: 'Leave group' }).click();
  await bob.page.locator('[data-testid=conversation][data-name="Team Parley"]').waitFor({ state: 'detached' });
  await messages(alice.page).filter({ hasText: 'bob left' }).waitFor();
});

test('contacts: request, accept, presence dots, block', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  await alice.page.getByRole('tab', { name: /Contacts/ }).click();
  await alice.page.getByLabel('Add contact').fill('bob');
  await alice.page.getByRole('button', { name: 'Send request' }).click();
  await alice.page.locator('[data-testid=contact][data-name=bob][data-state=REQUEST_SENT]').waitFor();
  await bob.page.getByRole('tab', { name: /Contacts/ }).click();
  const request = bob.page.locator('[data-testid=contact][data-name=alice][data-state=REQUEST_RECEIVED]');
  await request.getByRole('button', { name: 'Accept' }).click();
  await alice.page.locator('[data-testid=contact][data-name=bob][data-state=ACCEPTED] [data-online=true]').waitFor();
  await bob.page.locator('[data-testid=contact][data-name=alice][data-state=ACCEPTED] [data-online=true]').waitFor();
  await screenshot(bob.page, 'contacts');
  // Bob goes away: alice's dot turns grey.
  await bob.page.close();
  await alice.page.locator('[data-testid=contact][data-name=bob] [data-online=false]').waitFor();
  const page = await bob.context.newPage();
  await page.goto(server.url + '/');
  await online(page);
  await alice.page.locator('[data-testid=contact][data-name=bob] [data-online=true]').waitFor();
  await page.getByRole('tab', { name: /Contacts/ }).click();
  await page.locator('[data-testid=contact][data-name=alice]').getByRole('button', { name: 'Block' }).click();
  await page.locator('[data-testid=contact][data-name=alice][data-state=BLOCKED]').getByRole('button', { name: 'Unblock' }).waitFor();
});

test('phone-sized screen: list, then the conversation with a back button', async () => {
  const alice = await user('alice', { width: 390, height: 760 });
  const bob = await user('bob');
  await openDirect(bob.page, 'alice');
  await send(bob.page, 'on your phone?');
  await alice.page.locator('[data-testid=conversation][data-name=bob]').waitFor();
  await screenshot(alice.page, 'phone-list');
  await openConversation(alice.page, 'bob');
  assert.equal(await alice.page.locator('nav.sidebar').isVisible(), false);
  await send(alice.page, 'yes');
  await messages(bob.page).filter({ hasText: 'yes' }).waitFor();
  await screenshot(alice.page, 'phone-conversation');
  await alice.page.getByRole('button', { name: 'Back to conversations' }).click();
  await alice.page.locator('nav.sidebar').waitFor();
});
