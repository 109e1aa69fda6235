// The domain entities of DESIGN §4 as plain values, shared by core, stores and gateways.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "core/system_event.h"

namespace parley {

using UserId = std::int64_t;
using DeviceId = std::int64_t;
using ConversationId = std::int64_t;
using MessageId = std::int64_t;
using Seq = std::int64_t;  // per-conversation sequence number, 1, 2, 3, ... without gaps

enum class ConversationKind : std::uint8_t { direct = 1, group = 2 };
// Every entry of a conversation's log has a seq. Besides text and system entries (membership,
// rename), changes to an earlier message are entries too, naming it by target_seq: so one
// gap-free seq order carries everything a device must apply, and sync is "entries after my seq".
enum class MessageKind : std::uint8_t {
  text = 1,
  system = 2,            // Message::system says what happened (text is empty)
  edit = 3,              // text = the new text of target_seq
  deletion = 4,          // target_seq deleted for everyone; its body is erased
  reaction = 5,          // text = emoji added to target_seq by the sender
  reaction_removed = 6,  // text = emoji the sender removed from target_seq
};

// Whether a kind is content a person reads (counted as unread, shown in a list preview).
inline bool is_content(MessageKind kind) { return kind == MessageKind::text; }

enum class MemberRole : std::uint8_t { member = 0, admin = 1, owner = 2 };

struct User {
  UserId id = 0;
  std::string username;  // as registered (display case)
};

// What login needs to check a password.
struct Credentials {
  UserId id = 0;
  std::string username;
  std::string password_hash;  // libsodium crypto_pwhash_str (argon2id) string
};

// Result of a successful register, login or resume.
struct AuthGrant {
  UserId user_id = 0;
  std::string username;
  DeviceId device_id = 0;
  std::string token;  // empty on resume (the client already has it)
  TimeMs token_expires_at = 0;
  // SHA-256 of the token the session holds: core checks it again once the session is attached,
  // so a revocation racing the login or resume still ends the session.
  std::string token_hash;
};

struct Member {
  UserId user_id = 0;
  std::string username;
  MemberRole role = MemberRole::member;
  Seq joined_seq = 0;  // sees entries with seq > joined_seq
  Seq read_seq = 0;    // "read up to here", visible to the other members
};

// The entries of a conversation one member receives live: from_seq <= seq <= to_seq. from_seq is
// the entry that added them (0 for founding members), to_seq the entry that recorded their
// leaving (kOpenWindow while they are a member). Deciding per entry, not by "the members now",
// keeps an entry from reaching someone who joined after it (DESIGN §5.3).
inline constexpr Seq kOpenWindow = INT64_MAX;
struct MemberWindow {
  UserId user_id = 0;
  Seq from_seq = 0;
  Seq to_seq = kOpenWindow;
  bool covers(Seq seq) const { return from_seq <= seq && seq <= to_seq; }
};

struct Conversation {
  ConversationId id = 0;
  ConversationKind kind = ConversationKind::direct;
  std::string title;
  Seq last_seq = 0;
  TimeMs last_activity_at = 0;
  bool shared_history = false;  // groups: new members see entries from before they joined
  std::vector<Member> members;  // current members
};

struct Reaction {
  UserId user_id = 0;
  std::string username;
  std::string emoji;
};

struct Message {
  ConversationId conversation_id = 0;
  Seq seq = 0;
  MessageId id = 0;  // global, assigned by the store
  UserId sender_id = 0;
  std::string sender_username;
  DeviceId sender_device_id = 0;
  std::string client_msg_id;
  MessageKind kind = MessageKind::text;
  std::string text;
  TimeMs sent_at = 0;
  Seq target_seq = 0;    // edit, deletion, reaction entries: the entry they change
  TimeMs edited_at = 0;  // text entries: last edit, 0 = never edited
  bool deleted = false;  // text entries: deleted for everyone (a tombstone, text erased)
  bool hidden = false;   // text entries: deleted for me by the reading user (text omitted)
  std::vector<Reaction> reactions;  // text entries, when read back as history
  bool truncated = false;           // a list preview: text cut (history has all of it)
  // system entries: what happened (text is empty). Shared: one event fans out to every member.
  std::shared_ptr<const SystemEvent> system;
};

// Ids the server makes for entries of its own share the (sender, client_msg_id) dedupe key with
// clients' ids: "sys:<conversation>:<seq>" for system entries and "~<random>" for changes sent
// without an id. A client id in those spaces is refused so the two can never collide.
inline bool is_reserved_client_msg_id(std::string_view id) {
  return id.starts_with("~") || id.starts_with("sys:");
}

// A position in one conversation's log: "up to and including seq" (a device's delivery cursor,
// a sync cursor).
struct ConversationCursor {
  ConversationId conversation_id = 0;
  Seq seq = 0;
};

// A device's acknowledged position in one conversation, as a flush writes it.
struct DeviceCursor {
  DeviceId device = 0;
  ConversationId conversation_id = 0;
  Seq seq = 0;
};

struct SendAck {
  ConversationId conversation_id = 0;
  Seq seq = 0;
  MessageId message_id = 0;
  TimeMs sent_at = 0;
  bool duplicate = false;  // the request was a resend of an already stored message
};

// One conversation as one user sees it in their conversation list.
struct ConversationSummary {
  Conversation conversation;  // members filled only for small conversations (see store)
  std::string title;          // group title, or the other user's name for a direct chat
  MemberRole role = MemberRole::member;
  Seq joined_seq = 0;
  Seq read_seq = 0;
  bool muted = false;
  std::string nickname;     // the user's own name for this chat ("" = none)
  std::int64_t unread = 0;  // content entries above read_seq, not own, not deleted, not hidden
  std::optional<Message> last_message;  // newest visible content entry
};

enum class ContactState : std::uint8_t {
  none = 0,
  request_sent = 1,      // I asked, they have not answered
  request_received = 2,  // they asked me
  accepted = 3,
  blocked = 4,  // I blocked them (they see nothing of it)
};

struct Contact {
  UserId user_id = 0;
  std::string username;
  ContactState state = ContactState::none;
  bool online = false;   // filled by core, for accepted contacts only
  TimeMs last_seen = 0;  // accepted contacts only
};

// Changes to one user's own state, in a per-user log (user_seq) that every device of the user
// follows: what one device does (read, mute, hide, contacts) the others catch up on.
enum class UserUpdateKind : std::uint8_t {
  read = 1,      // conversation_id, seq = own read position
  muted = 2,     // conversation_id, flag
  nickname = 3,  // conversation_id, text
  hidden = 4,    // conversation_id, seq deleted for me
  contact = 5,   // peer, contact_state
  left = 6,      // conversation_id: no longer a member (left or removed)
};

struct UserUpdate {
  UserId user_id = 0;  // whose log this entry is in
  std::int64_t user_seq = 0;
  UserUpdateKind kind = UserUpdateKind::read;
  ConversationId conversation_id = 0;
  Seq seq = 0;
  bool flag = false;
  std::string text;
  UserId peer_id = 0;
  std::string peer;
  ContactState contact_state = ContactState::none;
  TimeMs at = 0;
};

}  // namespace parley
