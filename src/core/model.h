// The domain entities of DESIGN §4 as plain values, shared by core, stores and gateways.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.h"

namespace parley {

using UserId = std::int64_t;
using DeviceId = std::int64_t;
using ConversationId = std::int64_t;
using MessageId = std::int64_t;
using Seq = std::int64_t;  // per-conversation sequence number, 1, 2, 3, ... without gaps

enum class ConversationKind : std::uint8_t { direct = 1, group = 2 };
enum class MessageKind : std::uint8_t { text = 1, system = 2 };

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
};

struct Member {
  UserId user_id = 0;
  std::string username;
};

struct Conversation {
  ConversationId id = 0;
  ConversationKind kind = ConversationKind::direct;
  std::string title;
  Seq last_seq = 0;
  TimeMs last_activity_at = 0;
  std::vector<Member> members;  // current members
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
};

struct SendAck {
  ConversationId conversation_id = 0;
  Seq seq = 0;
  MessageId message_id = 0;
  TimeMs sent_at = 0;
  bool duplicate = false;  // the request was a resend of an already stored message
};

}  // namespace parley
