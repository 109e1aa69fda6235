// The resend queue: every outgoing message is kept (in localStorage) until the server acks it,
// and resent with the same client_msg_id after any failure, so it is stored exactly once.

import { newClientMsgId } from './ids';

/** The part of localStorage used (a Map-backed fake in unit tests). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface OutboxItem {
  client_msg_id: string;
  // Exactly one of the two, as in SendRequest.
  conversation_id?: number;
  to_user?: string;
  text: string;
  created_at: number;
  /** Set when the server refused it for good (e.g. FORBIDDEN); kept to show, not resent. */
  failed?: string;
}

/** At most this many unsent messages are kept; a longer offline queue refuses new ones. */
export const MAX_OUTBOX = 200;

export class Outbox {
  private items: OutboxItem[] = [];

  constructor(private readonly store: KeyValueStore, private readonly key: string) {
    this.reload();
  }

  /** Re-reads the queue (another tab of the same user may have changed it). */
  reload(): void {
    try {
      const raw = this.store.getItem(this.key);
      const parsed: unknown = raw ? JSON.parse(raw) : [];
      this.items = Array.isArray(parsed) ? parsed.filter(isItem) : [];
    } catch {
      this.items = [];
    }
  }

  list(): readonly OutboxItem[] {
    return this.items;
  }

  /** Items still to send, oldest first. */
  sendable(): OutboxItem[] {
    return this.items.filter((i) => !i.failed);
  }

  forConversation(conversationId: number): OutboxItem[] {
    return this.items.filter((i) => i.conversation_id === conversationId);
  }

  get size(): number {
    return this.items.length;
  }

  /** Queues a message; returns null when the queue is full. */
  add(target: { conversation_id: number } | { to_user: string }, text: string, now: number): OutboxItem | null {
    if (this.items.length >= MAX_OUTBOX) return null;
    const item: OutboxItem = { client_msg_id: newClientMsgId(), ...target, text, created_at: now };
    this.items.push(item);
    this.save();
    return item;
  }

  /** Acked (or seen arriving from the server): forget it. Returns whether it was queued. */
  remove(clientMsgId: string): boolean {
    this.reload();
    const before = this.items.length;
    this.items = this.items.filter((i) => i.client_msg_id !== clientMsgId);
    if (this.items.length === before) return false;
    this.save();
    return true;
  }

  markFailed(clientMsgId: string, reason: string): void {
    this.reload();
    const item = this.items.find((i) => i.client_msg_id === clientMsgId);
    if (!item) return;
    item.failed = reason;
    this.save();
  }

  /** A direct message queued by username learns its conversation once known. */
  resolveTarget(clientMsgId: string, conversationId: number): void {
    const item = this.items.find((i) => i.client_msg_id === clientMsgId);
    if (!item || item.conversation_id !== undefined) return;
    item.conversation_id = conversationId;
    delete item.to_user;
    this.save();
  }

  has(clientMsgId: string): boolean {
    return this.items.some((i) => i.client_msg_id === clientMsgId);
  }

  private save(): void {
    try {
      if (this.items.length === 0) this.store.removeItem(this.key);
      else this.store.setItem(this.key, JSON.stringify(this.items));
    } catch {
      // Storage full or disabled: the queue still works for this page's lifetime.
    }
  }
}

function isItem(value: unknown): value is OutboxItem {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.client_msg_id === 'string' && typeof v.text === 'string' &&
    (typeof v.conversation_id === 'number' || typeof v.to_user === 'string');
}
