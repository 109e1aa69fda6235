// The chat client's commands: sending through the resend queue (kept until acked, resent with
// the same client_msg_id), edits, reactions, deletions, reading, typing, conversations, groups
// and contacts. Plain TypeScript with no DOM.

import { mergeSummary, newConversation, prependPage, recountUnread, type Conversation } from './model';
import type { OutboxItem } from './outbox';
import { SyncEngine } from './sync';
import {
  isTransient, num, ProtocolError, type MemberRole, type MessageKind, type RequestBody, type SendAck,
  type ServerFrame, type WireConversation, type WireMessage,
} from './types';
import { utf8Bytes } from './text';

const HISTORY_PAGE = 50;
const TYPING_SEND_EVERY_MS = 3000;

export class ChatClient extends SyncEngine {
  private flushing = false;
  private flushRetry: unknown = null;
  private marking = new Map<number, number>();
  private typingSent = new Map<number, number>();
  private paging = new Set<number>();

  async contact(username: string, action: 'REQUEST' | 'ACCEPT' | 'DECLINE' | 'REMOVE' | 'BLOCK' | 'UNBLOCK'): Promise<void> {
    await this.connection.request({ contact: { username, action } });
    this.scheduleContacts();
  }


  // ------------------------------------------------------------ sending

  /** Queues a message (kept until acked, across reloads) and sends it when connected. */
  send(conversationId: number, text: string): OutboxItem {
    if (!this.outbox || !this.me) throw new ProtocolError('NOT_AUTHENTICATED', 'not signed in');
    if (text.trim() === '') throw new ProtocolError('INVALID_ARGUMENT', 'empty message');
    if (utf8Bytes(text) > this.limits.maxMessageBytes) {
      throw new ProtocolError('MESSAGE_TOO_LARGE', `over ${this.limits.maxMessageBytes} bytes`);
    }
    const item = this.outbox.add({ conversation_id: conversationId }, text, this.options.clock.now());
    if (!item) throw new ProtocolError('UNAVAILABLE', 'too many unsent messages');
    this.changed();
    void this.flushOutbox();
    return item;
  }

  /** Sends queued messages one at a time (keeping their order) until empty or offline. */
  override async flushOutbox(): Promise<void> {
    if (this.flushing || !this.outbox || !this.synced) return;
    this.flushing = true;
    try {
      for (;;) {
        const next = this.outbox.sendable()[0];
        if (!next || !this.connection.isOpen) break;
        const to = next.conversation_id !== undefined
          ? { conversation_id: String(next.conversation_id) }
          : { to_user: next.to_user };
        let frame: ServerFrame;
        try {
          frame = await this.connection.request({ send: { ...to, client_msg_id: next.client_msg_id, text: next.text } });
        } catch (e) {
          const code = e instanceof ProtocolError ? e.code : 'INTERNAL';
          if (isTransient(code)) {
            if (this.connection.isOpen) this.retryFlushLater();
            break;
          }
          this.outbox.markFailed(next.client_msg_id, code);
          this.changed();
          continue;
        }
        this.onOwnAck(frame.send_ack ?? {}, 'TEXT', next.text, 0, next.client_msg_id);
        this.outbox.remove(next.client_msg_id);
        this.changed();
      }
    } finally {
      this.flushing = false;
    }
  }

  private retryFlushLater(): void {
    if (this.flushRetry !== null) return;
    this.flushRetry = this.options.clock.setTimeout(() => {
      this.flushRetry = null;
      void this.flushOutbox();
    }, 2000);
  }

  /** Removes a message the server refused for good. */
  discard(clientMsgId: string): void {
    this.outbox?.remove(clientMsgId);
    this.changed();
  }

  /**
   * Our own entry (a send, edit, reaction, deletion) was acked: we will not get it as an event,
   * so it is applied from what we sent, in seq order like any other entry.
   */
  private onOwnAck(ack: SendAck, kind: MessageKind, text: string, target: number, clientMsgId: string): void {
    const me = this.me;
    if (!me) return;
    const id = num(ack.conversation_id);
    let c = this.conversations.get(id);
    if (!c) {
      c = newConversation(id, num(ack.seq) - 1, this.options.clock.now());
      this.conversations.set(id, c);
      this.scheduleRefresh();
    }
    const entry: WireMessage = {
      conversation_id: String(id), seq: ack.seq, message_id: ack.message_id, sender_id: String(me.userId),
      sender: me.username, sender_device_id: String(me.deviceId), client_msg_id: clientMsgId, kind, text,
      sent_at_ms: ack.sent_at_ms, target_seq: target ? String(target) : undefined,
    };
    this.offerEntry(c, entry, false);
    this.changed();
  }

  private async entryRequest(body: RequestBody, kind: MessageKind, text: string, target: number): Promise<void> {
    const frame = await this.connection.request(body);
    if (frame.send_ack) this.onOwnAck(frame.send_ack, kind, text, target, '');
  }

  async edit(conversationId: number, seq: number, text: string): Promise<void> {
    if (utf8Bytes(text) > this.limits.maxMessageBytes) throw new ProtocolError('MESSAGE_TOO_LARGE', 'too long');
    await this.entryRequest({ edit: { conversation_id: String(conversationId), seq: String(seq), text } }, 'EDIT', text, seq);
  }

  async react(conversationId: number, seq: number, emoji: string, remove = false): Promise<void> {
    await this.entryRequest(
      { react: { conversation_id: String(conversationId), seq: String(seq), emoji, remove } },
      remove ? 'REACTION_REMOVED' : 'REACTION', emoji, seq);
  }

  async deleteMessage(conversationId: number, seq: number, forEveryone: boolean): Promise<void> {
    await this.entryRequest(
      { delete_message: { conversation_id: String(conversationId), seq: String(seq), for_everyone: forEveryone } },
      'DELETION', '', seq);
    // For me only: the HIDDEN user update (to every device of mine) removes it.
  }

  // ------------------------------------------------------------ reading

  /** Loads the page before the window (history paging on scroll). */
  async loadOlder(conversationId: number): Promise<void> {
    const c = this.conversations.get(conversationId);
    // Its own guard: paging back must not hold up a forward gap fill (nor the reverse).
    if (!c || !c.hasOlder || this.paging.has(c.id)) return;
    this.paging.add(c.id);
    try {
      const frame = await this.connection.request({
        history: { conversation_id: String(c.id), before_seq: String(c.low), limit: HISTORY_PAGE },
      });
      prependPage(c, frame.history?.messages ?? [], frame.history?.has_more ?? false);
      recountUnread(c, this.me?.username ?? '');
    } catch (e) {
      if (e instanceof ProtocolError && e.code === 'NOT_FOUND') c.hasOlder = false;
    } finally {
      this.paging.delete(c.id);
      this.changed();
    }
  }

  /** "Read up to here" for everything held; never moves back. */
  markRead(conversationId: number): void {
    const c = this.conversations.get(conversationId);
    if (!c || !this.connection.isOpen) return;
    const upTo = c.log.held;
    if (upTo <= c.readSeq || (this.marking.get(c.id) ?? 0) >= upTo) return;
    this.marking.set(c.id, upTo);
    this.connection
      .request({ mark_read: { conversation_id: String(c.id), seq: String(upTo) } })
      .then(() => {
        c.readSeq = Math.max(c.readSeq, upTo);
        if (!recountUnread(c, this.me?.username ?? '')) this.scheduleRefresh();
        this.changed();
      })
      .catch(() => {})
      .finally(() => {
        if (this.marking.get(c.id) === upTo) this.marking.delete(c.id);
      });
  }

  /** Tells the others I am typing, at most every few seconds. */
  typing(conversationId: number): void {
    const now = this.options.clock.now();
    if (now - (this.typingSent.get(conversationId) ?? 0) < TYPING_SEND_EVERY_MS) return;
    this.typingSent.set(conversationId, now);
    this.connection.request({ typing: { conversation_id: String(conversationId) } }).catch(() => {});
  }

  // ------------------------------------------------------------ conversations and groups

  async openDirect(username: string): Promise<number> {
    const frame = await this.connection.request({ open_direct: { username } });
    return this.takeConversation(frame.conversation ?? {});
  }

  async createGroup(title: string, members: string[], sharedHistory = false): Promise<number> {
    const frame = await this.connection.request({ create_group: { title, members, shared_history: sharedHistory } });
    return this.takeConversation(frame.conversation ?? {});
  }

  async groupChange(
    conversationId: number,
    action: 'ADD_MEMBERS' | 'REMOVE_MEMBERS' | 'LEAVE' | 'RENAME' | 'SET_ROLE',
    args: { usernames?: string[]; title?: string; role?: MemberRole } = {},
  ): Promise<void> {
    const frame = await this.connection.request({
      group_change: { conversation_id: String(conversationId), action, ...args },
    });
    if (action === 'LEAVE') {
      this.conversations.delete(conversationId);
    } else if (frame.conversation) {
      const c = this.conversations.get(conversationId);
      if (c) mergeSummary(c, frame.conversation, false);
      void this.fill(c ?? newConversation(conversationId, 0, 0));
    }
    this.scheduleRefresh();
    this.changed();
  }

  async settings(conversationId: number, change: { muted?: boolean; nickname?: string }): Promise<void> {
    await this.connection.request({ chat_settings: { conversation_id: String(conversationId), ...change } });
    const c = this.conversations.get(conversationId);
    if (c) {
      if (change.muted !== undefined) c.muted = change.muted;
      if (change.nickname !== undefined) c.nickname = change.nickname;
    }
    this.changed();
  }

  private takeConversation(w: WireConversation): number {
    const id = num(w.conversation_id);
    let c = this.conversations.get(id);
    if (!c) {
      c = newConversation(id, num(w.last_seq), this.options.clock.now());
      this.conversations.set(id, c);
    }
    mergeSummary(c, w, true);
    void this.fill(c);
    this.scheduleRefresh(); // the caller's own view (role, unread) comes with the list
    this.changed();
    return id;
  }

  /** Conversations, most recent activity first. */
  sortedConversations(): Conversation[] {
    return [...this.conversations.values()].sort((a, b) => b.lastActivity - a.lastActivity || b.id - a.id);
  }

  totalUnread(): number {
    let n = 0;
    for (const c of this.conversations.values()) if (!c.muted) n += c.unread;
    return n;
  }
}
