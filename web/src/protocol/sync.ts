// Keeping the client's state in sync with the server: authentication, sync of both logs and gap
// fill after every (re)connect, live events (acked, deduplicated by (conversation, seq), gaps
// filled). Plain TypeScript with no DOM; client.ts adds the commands, the UI renders the state.

import type { Clock } from './clock';
import { Connection, type ConnectionState, type SocketLike } from './connection';
import { AUTH_KEY, authMessage, deviceKeyOf, readStoredAuth, toContact, type StoredAuth } from './auth';
import {
  applyEntry, hideMessage, mergeSummary, newConversation, recountUnread, windowIsEmpty, type Conversation,
} from './model';
import { Outbox, type KeyValueStore } from './outbox';
import { Sequencer } from './sequencer';
import {
  isTransient, num, ProtocolError, type ContactState, type HelloOk, type RequestBody, type ServerFrame,
  type WireConversation, type WireMessage, type WireUserUpdate,
} from './types';

export interface Me {
  userId: number;
  username: string;
  deviceId: number;
}

export interface Contact {
  username: string;
  state: ContactState;
  online: boolean;
  lastSeen: number;
}

export type AuthState = 'signed-out' | 'signing-in' | 'signed-in';

export interface ClientOptions {
  url: string;
  storage: KeyValueStore;
  clock: Clock;
  openSocket: (url: string) => SocketLike;
  deviceName?: string;
  heartbeatMs?: number;
  backoffMaxMs?: number;
}

const FILL_PAGE = 200;
/** A gap larger than this is not replayed: the window jumps to the newest entries instead. */
const MAX_FILL_ENTRIES = 2000;
const TYPING_SHOWN_MS = 6000;


/** The synchronised state; ChatClient (client.ts) adds the commands. */
export class SyncEngine {
  readonly connection: Connection;
  auth: AuthState = 'signed-out';
  authError = '';
  me: Me | null = null;
  conversations = new Map<number, Conversation>();
  contacts = new Map<string, Contact>();
  outbox: Outbox | null = null;
  limits = { maxMessageBytes: 65536, maxFrameBytes: 262144 };
  /** True once the first sync after this connection's auth has been applied. */
  synced = false;
  lastError = '';

  protected userLog = new Sequencer<WireUserUpdate>(0);
  protected fresh = true; // nothing held yet: the first sync takes state, not the user log
  protected listeners = new Set<() => void>();
  protected pendingAuth: { kind: 'login' | 'register_account'; username: string; password: string } | null = null;
  protected acks: Array<{ conversation_id: string; seq: string }> = [];
  protected ackTimer: unknown = null;
  protected refreshTimer: unknown = null;
  protected contactsTimer: unknown = null;
  protected filling = new Set<number>();
  protected typingTimer: unknown = null;
  protected notifyQueued = false;

  constructor(protected readonly options: ClientOptions) {
    this.connection = new Connection(
      {
        url: options.url,
        clock: options.clock,
        openSocket: options.openSocket,
        heartbeatMs: options.heartbeatMs,
        backoffMaxMs: options.backoffMaxMs,
      },
      {
        onOpen: (hello) => void this.onOpen(hello),
        onEvent: (frame) => this.onEvent(frame),
        onState: (state) => this.onConnectionState(state),
        onGoodbye: (reason) => {
          if (reason === 'TOKEN_INVALID') this.signedOut('This device was signed out.');
        },
      },
    );
    const stored = this.storedAuth();
    if (stored) {
      this.auth = 'signing-in';
      this.me = { userId: stored.userId, username: stored.username, deviceId: stored.deviceId };
      this.outbox = new Outbox(options.storage, `parley.outbox.${stored.username.toLowerCase()}`);
    }
  }

  // ------------------------------------------------------------ subscription

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Coalesces change notifications into one per task. */
  protected changed(): void {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    queueMicrotask(() => {
      this.notifyQueued = false;
      for (const l of this.listeners) l();
    });
  }

  get connectionState(): ConnectionState {
    return this.connection.state;
  }

  start(): void {
    this.connection.start();
  }

  // ------------------------------------------------------------ auth

  /** Logs in (or registers) on the next open connection; the answer shows in auth/authError. */
  signIn(kind: 'login' | 'register', username: string, password: string): void {
    this.pendingAuth = { kind: kind === 'login' ? 'login' : 'register_account', username, password };
    this.auth = 'signing-in';
    this.authError = '';
    this.changed();
    if (this.connection.isOpen) void this.authenticate();
    else this.connection.start();
  }

  async logout(): Promise<void> {
    try {
      await this.connection.request({ logout: {} }, 5000);
    } catch {
      // Offline: the token stays valid on the server until it expires; it is forgotten here.
    }
    this.signedOut('');
    this.connection.interrupt('logged out'); // a fresh, unauthenticated connection
  }

  protected signedOut(message: string): void {
    this.options.storage.removeItem(AUTH_KEY);
    this.auth = 'signed-out';
    this.authError = message;
    this.me = null;
    this.outbox = null;
    this.conversations.clear();
    this.contacts.clear();
    this.userLog = new Sequencer(0);
    this.fresh = true;
    this.synced = false;
    this.changed();
  }

  protected storedAuth(): StoredAuth | null {
    return readStoredAuth(this.options.storage);
  }

  protected deviceKey(): string {
    return deviceKeyOf(this.options.storage);
  }

  /** Another tab signed in or out (the storage event): follow it. */
  onStorageChanged(key: string | null): void {
    if (key === null || key === AUTH_KEY) {
      const stored = this.storedAuth();
      if (!stored && this.auth === 'signed-in') {
        this.signedOut('');
        this.connection.interrupt('signed out in another tab');
      } else if (stored && this.auth === 'signed-out') {
        this.auth = 'signing-in';
        this.connection.interrupt('signed in in another tab');
      }
    }
    if (key === null || key.startsWith('parley.outbox.')) {
      this.outbox?.reload();
      this.changed();
      void this.flushOutbox();
    }
  }

  protected async onOpen(hello: HelloOk): Promise<void> {
    this.limits = {
      maxMessageBytes: hello.limits?.max_message_bytes ?? 65536,
      maxFrameBytes: hello.limits?.max_frame_bytes ?? 262144,
    };
    this.synced = false;
    await this.authenticate();
  }

  protected async authenticate(): Promise<void> {
    const pending = this.pendingAuth;
    const stored = this.storedAuth();
    let body: RequestBody;
    if (pending) {
      body = {
        [pending.kind]: {
          username: pending.username,
          password: pending.password,
          device_name: this.options.deviceName ?? 'web browser',
          device_key: this.deviceKey(),
        },
      };
    } else if (stored) {
      body = { resume: { token: stored.token } };
    } else {
      if (this.auth !== 'signed-out') {
        this.auth = 'signed-out';
        this.changed();
      }
      return;
    }
    let frame: ServerFrame;
    try {
      frame = await this.connection.request(body);
    } catch (e) {
      const error = e instanceof ProtocolError ? e : new ProtocolError('INTERNAL', String(e));
      if (pending) {
        if (isTransient(error.code) && error.code !== 'RATE_LIMITED') return; // retried on reconnect
        this.pendingAuth = null;
        this.auth = 'signed-out';
        this.authError = authMessage(error.code, error.message);
        this.changed();
      } else if (error.code === 'TOKEN_INVALID') {
        this.signedOut('Your session ended; please sign in again.');
      } else if (error.code === 'ALREADY_AUTHENTICATED') {
        await this.afterAuth();
      }
      return;
    }
    const ok = frame.auth_ok ?? {};
    this.pendingAuth = null;
    const username = ok.username ?? pending?.username ?? stored?.username ?? '';
    const token = ok.token || stored?.token || '';
    const auth: StoredAuth = { token, username, userId: num(ok.user_id), deviceId: num(ok.device_id) };
    if (this.me && this.me.username.toLowerCase() !== username.toLowerCase()) this.signedOut('');
    this.options.storage.setItem(AUTH_KEY, JSON.stringify(auth));
    this.me = { userId: auth.userId, username, deviceId: auth.deviceId };
    if (!this.outbox) this.outbox = new Outbox(this.options.storage, `parley.outbox.${username.toLowerCase()}`);
    this.auth = 'signed-in';
    this.authError = '';
    this.changed();
    await this.afterAuth();
  }

  /** After every (re)authentication: sync both logs, fill gaps, resend the outbox. */
  protected async afterAuth(): Promise<void> {
    try {
      await this.sync();
      this.synced = true;
      this.changed();
      void this.loadContacts();
      void this.flushOutbox();
      for (const c of this.conversations.values()) void this.fill(c);
    } catch (e) {
      if (e instanceof ProtocolError && e.code !== 'DISCONNECTED') this.connection.interrupt('sync failed');
    }
  }

  // ------------------------------------------------------------ sync

  protected async sync(): Promise<void> {
    const startedAt = this.options.clock.now();
    for (;;) {
      const fresh = this.fresh;
      const frame = await this.connection.request({ sync: { user_seq: String(fresh ? 0 : this.userLog.held) } });
      const s = frame.sync ?? {};
      this.mergeConversations(s.conversations ?? [], startedAt);
      if (fresh) {
        // The conversation list already carries the state the user log built; start after it.
        this.userLog = new Sequencer(num(s.user_seq));
        this.fresh = false;
        break;
      }
      for (const u of s.updates ?? []) this.offerUserUpdate(u);
      if (!s.updates_truncated) {
        if (num(s.user_seq) > this.userLog.held) this.userLog.skipTo(num(s.user_seq));
        break;
      }
    }
    this.changed();
  }

  protected mergeConversations(list: WireConversation[], startedAt: number): void {
    const seen = new Set<number>();
    for (const w of list) {
      const id = num(w.conversation_id);
      seen.add(id);
      let c = this.conversations.get(id);
      if (!c) {
        // Older entries are paged in when the conversation is opened.
        c = newConversation(id, num(w.last_seq), this.options.clock.now());
        this.conversations.set(id, c);
      }
      mergeSummary(c, w, true);
      if (windowIsEmpty(c) && c.lastSeq > c.log.held) {
        c.log.skipTo(c.lastSeq);
        c.low = c.log.held + 1;
        c.hasOlder = true;
      }
      recountUnread(c, this.me?.username ?? '');
    }
    // Not listed: no longer a member (a list answer older than the conversation proves nothing).
    for (const [id, c] of this.conversations) {
      if (!seen.has(id) && c.knownSince < startedAt) this.conversations.delete(id);
    }
  }

  /** Re-reads summaries (unread, previews, members) when they cannot be derived locally. */
  protected scheduleRefresh(): void {
    if (this.refreshTimer !== null) return;
    this.refreshTimer = this.options.clock.setTimeout(async () => {
      this.refreshTimer = null;
      const startedAt = this.options.clock.now();
      try {
        const frame = await this.connection.request({ list_conversations: {} });
        this.mergeConversations(frame.conversations?.conversations ?? [], startedAt);
        for (const c of this.conversations.values()) void this.fill(c);
        this.changed();
      } catch {
        // Offline: the next sync does it.
      }
    }, 250);
  }

  /** Fetches every entry above the applied cursor, oldest first, until the window is whole. */
  protected async fill(c: Conversation): Promise<void> {
    if (this.filling.has(c.id) || !this.connection.isOpen) return;
    this.filling.add(c.id);
    let fetched = 0;
    try {
      while (this.conversations.get(c.id) === c) {
        const target = Math.max(c.lastSeq, c.log.highestSeen);
        if (c.log.held >= target) break;
        if (windowIsEmpty(c) || fetched >= MAX_FILL_ENTRIES) {
          // Nothing shown yet, or too far behind: jump to the end; opening pages in the rest.
          this.jumpToEnd(c, target);
          break;
        }
        const frame = await this.connection.request({
          history: { conversation_id: String(c.id), after_seq: String(c.log.held), limit: FILL_PAGE },
        });
        const page = frame.history ?? {};
        const messages = page.messages ?? [];
        fetched += messages.length;
        for (const m of messages) this.offerEntry(c, m, false);
        if (messages.length === 0) {
          // The server has nothing above held: what we expected does not exist (yet).
          c.lastSeq = c.log.held;
          break;
        }
      }
    } catch {
      // Disconnected: the next sync fills it.
    } finally {
      this.filling.delete(c.id);
      recountUnread(c, this.me?.username ?? '');
      this.changed();
    }
  }

  protected jumpToEnd(c: Conversation, target: number): void {
    c.messages = [];
    c.log.skipTo(target);
    c.low = c.log.held + 1;
    c.hasOlder = true;
    this.scheduleRefresh();
  }

  // ------------------------------------------------------------ live events

  protected onEvent(frame: ServerFrame): void {
    if (frame.message?.message) {
      const m = frame.message.message;
      this.queueAck(m.conversation_id ?? '0', m.seq ?? '0');
      const id = num(m.conversation_id);
      let c = this.conversations.get(id);
      if (!c) {
        // A conversation we did not know (a new chat or group): its summary follows.
        c = newConversation(id, num(m.seq) - 1, this.options.clock.now());
        this.conversations.set(id, c);
        this.scheduleRefresh();
      }
      this.offerEntry(c, m, true);
    } else if (frame.user_update?.update) {
      this.offerUserUpdate(frame.user_update.update);
    } else if (frame.read) {
      const r = frame.read;
      const c = this.conversations.get(num(r.conversation_id));
      if (c) {
        const member = c.members.find((m) => m.username === r.username);
        if (member) member.readSeq = Math.max(member.readSeq, num(r.read_seq));
        if (r.username === this.me?.username) {
          c.readSeq = Math.max(c.readSeq, num(r.read_seq));
          if (!recountUnread(c, r.username ?? '')) this.scheduleRefresh();
        }
      }
    } else if (frame.presence) {
      const p = frame.presence;
      const contact = this.contacts.get(p.username ?? '');
      if (contact) {
        contact.online = p.online ?? false;
        contact.lastSeen = num(p.last_seen_ms);
      } else {
        this.scheduleContacts();
      }
    } else if (frame.typing) {
      const t = frame.typing;
      const c = this.conversations.get(num(t.conversation_id));
      if (c && t.username && t.username !== this.me?.username) {
        c.typing.set(t.username, this.options.clock.now() + TYPING_SHOWN_MS);
        this.armTypingExpiry();
      }
    }
    this.changed();
  }

  protected offerEntry(c: Conversation, m: WireMessage, live: boolean): void {
    const seq = num(m.seq);
    const offered = c.log.offer(seq, m);
    const me = this.me?.username ?? '';
    let membersChanged = false;
    for (const entry of offered.ready) {
      const applied = applyEntry(c, entry, me);
      membersChanged ||= applied.membersChanged;
      if (applied.summaryStale) this.scheduleRefresh();
      // Ours, arriving from another device or tab (or a resend the server deduplicated).
      if (entry.sender === me && entry.client_msg_id && this.outbox?.remove(entry.client_msg_id)) {
        /* the pending copy is gone; the stored one shows */
      }
      if (live && entry.kind === 'TEXT' && entry.sender !== me && num(entry.seq) > c.readSeq &&
          c.low > c.readSeq + 1) {
        c.unread += 1;
      }
    }
    if (offered.ready.length > 0) recountUnread(c, me);
    if (membersChanged) void this.refreshMembers(c);
    if (offered.gap) {
      if (windowIsEmpty(c) && !this.filling.has(c.id)) {
        // Nothing shown before it: no need to replay the gap, start the window here.
        for (const entry of c.log.skipTo(seq - 1)) applyEntry(c, entry, me);
        c.low = seq;
        c.hasOlder = true;
        this.scheduleRefresh();
      } else {
        void this.fill(c);
      }
    }
  }

  protected async refreshMembers(c: Conversation): Promise<void> {
    try {
      const frame = await this.connection.request({ read_positions: { conversation_id: String(c.id) } });
      if (frame.conversation) mergeSummary(c, frame.conversation, false);
      this.scheduleRefresh(); // my role may have changed too
      this.changed();
    } catch {
      /* NOT_FOUND after leaving; offline */
    }
  }

  protected offerUserUpdate(u: WireUserUpdate): void {
    const offered = this.userLog.offer(num(u.user_seq), u);
    for (const update of offered.ready) this.applyUserUpdate(update);
    if (offered.gap) {
      // Missed updates (an event lost across a reconnect): sync fetches them in order.
      this.sync().catch(() => {});
    }
  }

  protected applyUserUpdate(u: WireUserUpdate): void {
    const me = this.me?.username ?? '';
    const c = this.conversations.get(num(u.conversation_id));
    switch (u.kind) {
      case 'READ':
        if (c) {
          c.readSeq = Math.max(c.readSeq, num(u.seq));
          if (!recountUnread(c, me)) this.scheduleRefresh();
        }
        break;
      case 'MUTED':
        if (c) c.muted = u.flag ?? false;
        break;
      case 'NICKNAME':
        if (c) c.nickname = u.text ?? '';
        break;
      case 'HIDDEN':
        if (c) {
          hideMessage(c, num(u.seq));
          if (!recountUnread(c, me) || !c.lastMessage) this.scheduleRefresh();
        }
        break;
      case 'CONTACT': {
        const peer = u.peer ?? '';
        const state = u.contact_state ?? 'CONTACT_STATE_NONE';
        if (state === 'CONTACT_STATE_NONE') this.contacts.delete(peer);
        else {
          const old = this.contacts.get(peer);
          this.contacts.set(peer, { username: peer, state, online: old?.online ?? false, lastSeen: old?.lastSeen ?? 0 });
        }
        this.scheduleContacts(); // presence comes with the list
        break;
      }
      case 'LEFT':
        this.conversations.delete(num(u.conversation_id));
        break;
    }
    this.changed();
  }

  protected queueAck(conversationId: string, seq: string): void {
    this.acks.push({ conversation_id: conversationId, seq });
    if (this.ackTimer !== null) return;
    // Batched: one delivery_ack per burst of events.
    this.ackTimer = this.options.clock.setTimeout(() => {
      this.ackTimer = null;
      const messages = this.acks.splice(0, this.acks.length);
      if (messages.length > 0) this.connection.notify({ delivery_ack: { messages } });
    }, 20);
  }

  protected armTypingExpiry(): void {
    if (this.typingTimer !== null) return;
    this.typingTimer = this.options.clock.setTimeout(() => {
      this.typingTimer = null;
      const now = this.options.clock.now();
      let left = false;
      for (const c of this.conversations.values()) {
        for (const [user, until] of c.typing) {
          if (until <= now) c.typing.delete(user);
          else left = true;
        }
      }
      this.changed();
      if (left) this.armTypingExpiry();
    }, 1000);
  }

  protected onConnectionState(state: ConnectionState): void {
    if (state.kind !== 'open') this.synced = false;
    this.changed();
  }

  // ------------------------------------------------------------ contacts

  async loadContacts(): Promise<void> {
    try {
      const frame = await this.connection.request({ list_contacts: {} });
      this.contacts.clear();
      for (const w of frame.contacts?.contacts ?? []) this.contacts.set(w.username ?? '', toContact(w));
      this.changed();
    } catch {
      /* offline */
    }
  }

  protected scheduleContacts(): void {
    if (this.contactsTimer !== null) return;
    this.contactsTimer = this.options.clock.setTimeout(() => {
      this.contactsTimer = null;
      void this.loadContacts();
    }, 200);
  }

  /** Sends what the resend queue holds; ChatClient implements it. */
  protected flushOutbox(): Promise<void> {
    return Promise.resolve();
  }
}
