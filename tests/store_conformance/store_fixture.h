// The store conformance suite: every behaviour core relies on from the Store port, run against
// each backend through the same factory the server uses (store/factory). A backend passes it
// unchanged; the PostgreSQL one of the cluster issue adds a row to conformance_backends().
// Tests here speak only the port: no SQL, no file. What is one backend's own (its migrations,
// its file) is tested beside that backend (src/store/sqlite/*_test.cc).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "codec/system_event_json.h"
#include "core/store.h"
#include "store/factory/open_store.h"
#include "temp_dir.h"
#include "testing/store_rows.h"

namespace parley::store {

// One backend as the suite opens it: a fresh, empty store in `dir` per test.
struct ConformanceBackend {
  std::string name;
  Result<std::unique_ptr<Store>> (*open)(const std::string& dir);
};

inline std::vector<ConformanceBackend> conformance_backends() {
  return {{"sqlite", [](const std::string& dir) {
             return open_store({.backend = "sqlite", .data_dir = dir});
           }}};
}

inline std::string backend_name(const ::testing::TestParamInfo<ConformanceBackend>& info) {
  return info.param.name;
}

class StoreConformance : public ::testing::TestWithParam<ConformanceBackend> {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    auto opened = GetParam().open(dir_.path());
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }
  void TearDown() override { store_.reset(); }

  UserId user(const std::string& name) { return testing::make_user(*store_, name); }
  DeviceId device(UserId owner, const std::string& token_hash) {
    return testing::make_device(*store_, owner, token_hash);
  }
  static AppendRequest text(ConversationId conversation, UserId sender, std::string client_id,
                            std::string body = "hi") {
    return testing::text_request(conversation, sender, std::move(client_id), std::move(body));
  }
  Result<AppendOutcome> append_one(const AppendRequest& request) {
    return testing::append_one(*store_, request);
  }

  parley::testing::TempDir dir_;  // declared before store_: removed after the store is closed
  std::unique_ptr<Store> store_;
};

// Edits, deletions, reactions, delete-for-me, read positions and the conversation list.
class ChatConformance : public StoreConformance {
 protected:
  static AppendRequest change(ConversationId id, UserId sender, std::string client_id,
                              MessageKind kind, Seq target, std::string body = {},
                              TimeMs now = 6000) {
    return AppendRequest{.conversation_id = id,
                         .sender_id = sender,
                         .sender_device_id = 1,
                         .client_msg_id = std::move(client_id),
                         .kind = kind,
                         .text = std::move(body),
                         .target_seq = target,
                         .now = now};
  }
  Errc error_of(const AppendRequest& request) {
    auto outcome = append_one(request);
    EXPECT_FALSE(outcome) << "seq " << outcome->message.seq;
    return outcome ? Errc::internal : outcome.error().code;
  }
  Message only(const Viewer& viewer, ConversationId id, Seq seq) {
    auto page = store_->view_after(viewer, id, seq - 1, 1);
    EXPECT_TRUE(page && page->size() == 1);
    return page && !page->empty() ? page->front() : Message{};
  }
};

// Groups, contacts and blocks.
class GroupConformance : public StoreConformance {
 protected:
  // A system entry's event as clients read it; its text stays empty (the event is typed).
  static std::string json(const Message& m) {
    EXPECT_EQ(m.kind, MessageKind::system);
    EXPECT_EQ(m.text, "");
    return m.system ? codec::system_event_json(*m.system) : "(no system event)";
  }
  Result<GroupOutcome> act(ConversationId id, UserId actor, GroupAction action,
                           std::vector<UserId> users = {}, std::string title = {},
                           MemberRole role = MemberRole::member, std::size_t max = 10'000) {
    return store_->change_group(GroupChange{.conversation_id = id,
                                            .actor = actor,
                                            .action = action,
                                            .users = std::move(users),
                                            .title = std::move(title),
                                            .role = role,
                                            .max_members = max,
                                            .now = 7000});
  }
  Errc error_of(const Result<GroupOutcome>& outcome) {
    EXPECT_FALSE(outcome);
    return outcome ? Errc::internal : outcome.error().code;
  }
  MemberRole role_of(ConversationId id, UserId user) {
    auto conversation = store_->conversation(id);
    for (const Member& m : conversation->members) {
      if (m.user_id == user) return m.role;
    }
    ADD_FAILURE() << "no member " << user;
    return MemberRole::member;
  }
};

using testing::seqs;

}  // namespace parley::store
