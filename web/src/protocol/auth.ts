// What a browser keeps to stay signed in: the token (per device) and the device key (per
// browser), in localStorage; and words for authentication errors.

import { newDeviceKey } from './ids';
import type { KeyValueStore } from './outbox';
import { num, type WireContact } from './types';
import type { Contact } from './sync';

export const AUTH_KEY = 'parley.auth';
export const DEVICE_KEY = 'parley.device_key';

export interface StoredAuth {
  token: string;
  username: string;
  userId: number;
  deviceId: number;
}

export function readStoredAuth(storage: KeyValueStore): StoredAuth | null {
  try {
    const raw = storage.getItem(AUTH_KEY);
    const v = raw ? (JSON.parse(raw) as StoredAuth) : null;
    return v && typeof v.token === 'string' && typeof v.username === 'string' ? v : null;
  } catch {
    return null;
  }
}

/** The device key: generated once per browser, then reused by every login from it. */
export function deviceKeyOf(storage: KeyValueStore): string {
  let key = storage.getItem(DEVICE_KEY);
  if (!key) {
    key = newDeviceKey();
    storage.setItem(DEVICE_KEY, key);
  }
  return key;
}

export function toContact(w: WireContact): Contact {
  return {
    username: w.username ?? '',
    state: w.state ?? 'CONTACT_STATE_NONE',
    online: w.online ?? false,
    lastSeen: num(w.last_seen_ms),
  };
}

/** Words for a failed login or registration. */
export function authMessage(code: string, message: string): string {
  switch (code) {
    case 'INVALID_CREDENTIALS': return 'Wrong username or password.';
    case 'USERNAME_TAKEN': return 'That username is taken.';
    case 'INVALID_USERNAME': return 'Usernames are 3–32 letters, digits, dots, dashes or underscores.';
    case 'WEAK_PASSWORD': return 'The password needs at least 8 characters.';
    case 'REGISTRATION_CLOSED': return 'This server does not allow registration.';
    case 'RATE_LIMITED': return 'Too many attempts; wait a minute and try again.';
    default: return message || code;
  }
}
