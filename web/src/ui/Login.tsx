// Sign in or create an account; the token is kept in this browser (localStorage).

import { useState } from 'preact/hooks';
import { useClient } from './hooks';

export function Login() {
  const client = useClient();
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const busy = client.auth === 'signing-in';
  const submit = (e: Event) => {
    e.preventDefault();
    client.signIn(mode, username.trim(), password);
  };
  return (
    <main class="login">
      <h1>Parley</h1>
      <form onSubmit={submit} aria-label={mode === 'login' ? 'Sign in' : 'Create account'}>
        <div class="tabs" role="tablist">
          <button type="button" role="tab" aria-selected={mode === 'login'} onClick={() => setMode('login')}>Sign in</button>
          <button type="button" role="tab" aria-selected={mode === 'register'} onClick={() => setMode('register')}>Create account</button>
        </div>
        <label>
          Username
          <input name="username" autocomplete="username" required minLength={3} maxLength={32}
            pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" value={username}
            onInput={(e) => setUsername((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Password
          <input name="password" type="password" required minLength={8} maxLength={1024}
            autocomplete={mode === 'login' ? 'current-password' : 'new-password'} value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Please wait…' : mode === 'login' ? 'Sign in' : 'Create account'}
        </button>
        {client.authError && <p class="error" role="alert">{client.authError}</p>}
        <ConnectionNote />
      </form>
    </main>
  );
}

function ConnectionNote() {
  const client = useClient();
  const s = client.connectionState;
  if (s.kind === 'offline') return <p class="note">Server unreachable; retrying…</p>;
  return null;
}
