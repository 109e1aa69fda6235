// Helpers for the chat-feature tests: a logged-in raw native client per device, and builders for
// the request frames (so each test reads as the protocol exchange it checks).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "raw_client.h"
#include "server_process.h"

namespace parley::testing {

// Cheap password hashing: these tests register many accounts.
inline constexpr const char* kFastSecurity =
    "[security]\nargon2_ops = 1\nargon2_mem_kib = 8\nregistrations_per_address = 100000000\n";

struct Device {
  std::unique_ptr<RawClient> client;
  std::string username;
  std::int64_t user_id = 0;
  std::int64_t device_id = 0;

  // Sends the frame and returns the answer, which must not be an error.
  v1::ServerFrame ok(v1::ClientFrame frame) {
    auto answer = client->request(std::move(frame));
    EXPECT_TRUE(answer.has_value()) << username << ": no answer";
    if (!answer) return {};
    EXPECT_FALSE(answer->has_error()) << username << ": " << answer->error().message();
    return *answer;
  }
  // Sends the frame and returns the error code it must answer with.
  v1::ErrorCode error(v1::ClientFrame frame) {
    auto answer = client->request(std::move(frame));
    EXPECT_TRUE(answer.has_value()) << username << ": no answer";
    if (!answer) return v1::ERROR_CODE_UNSPECIFIED;
    EXPECT_TRUE(answer->has_error()) << username << ": expected an error";
    return answer->error().code();
  }
  // Next pushed frame whose body is `body`; other events are skipped. nullopt on timeout.
  std::optional<v1::ServerFrame> next(v1::ServerFrame::BodyCase body,
                                      std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto event = client->next_event(left);
      if (!event) return std::nullopt;
      if (event->body_case() == body) return event;
    }
  }
  v1::Message next_message(std::chrono::milliseconds timeout = 10s) {
    auto e = next(v1::ServerFrame::kMessage, timeout);
    EXPECT_TRUE(e.has_value()) << username << ": no message event";
    return e ? e->message().message() : v1::Message{};
  }
};

// Registers (or logs in) `name` on a new connection.
inline Device connect_device(const ServerProcess& server, const std::string& name, bool create) {
  Device d;
  d.username = name;
  d.client = RawClient::connect(server.ports().native_tcp);
  EXPECT_TRUE(d.client);
  if (!d.client) return d;
  EXPECT_TRUE(d.client->hello());
  auto auth = create ? d.client->register_account(name, "password-" + name)
                     : d.client->login(name, "password-" + name);
  EXPECT_TRUE(auth && auth->has_auth_ok()) << name;
  if (auth && auth->has_auth_ok()) {
    d.user_id = auth->auth_ok().user_id();
    d.device_id = auth->auth_ok().device_id();
  }
  return d;
}

// A fresh parleyd per test (cheap hashing) and devices on it.
class ChatServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(dir_.path(), kFastSecurity);
    ASSERT_TRUE(server_->ready()) << server_->error();
  }
  // Registers `name` on a new connection.
  Device user(const std::string& name) { return connect_device(*server_, name, true); }
  // Another device of an existing user.
  Device device(const std::string& name) { return connect_device(*server_, name, false); }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

namespace frames {

inline v1::ClientFrame send(std::int64_t conversation, const std::string& text,
                            const std::string& client_msg_id) {
  v1::ClientFrame f;
  f.mutable_send()->set_conversation_id(conversation);
  f.mutable_send()->set_text(text);
  f.mutable_send()->set_client_msg_id(client_msg_id);
  return f;
}
inline v1::ClientFrame send_to(const std::string& user, const std::string& text,
                               const std::string& client_msg_id) {
  v1::ClientFrame f;
  f.mutable_send()->set_to_user(user);
  f.mutable_send()->set_text(text);
  f.mutable_send()->set_client_msg_id(client_msg_id);
  return f;
}
inline v1::ClientFrame create_group(const std::string& title, std::vector<std::string> members,
                                    bool shared_history = false) {
  v1::ClientFrame f;
  auto* g = f.mutable_create_group();
  g->set_title(title);
  for (auto& m : members) g->add_members(m);
  g->set_shared_history(shared_history);
  return f;
}
inline v1::ClientFrame group(std::int64_t conversation, v1::GroupAction action,
                             std::vector<std::string> users = {}, const std::string& title = {},
                             v1::MemberRole role = v1::MEMBER) {
  v1::ClientFrame f;
  auto* g = f.mutable_group_change();
  g->set_conversation_id(conversation);
  g->set_action(action);
  for (auto& u : users) g->add_usernames(u);
  g->set_title(title);
  g->set_role(role);
  return f;
}
inline v1::ClientFrame react(std::int64_t conversation, std::int64_t seq, const std::string& emoji,
                             bool remove = false) {
  v1::ClientFrame f;
  auto* r = f.mutable_react();
  r->set_conversation_id(conversation);
  r->set_seq(seq);
  r->set_emoji(emoji);
  r->set_remove(remove);
  return f;
}
inline v1::ClientFrame mark_read(std::int64_t conversation, std::int64_t seq) {
  v1::ClientFrame f;
  f.mutable_mark_read()->set_conversation_id(conversation);
  f.mutable_mark_read()->set_seq(seq);
  return f;
}
inline v1::ClientFrame remove(std::int64_t conversation, std::int64_t seq, bool for_everyone) {
  v1::ClientFrame f;
  f.mutable_delete_message()->set_conversation_id(conversation);
  f.mutable_delete_message()->set_seq(seq);
  f.mutable_delete_message()->set_for_everyone(for_everyone);
  return f;
}
inline v1::ClientFrame edit(std::int64_t conversation, std::int64_t seq, const std::string& text) {
  v1::ClientFrame f;
  f.mutable_edit()->set_conversation_id(conversation);
  f.mutable_edit()->set_seq(seq);
  f.mutable_edit()->set_text(text);
  return f;
}
inline v1::ClientFrame settings(std::int64_t conversation, std::optional<bool> muted,
                                std::optional<std::string> nickname) {
  v1::ClientFrame f;
  auto* s = f.mutable_chat_settings();
  s->set_conversation_id(conversation);
  if (muted) s->set_muted(*muted);
  if (nickname) s->set_nickname(*nickname);
  return f;
}
inline v1::ClientFrame contact(const std::string& user, v1::ContactAction action) {
  v1::ClientFrame f;
  f.mutable_contact()->set_username(user);
  f.mutable_contact()->set_action(action);
  return f;
}
inline v1::ClientFrame list_contacts() {
  v1::ClientFrame f;
  f.mutable_list_contacts();
  return f;
}
inline v1::ClientFrame list_conversations() {
  v1::ClientFrame f;
  f.mutable_list_conversations();
  return f;
}
inline v1::ClientFrame typing(std::int64_t conversation) {
  v1::ClientFrame f;
  f.mutable_typing()->set_conversation_id(conversation);
  return f;
}
inline v1::ClientFrame history(std::int64_t conversation, std::int64_t after_seq,
                               std::uint32_t limit = 200) {
  v1::ClientFrame f;
  f.mutable_history()->set_conversation_id(conversation);
  f.mutable_history()->set_after_seq(after_seq);
  f.mutable_history()->set_limit(limit);
  return f;
}
inline v1::ClientFrame sync(std::int64_t user_seq) {
  v1::ClientFrame f;
  f.mutable_sync()->set_user_seq(user_seq);
  return f;
}
inline v1::ClientFrame open_direct(const std::string& user) {
  v1::ClientFrame f;
  f.mutable_open_direct()->set_username(user);
  return f;
}

}  // namespace frames

// What filling the store with 16 KB messages ("fill-N") from one user to another came to.
struct Fill {
  int acked = 0;
  std::int64_t conversation = 0;
  std::string refused_id;  // the first send refused; empty when none was
  v1::Error refusal;
};

// Sends until one is refused or `max` were acked; client_msg_ids are prefix + a count, so a
// second fill needs a prefix of its own (or it resends the first one's, which are acked as
// duplicates without being stored again).
inline Fill send_until_refused(Device& sender, const std::string& to_user, int max,
                               const std::string& prefix = "fill-") {
  Fill fill;
  for (int i = 0; fill.acked < max; ++i) {
    const std::string id = prefix + std::to_string(i);
    auto answer = sender.client->request(frames::send_to(to_user, std::string(16 * 1024, 'z'), id));
    if (!answer) {
      ADD_FAILURE() << "no answer to " << id;
      break;
    }
    if (answer->has_error()) {
      fill.refused_id = id;
      fill.refusal = answer->error();
      break;
    }
    fill.conversation = answer->send_ack().conversation_id();
    ++fill.acked;
  }
  return fill;
}

// How many entries `reader` can read in the conversation, paging through its history.
inline int count_stored(Device& reader, std::int64_t conversation) {
  int stored = 0;
  std::int64_t after = 0;
  while (true) {
    auto page = reader.ok(frames::history(conversation, after, 200)).history();
    stored += page.messages_size();
    if (page.messages_size() == 0 || !page.has_more()) break;
    after = page.messages(page.messages_size() - 1).seq();
  }
  return stored;
}
}  // namespace parley::testing
