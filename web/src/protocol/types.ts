// The JSON mapping of proto/parley.proto as the server writes it (docs/protocol.md): 64-bit
// integers arrive as strings, default values are left out, enums are names.

export type Int64 = string; // "42"; absent means 0

export type ErrorCode =
  | 'BAD_FRAME' | 'UNKNOWN_FRAME' | 'FRAME_TOO_LARGE' | 'MESSAGE_TOO_LARGE' | 'INVALID_UTF8'
  | 'NOT_AUTHENTICATED' | 'TOKEN_INVALID' | 'INVALID_CREDENTIALS' | 'RATE_LIMITED'
  | 'USER_NOT_FOUND' | 'USERNAME_TAKEN' | 'INVALID_USERNAME' | 'WEAK_PASSWORD'
  | 'REGISTRATION_CLOSED' | 'VERSION_UNSUPPORTED' | 'NOT_FOUND' | 'FORBIDDEN'
  | 'INVALID_ARGUMENT' | 'INTERNAL' | 'SLOW_CONSUMER' | 'HEARTBEAT_TIMEOUT'
  | 'ALREADY_AUTHENTICATED' | 'SHUTTING_DOWN' | 'HELLO_REQUIRED' | 'UNAVAILABLE'
  // Client-side only: no answer in time, or the connection went away first.
  | 'TIMEOUT' | 'DISCONNECTED';

export interface WireError { code?: ErrorCode; message?: string }

export type MessageKind = 'TEXT' | 'SYSTEM' | 'EDIT' | 'DELETION' | 'REACTION' | 'REACTION_REMOVED';
export type MemberRole = 'MEMBER' | 'ADMIN' | 'OWNER';
export type ContactState = 'CONTACT_STATE_NONE' | 'REQUEST_SENT' | 'REQUEST_RECEIVED' | 'ACCEPTED' | 'BLOCKED';
export type UserUpdateKind = 'READ' | 'MUTED' | 'NICKNAME' | 'HIDDEN' | 'CONTACT' | 'LEFT';

export interface WireReaction { user_id?: Int64; username?: string; emoji?: string }

export interface WireMessage {
  conversation_id?: Int64; seq?: Int64; message_id?: Int64; sender_id?: Int64; sender?: string;
  sender_device_id?: Int64; client_msg_id?: string; kind?: MessageKind; text?: string;
  sent_at_ms?: Int64; target_seq?: Int64; edited_at_ms?: Int64; deleted?: boolean;
  hidden?: boolean; reactions?: WireReaction[];
}

export interface WireMember {
  user_id?: Int64; username?: string; role?: MemberRole; joined_seq?: Int64; read_seq?: Int64;
}

export interface WireConversation {
  conversation_id?: Int64; kind?: 'DIRECT' | 'GROUP'; title?: string; last_seq?: Int64;
  last_activity_ms?: Int64; members?: WireMember[]; shared_history?: boolean; role?: MemberRole;
  joined_seq?: Int64; read_seq?: Int64; muted?: boolean; nickname?: string; unread?: Int64;
  last_message?: WireMessage;
}

export interface WireContact {
  user_id?: Int64; username?: string; state?: ContactState; online?: boolean; last_seen_ms?: Int64;
}

export interface WireUserUpdate {
  user_seq?: Int64; kind?: UserUpdateKind; conversation_id?: Int64; seq?: Int64; flag?: boolean;
  text?: string; peer_id?: Int64; peer?: string; contact_state?: ContactState; at_ms?: Int64;
}

export interface HelloOk {
  version?: number; server_name?: string; heartbeat_interval_ms?: number;
  limits?: { max_frame_bytes?: number; max_message_bytes?: number };
}
export interface AuthOk {
  user_id?: Int64; username?: string; device_id?: Int64; token?: string; token_expires_at_ms?: Int64;
}
export interface SendAck {
  conversation_id?: Int64; seq?: Int64; message_id?: Int64; sent_at_ms?: Int64; duplicate?: boolean;
}
export interface SyncResponse {
  conversations?: WireConversation[]; updates?: WireUserUpdate[]; updates_truncated?: boolean;
  user_seq?: Int64;
}
export interface HistoryResponse { messages?: WireMessage[]; has_more?: boolean }

// One server frame: `id` answers a request, absent (0) for pushed events.
export interface ServerFrame {
  id?: string;
  error?: WireError;
  hello_ok?: HelloOk;
  auth_ok?: AuthOk;
  ok?: Record<string, never>;
  send_ack?: SendAck;
  message?: { message?: WireMessage };
  sync?: SyncResponse;
  history?: HistoryResponse;
  conversation?: WireConversation;
  pong?: Record<string, never>;
  goodbye?: { reason?: ErrorCode; message?: string };
  conversations?: { conversations?: WireConversation[]; total_unread?: Int64 };
  contacts?: { contacts?: WireContact[] };
  user_update?: { update?: WireUserUpdate };
  presence?: { user_id?: Int64; username?: string; online?: boolean; last_seen_ms?: Int64 };
  typing?: { conversation_id?: Int64; user_id?: Int64; username?: string };
  read?: { conversation_id?: Int64; user_id?: Int64; username?: string; read_seq?: Int64 };
}

// A request body: exactly one key of ClientFrame's oneof, e.g. {send: {...}}.
export type RequestBody = Record<string, unknown>;

/** Parses an int64 field of the JSON mapping (absent = 0). Seqs and ids stay below 2^53. */
export function num(value: Int64 | number | undefined): number {
  if (value === undefined || value === '') return 0;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : 0;
}

/** An error thrown for an `error` answer (or a client-side timeout / disconnect). */
export class ProtocolError extends Error {
  constructor(readonly code: ErrorCode, message: string) {
    super(message || code);
    this.name = 'ProtocolError';
  }
}

/** Errors after which resending the same request later can succeed. */
export function isTransient(code: ErrorCode): boolean {
  return code === 'TIMEOUT' || code === 'DISCONNECTED' || code === 'UNAVAILABLE' ||
    code === 'INTERNAL' || code === 'RATE_LIMITED' || code === 'NOT_AUTHENTICATED' ||
    code === 'SHUTTING_DOWN';
}
