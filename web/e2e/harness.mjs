// End-to-end harness: a real parleyd on a free loopback port with its own temp data dir, serving
// this build's dist/, and Debian's Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const webDir = path.resolve(here, '..');
const repo = path.resolve(webDir, '..');

/** PARLEYD from the environment (ctest passes it), else a build of this tree. */
export function parleydPath() {
  if (process.env.PARLEYD) return process.env.PARLEYD;
  for (const preset of ['dev', 'asan', 'release']) {
    const candidate = path.join(repo, 'build', preset, 'src', 'app', 'parleyd');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('parleyd not found: build it (cmake --build --preset dev) or set PARLEYD');
}

export const screenshotDir = process.env.WEB_SCREENSHOTS ?? path.join(repo, 'build', 'web-screenshots');

const CONFIG = `
[security]
argon2_ops = 1
argon2_mem_kib = 8192
`;

/** A parleyd process; restart() keeps its data dir and HTTP port (the page's origin). */
export class Server {
  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), 'parley-web-e2e-'));
    writeFileSync(path.join(this.dir, 'config.toml'), CONFIG);
    this.port = 0;
    this.proc = null;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    const args = [
      '--config', path.join(this.dir, 'config.toml'), '--data-dir', path.join(this.dir, 'data'),
      '--ready-fd', '3', '--log-level', 'warn', '--durability', 'os',
      '--listen-tcp', '', '--listen-tls', '', '--listen-https', '',
      '--listen-xmpp', '', '--listen-xmpps', '',
      '--listen-http', `127.0.0.1:${this.port}`, '--web-root', path.join(webDir, 'dist'),
    ];
    const proc = spawn(parleydPath(), args, { stdio: ['ignore', 'inherit', 'inherit', 'pipe'] });
    this.proc = proc;
    const line = await new Promise((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error('parleyd did not report ready')), 30_000);
      proc.stdio[3].on('data', (chunk) => {
        text += chunk;
        if (text.includes('\n')) {
          clearTimeout(timer);
          resolve(text);
        }
      });
      proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`parleyd exited with ${code} before it was ready`));
      });
    });
    this.port = JSON.parse(line).http;
    return this;
  }

  async stop() {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    this.proc = null;
    const exited = new Promise((resolve) => proc.on('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  async dispose() {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Debian's Chromium, headless; --no-sandbox only when running as root (CI, containers). */
export async function launchBrowser() {
  const args = [
    '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync',
  ];
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args });
}

/** Polls `check` (which throws or returns false while not yet true) until it holds. */
export async function eventually(check, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const ok = await check();
      if (ok !== false) return ok;
      last = new Error('condition false');
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${last?.message ?? last}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`) });
}

/** Console errors naming the Content-Security-Policy, from every page watched; must stay empty. */
export const cspViolations = [];

/** Records page errors and CSP violations of `page` (and of pages opened later in its context). */
export function watch(page, name) {
  page.on('pageerror', (e) => console.error(`[${name}] page error:`, e));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy/i.test(m.text())) cspViolations.push(`[${name}] ${m.text()}`);
  });
}

/** A browser context (its own localStorage: one device) with one page, signed up as `name`. */
export async function newUser(browser, server, name, viewport = { width: 1100, height: 720 }) {
  const context = await browser.newContext({ viewport });
  context.on('page', (p) => watch(p, name));
  const page = await context.newPage();
  await page.goto(server.url + '/');
  await page.getByRole('tab', { name: 'Create account' }).click();
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(`${name}-password`);
  await page.getByRole('button', { name: 'Create account' }).click();
  await online(page);
  return { context, page, name };
}

export async function online(page, timeoutMs = 15_000) {
  await page.locator('[data-testid=connection][data-state=online]').waitFor({ timeout: timeoutMs });
}

/** Opens (or starts) the direct chat with `peer`. */
export async function openDirect(page, peer) {
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.getByRole('form', { name: 'Start a chat' }).getByLabel('Username').fill(peer);
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByTestId('conversation-title').filter({ hasText: peer }).waitFor();
}

/** Clicks the conversation named `name` in the list. */
export async function openConversation(page, name) {
  await page.locator(`[data-testid=conversation][data-name="${name}"]`).click();
  await page.getByTestId('conversation-title').filter({ hasText: name }).waitFor();
}

export async function send(page, text) {
  const box = page.getByLabel('Message', { exact: true });
  await box.fill(text);
  await box.press('Enter');
}

export function messages(page) {
  return page.locator('[data-testid=messages] [data-testid=message]');
}

/** The texts of the shown messages, in order. */
export async function messageTexts(page) {
  return messages(page).locator('.text').allInnerTexts();
}

export function unreadOf(page, name) {
  return page.locator(`[data-testid=conversation][data-name="${name}"] [data-testid=unread]`);
}
