// Multi-device sync and reconnection in Chromium against a real parleyd: two tabs of one user
// stay identical, and a message typed while the server is down goes out once it is back.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import {
  cspViolations, eventually, launchBrowser, messageTexts, messages, newUser, online, openConversation, openDirect,
  screenshot, send, Server, unreadOf, watch,
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

async function user(name) {
  const u = await newUser(browser, server, name);
  contexts.push(u.context);
  return u;
}

test('two tabs of one user stay in sync', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  const tab2 = await alice.context.newPage(); // same browser storage: the same signed-in device
  await tab2.goto(server.url + '/');
  await online(tab2);
  await openDirect(bob.page, 'alice');
  await send(bob.page, 'to both tabs');
  for (const p of [alice.page, tab2]) {
    await eventually(async () => (await unreadOf(p, 'bob').innerText()) === '1', 'unread in each tab');
  }
  // Reading in one tab clears the count in the other.
  await openConversation(alice.page, 'bob');
  await eventually(async () => (await unreadOf(tab2, 'bob').count()) === 0, 'read synced to tab 2');
  // Sent from one tab: shows in the other, once.
  await send(alice.page, 'sent from tab 1');
  await openConversation(tab2, 'bob');
  await eventually(async () => {
    assert.deepEqual(await messageTexts(tab2), ['to both tabs', 'sent from tab 1']);
  }, 'tab 2 has tab 1 message');
  // A reaction from tab 2 shows in tab 1; mute and nickname follow too.
  const m = messages(tab2).filter({ hasText: 'to both tabs' });
  await m.hover();
  await m.getByRole('button', { name: 'React ❤️' }).click();
  await messages(alice.page).filter({ hasText: 'to both tabs' }).getByTestId('reaction').filter({ hasText: '❤️ 1' }).waitFor();
  await alice.page.getByRole('button', { name: 'Conversation details' }).click();
  await alice.page.getByLabel('Mute notifications').check();
  await alice.page.getByLabel('Nickname (only you see it)').fill('Bobby');
  await alice.page.getByRole('button', { name: 'Save nickname' }).click();
  await tab2.locator('[data-testid=conversation][data-name=Bobby] [aria-label=muted]').waitFor();
  // Delete for me in tab 1 hides it in tab 2 as well.
  const own = messages(alice.page).filter({ hasText: 'sent from tab 1' });
  await own.hover();
  await own.getByRole('button', { name: 'Delete for me' }).click();
  await eventually(async () => (await messages(tab2).filter({ hasText: 'sent from tab 1' }).count()) === 0, 'hidden in tab 2');
  await tab2.close();
});

test('a message typed while the server is down is sent once it is back, exactly once', async () => {
  const alice = await user('alice');
  const bob = await user('bob');
  await openDirect(alice.page, 'bob');
  await send(alice.page, 'before the outage');
  await openConversation(bob.page, 'alice');
  await messages(bob.page).filter({ hasText: 'before the outage' }).waitFor();

  await server.stop();
  await alice.page.locator('[data-testid=connection][data-state=offline]').waitFor();
  await send(alice.page, 'typed while offline');
  await alice.page.getByTestId('pending').filter({ hasText: 'typed while offline' }).waitFor();
  await screenshot(alice.page, 'offline-pending');
  // The queue is in localStorage, so it would survive a reload too (the page itself is served by
  // the stopped server, so this test does not reload during the outage).
  assert.match(await alice.page.evaluate(() => localStorage.getItem('parley.outbox.alice') ?? ''), /typed while offline/);
  await server.start(); // same port, same data
  await online(alice.page, 30_000);
  await online(bob.page, 30_000);
  await openConversation(alice.page, 'bob');
  await eventually(async () => (await alice.page.getByTestId('pending').count()) === 0, 'acked after restart', 30_000);
  await eventually(async () => {
    assert.deepEqual(await messageTexts(bob.page), ['before the outage', 'typed while offline']);
  }, 'bob has it once', 30_000);
  assert.deepEqual(await messageTexts(alice.page), ['before the outage', 'typed while offline']);
  // And still once after bob reloads (history, not just the live event).
  await bob.page.reload();
  await online(bob.page);
  await openConversation(bob.page, 'alice');
  await eventually(async () => {
    assert.deepEqual(await messageTexts(bob.page), ['before the outage', 'typed while offline']);
  }, 'bob history after reload');
});

test('the sign-in screen', async () => {
  const context = await browser.newContext({ viewport: { width: 900, height: 640 } });
  context.on('page', (p) => watch(p, 'sign-in'));
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(server.url + '/');
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Username').fill('nobody');
  await page.getByLabel('Password').fill('wrong-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Wrong username or password' }).waitFor();
  await screenshot(page, 'sign-in');
});
