// The CLI's output: messages, conversations, events and acks as JSON lines; errors on stderr.
#include <algorithm>
#include <cstdio>

#include "tools/cli/cli.h"

namespace parley::cli {

int report(std::string_view code, std::string message) {
  std::replace(message.begin(), message.end(), '\n', ' ');
  std::fprintf(stderr, "parley: %.*s: %s\n", static_cast<int>(code.size()), code.data(),
               message.c_str());
  return kExitFailure;
}

int report(const ClientError& e) { return report(v1::ErrorCode_Name(e.code), e.message); }

void print(const json::object& o) {
  const std::string line = json::serialize(o) + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

json::object message_json(const v1::Message& m) {
  json::object o;
  o["conversation"] = m.conversation_id();
  o["seq"] = m.seq();
  o["id"] = m.message_id();
  o["from"] = m.sender();
  o["text"] = m.text();
  o["sent_at"] = m.sent_at_ms();
  o["client_msg_id"] = m.client_msg_id();
  if (m.kind() != v1::TEXT) o["kind"] = v1::MessageKind_Name(m.kind());
  if (m.target_seq() != 0) o["target_seq"] = m.target_seq();
  if (m.deleted()) o["deleted"] = true;
  if (m.hidden()) o["hidden"] = true;
  if (m.edited_at_ms() != 0) o["edited_at"] = m.edited_at_ms();
  if (m.reactions_size() > 0) {
    json::array reactions;
    for (const auto& r : m.reactions()) {
      reactions.push_back(json::object{{"user", r.username()}, {"emoji", r.emoji()}});
    }
    o["reactions"] = std::move(reactions);
  }
  return o;
}

json::object conversation_json(const v1::ConversationInfo& c) {
  json::object o;
  o["conversation"] = c.conversation_id();
  o["kind"] = v1::ConversationKind_Name(c.kind());
  o["title"] = c.title();
  o["last_seq"] = c.last_seq();
  o["last_activity"] = c.last_activity_ms();
  o["unread"] = c.unread();
  o["muted"] = c.muted();
  o["nickname"] = c.nickname();
  o["role"] = v1::MemberRole_Name(c.role());
  o["read_seq"] = c.read_seq();
  if (c.shared_history()) o["shared_history"] = true;
  if (c.members_size() > 0) {
    json::array members;
    for (const auto& m : c.members()) members.push_back(json::value(m.username()));
    o["members"] = std::move(members);
  }
  if (c.has_last_message()) {
    const auto& m = c.last_message();
    json::object last;
    last["seq"] = m.seq();
    last["from"] = m.sender();
    last["text"] = m.text();
    last["sent_at"] = m.sent_at_ms();
    if (m.kind() != v1::TEXT) last["kind"] = v1::MessageKind_Name(m.kind());
    if (m.deleted()) last["deleted"] = true;
    o["last_message"] = std::move(last);
  }
  return o;
}

// A pushed non-message event as one line; `event` names its kind.
json::object event_json(const v1::ServerFrame& f) {
  json::object o;
  if (f.has_user_update()) {
    const auto& u = f.user_update().update();
    o["event"] = "user_update";
    o["kind"] = v1::UserUpdateKind_Name(u.kind());
    o["user_seq"] = u.user_seq();
    if (u.conversation_id() != 0) o["conversation"] = u.conversation_id();
    switch (u.kind()) {
      case v1::READ:
      case v1::HIDDEN:
        o["seq"] = u.seq();
        break;
      case v1::MUTED:
        o["muted"] = u.flag();
        break;
      case v1::NICKNAME:
        o["nickname"] = u.text();
        break;
      case v1::CONTACT:
        o["peer"] = u.peer();
        o["state"] = v1::ContactState_Name(u.contact_state());
        break;
      default:
        break;
    }
    if (u.at_ms() != 0) o["at"] = u.at_ms();
  } else if (f.has_presence()) {
    o["event"] = "presence";
    o["user"] = f.presence().username();
    o["online"] = f.presence().online();
    if (f.presence().last_seen_ms() != 0) o["last_seen"] = f.presence().last_seen_ms();
  } else if (f.has_typing()) {
    o["event"] = "typing";
    o["conversation"] = f.typing().conversation_id();
    o["user"] = f.typing().username();
  } else if (f.has_read()) {
    o["event"] = "read";
    o["conversation"] = f.read().conversation_id();
    o["user"] = f.read().username();
    o["read_seq"] = f.read().read_seq();
  } else {
    o["event"] = "unknown";
  }
  return o;
}

json::object ack_json(const client::SendResult& ack) {
  json::object o;
  o["conversation"] = ack.conversation_id;
  o["seq"] = ack.seq;
  o["id"] = ack.message_id;
  o["sent_at"] = ack.sent_at_ms;
  o["duplicate"] = ack.duplicate;
  return o;
}

std::string join(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& w : words) {
    if (!text.empty()) text += ' ';
    text += w;
  }
  return text;
}

}  // namespace parley::cli
