// The client's picture of its conversations, and the pure rules that apply log entries and
// user-log updates to it (docs/protocol.md "The sync model"). No network, no DOM.

import { Sequencer } from './sequencer';
import { num, type MemberRole, type MessageKind, type WireConversation, type WireMember, type WireMessage } from './types';

export interface ReactionGroup {
  emoji: string;
  users: string[];
}

export interface ChatMessage {
  seq: number;
  kind: MessageKind; // TEXT or SYSTEM: the entries a conversation view shows
  sender: string;
  senderId: number;
  clientMsgId: string;
  text: string;
  sentAt: number;
  editedAt: number;
  deleted: boolean;
  reactions: ReactionGroup[];
}

export interface Member {
  userId: number;
  username: string;
  role: MemberRole;
  joinedSeq: number;
  readSeq: number;
}

export interface Conversation {
  id: number;
  kind: 'DIRECT' | 'GROUP';
  title: string;
  lastSeq: number;
  lastActivity: number;
  members: Member[];
  sharedHistory: boolean;
  role: MemberRole;
  joinedSeq: number;
  readSeq: number;
  muted: boolean;
  nickname: string;
  unread: number;
  lastMessage: ChatMessage | null;
  /** Applied cursor: every entry up to `log.held` has been applied. */
  log: Sequencer<WireMessage>;
  /** Loaded window: entries low..log.held are in `messages` (empty when low = held + 1). */
  low: number;
  messages: ChatMessage[];
  hasOlder: boolean;
  /** username -> when their "typing" indicator expires (ms). */
  typing: Map<string, number>;
  /** Local creation time, so a list answer older than the conversation does not drop it. */
  knownSince: number;
}

/** Most entries a conversation keeps in memory; older ones are dropped (paged in again). */
export const MAX_WINDOW = 3000;

export function toMessage(m: WireMessage): ChatMessage {
  const reactions: ReactionGroup[] = [];
  for (const r of m.reactions ?? []) addReaction(reactions, r.emoji || '👍', r.username ?? '');
  return {
    seq: num(m.seq),
    kind: m.kind ?? 'TEXT',
    sender: m.sender ?? '',
    senderId: num(m.sender_id),
    clientMsgId: m.client_msg_id ?? '',
    text: m.text ?? '',
    sentAt: num(m.sent_at_ms),
    editedAt: num(m.edited_at_ms),
    deleted: m.deleted ?? false,
    reactions,
  };
}

function toMember(m: WireMember): Member {
  return {
    userId: num(m.user_id),
    username: m.username ?? '',
    role: m.role ?? 'MEMBER',
    joinedSeq: num(m.joined_seq),
    readSeq: num(m.read_seq),
  };
}

export function newConversation(id: number, held: number, now: number): Conversation {
  return {
    id, kind: 'DIRECT', title: '', lastSeq: held, lastActivity: 0, members: [], sharedHistory: false,
    role: 'MEMBER', joinedSeq: 0, readSeq: 0, muted: false, nickname: '', unread: 0, lastMessage: null,
    log: new Sequencer<WireMessage>(held), low: held + 1, messages: [], hasOlder: held > 0,
    typing: new Map(), knownSince: now,
  };
}

/**
 * Takes the server's summary (sync, list_conversations, create_group, ...). Never moves the
 * applied cursor or the read position back; `own` says whether it carries the caller's own view.
 */
export function mergeSummary(c: Conversation, w: WireConversation, own: boolean): void {
  const lastSeq = num(w.last_seq);
  if (w.kind) c.kind = w.kind;
  c.title = w.title ?? '';
  if (w.members) c.members = w.members.map(toMember);
  c.sharedHistory = w.shared_history ?? false;
  c.lastActivity = Math.max(c.lastActivity, num(w.last_activity_ms));
  if (!own) {
    c.lastSeq = Math.max(c.lastSeq, lastSeq);
    return;
  }
  c.role = w.role ?? 'MEMBER';
  c.joinedSeq = num(w.joined_seq);
  c.readSeq = Math.max(c.readSeq, num(w.read_seq));
  c.muted = w.muted ?? false;
  c.nickname = w.nickname ?? '';
  // The server's count is exact as of its snapshot; one older than what we hold is stale.
  if (lastSeq >= c.log.held) {
    c.unread = num(w.unread);
    c.lastMessage = w.last_message ? toMessage(w.last_message) : null;
  }
  c.lastSeq = Math.max(c.lastSeq, lastSeq);
}

export function windowIsEmpty(c: Conversation): boolean {
  return c.low > c.log.held;
}

function addReaction(groups: ReactionGroup[], emoji: string, user: string): void {
  let group = groups.find((g) => g.emoji === emoji);
  if (!group) {
    group = { emoji, users: [] };
    groups.push(group);
  }
  if (!group.users.includes(user)) group.users.push(user);
}

function removeReaction(groups: ReactionGroup[], emoji: string, user: string): void {
  const i = groups.findIndex((g) => g.emoji === emoji);
  if (i < 0) return;
  groups[i].users = groups[i].users.filter((u) => u !== user);
  if (groups[i].users.length === 0) groups.splice(i, 1);
}

export function findMessage(c: Conversation, seq: number): ChatMessage | undefined {
  // Binary search: messages are in seq order.
  let lo = 0;
  let hi = c.messages.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = c.messages[mid].seq;
    if (s === seq) return c.messages[mid];
    if (s < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

export interface Applied {
  /** Membership or title may have changed: refetch the member list. */
  membersChanged: boolean;
  /** The preview or unread count can no longer be derived locally. */
  summaryStale: boolean;
}

/**
 * Applies one entry in seq order (from a live event, an ack of our own, or forward history).
 * History returns TEXT entries in their current state; applying the later EDIT/REACTION
 * entries over it is still right because they are applied in order up to the end.
 */
export function applyEntry(c: Conversation, m: WireMessage, me: string): Applied {
  const result: Applied = { membersChanged: false, summaryStale: false };
  const seq = num(m.seq);
  c.lastSeq = Math.max(c.lastSeq, seq);
  c.lastActivity = Math.max(c.lastActivity, num(m.sent_at_ms));
  const target = num(m.target_seq);
  switch (m.kind ?? 'TEXT') {
    case 'TEXT': {
      if (m.sender) c.typing.delete(m.sender);
      if (m.hidden) break;
      const message = toMessage(m);
      c.messages.push(message);
      if (!message.deleted) c.lastMessage = message;
      if (message.sender === me) c.readSeq = Math.max(c.readSeq, seq); // sending reads up to it
      break;
    }
    case 'SYSTEM': {
      c.messages.push(toMessage(m));
      result.membersChanged = true;
      const event = parseSystem(m.text ?? '');
      if (event.event === 'renamed' && event.title) c.title = event.title;
      break;
    }
    case 'EDIT': {
      const t = findMessage(c, target);
      if (t && !t.deleted) {
        t.text = m.text ?? '';
        t.editedAt = num(m.sent_at_ms) || 1;
      }
      if (c.lastMessage?.seq === target) c.lastMessage = { ...c.lastMessage, text: m.text ?? '' };
      break;
    }
    case 'DELETION': {
      const t = findMessage(c, target);
      if (t) {
        t.deleted = true;
        t.text = '';
        t.reactions = [];
      }
      if (c.lastMessage?.seq === target) result.summaryStale = true;
      if (target > c.readSeq) result.summaryStale = true;
      break;
    }
    case 'REACTION':
    case 'REACTION_REMOVED': {
      const t = findMessage(c, target);
      if (t) {
        if (m.kind === 'REACTION') addReaction(t.reactions, m.text || '👍', m.sender ?? '');
        else removeReaction(t.reactions, m.text || '👍', m.sender ?? '');
      }
      break;
    }
  }
  if (c.messages.length > MAX_WINDOW) {
    const drop = c.messages.length - MAX_WINDOW;
    c.low = c.messages[drop].seq;
    c.messages.splice(0, drop);
    c.hasOlder = true;
  }
  return result;
}

/**
 * Puts an older page (history before `low`) in front of the window. Its TEXT entries are already
 * in their current state, so its EDIT/REACTION/DELETION entries are not applied again.
 */
export function prependPage(c: Conversation, page: WireMessage[], hasMore: boolean): void {
  const older = page
    .filter((m) => num(m.seq) < c.low && (m.kind === 'TEXT' || m.kind === 'SYSTEM' || !m.kind) && !m.hidden)
    .map(toMessage);
  c.messages = [...older, ...c.messages];
  if (page.length > 0) c.low = Math.min(c.low, num(page[0].seq));
  c.hasOlder = hasMore && c.low > 1;
  if (page.length === 0) c.hasOlder = false;
}

/** Recounts unread from the window when it reaches back to the read position (exact then). */
export function recountUnread(c: Conversation, me: string): boolean {
  if (c.low > c.readSeq + 1 && !windowIsEmpty(c)) return false;
  if (windowIsEmpty(c) && c.readSeq < c.log.held) return false;
  c.unread = c.messages.filter((m) => m.kind === 'TEXT' && m.seq > c.readSeq && m.seq > c.joinedSeq &&
    m.sender !== me && !m.deleted).length;
  return true;
}

/** Removes a message hidden for me (delete for me, from any of my devices). */
export function hideMessage(c: Conversation, seq: number): void {
  c.messages = c.messages.filter((m) => m.seq !== seq);
  if (c.lastMessage?.seq === seq) c.lastMessage = null;
}

export interface SystemEvent {
  event?: string;
  actor?: string;
  users?: string[];
  title?: string;
  role?: string;
  new_owner?: string;
}

export function parseSystem(text: string): SystemEvent {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? (v as SystemEvent) : {};
  } catch {
    return {};
  }
}

/** A system entry in words: "alice added bob, carol". */
export function describeSystem(text: string): string {
  const e = parseSystem(text);
  const who = e.actor ?? 'someone';
  const users = (e.users ?? []).join(', ');
  switch (e.event) {
    case 'created':
      return `${who} created the group${e.title ? ` “${e.title}”` : ''}${users ? ` with ${users}` : ''}`;
    case 'added':
      return `${who} added ${users}`;
    case 'removed':
      return `${who} removed ${users}`;
    case 'left':
      return `${users || who} left${e.new_owner ? `; ${e.new_owner} is now the owner` : ''}`;
    case 'renamed':
      return `${who} renamed the group to “${e.title ?? ''}”`;
    case 'role':
      return `${who} made ${users} ${String(e.role ?? '').toLowerCase() || 'a member'}`;
    default:
      return e.event ? `${who}: ${e.event}` : 'conversation changed';
  }
}

/** The name to show: my nickname for it, else the peer (direct) or title (group). */
export function displayName(c: Conversation, me: string): string {
  if (c.nickname) return c.nickname;
  if (c.kind === 'DIRECT') {
    const peer = c.members.find((m) => m.username !== me);
    if (peer) return peer.username;
  }
  return c.title || `conversation ${c.id}`;
}

/** For a direct conversation: the other member's username. */
export function peerOf(c: Conversation, me: string): string | null {
  if (c.kind !== 'DIRECT') return null;
  return c.members.find((m) => m.username !== me)?.username ?? (c.title || null);
}

/**
 * Read markers: for each other member, the last shown message at or below their read position.
 * Returns seq -> usernames to draw after that message.
 */
export function readMarkers(c: Conversation, me: string): Map<number, string[]> {
  const markers = new Map<number, string[]>();
  if (c.messages.length === 0) return markers;
  // Sending moves the sender's read position to their message, but no `read` event says so:
  // a member has read at least up to the last message they sent.
  const lastSent = new Map<string, number>();
  for (const m of c.messages) if (m.kind === 'TEXT') lastSent.set(m.sender, m.seq);
  for (const member of c.members) {
    const readSeq = Math.max(member.readSeq, lastSent.get(member.username) ?? 0);
    if (member.username === me || readSeq <= 0) continue;
    let at: ChatMessage | undefined;
    let lo = 0;
    let hi = c.messages.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (c.messages[mid].seq <= readSeq) {
        at = c.messages[mid];
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (!at) continue;
    const list = markers.get(at.seq) ?? [];
    list.push(member.username);
    markers.set(at.seq, list);
  }
  return markers;
}
