// Entry point: one ChatClient per page, talking to /ws on the page's own origin.

import { render } from 'preact';
import { realClock } from './protocol/clock';
import type { SocketLike } from './protocol/connection';
import { ChatClient } from './protocol/client';
import { App } from './ui/App';
import { ClientContext } from './ui/hooks';

const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
const client = new ChatClient({
  url: `${scheme}//${location.host}/ws`,
  storage: window.localStorage,
  clock: realClock,
  openSocket: (url) => new WebSocket(url) as unknown as SocketLike,
  deviceName: deviceName(),
});

function deviceName(): string {
  const ua = navigator.userAgent;
  const browser = /Firefox\//.test(ua) ? 'Firefox' : /Edg\//.test(ua) ? 'Edge' : /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : 'browser';
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Mac OS/.test(ua) ? 'macOS' : /Windows/.test(ua) ? 'Windows' : /Linux/.test(ua) ? 'Linux' : '';
  return `${browser}${os ? ` on ${os}` : ''}`.slice(0, 64);
}

// Another tab signed in/out or queued a message: follow it.
window.addEventListener('storage', (e) => client.onStorageChanged(e.key));
// Back online or back in view: no need to wait for the backoff.
window.addEventListener('online', () => client.connection.retryNow());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') client.connection.retryNow();
});

// For tests and debugging from the console.
(window as unknown as { parley: ChatClient }).parley = client;

client.start();
const root = document.getElementById('app');
if (root) {
  render(
    <ClientContext.Provider value={client}>
      <App />
    </ClientContext.Provider>,
    root,
  );
}
