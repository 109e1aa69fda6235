// Core under a deterministic executor, over a real SQLite store in a temporary directory: the
// fixture of core's unit tests. Sessions are recording sinks; calls run on a chosen shard and the
// test decides which queues drain in which order.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bus/local/local_bus.h"
#include "core/accounts.h"
#include "core/chat.h"
#include "core/contacts.h"
#include "core/core.h"
#include "core/messaging.h"
#include "store/sqlite/sqlite_store.h"
#include "temp_dir.h"
#include "testing/manual_executor.h"

namespace parley::testing {

// A session that remembers what core pushed to it.
class RecordingSink final : public SessionSink {
 public:
  void on_event(std::shared_ptr<const Event> event) override { events.push_back(std::move(event)); }
  void on_kicked(Errc reason) override { kicked.push_back(reason); }

  // The message entries received, in arrival order.
  std::vector<Message> messages() const {
    std::vector<Message> out;
    for (const auto& e : events) {
      if (const auto* m = std::get_if<MessageEvent>(&e->body())) out.push_back(m->message);
    }
    return out;
  }
  template <class T>
  std::vector<T> of() const {
    std::vector<T> out;
    for (const auto& e : events) {
      if (const auto* x = std::get_if<T>(&e->body())) out.push_back(*x);
    }
    return out;
  }

  std::vector<std::shared_ptr<const Event>> events;
  std::vector<Errc> kicked;
};

// One attached device session.
struct TestSession {
  std::unique_ptr<RecordingSink> sink = std::make_unique<RecordingSink>();
  SessionHandle handle;
  SessionIdentity who;
};

inline CoreConfig fast_core_config() {
  CoreConfig config;
  config.password_hash.ops_limit = 1;
  config.password_hash.mem_limit_bytes = 8 * 1024;
  config.login_limits.registrations_per_address = 100'000;  // tests register many users
  return config;
}

class CoreHarness : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    auto store = store::sqlite::SqliteStore::open(
        {.path = dir_.path() + "/parley.db",
         .write_context = [this](StoreTask task) { ex_.post_store_write(std::move(task)); }});
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
    start_core();
  }
  void TearDown() override {
    sessions_.clear();
    core_.reset();
    bus_.reset();
    store_.reset();
  }

  // A new Core over the same store: what a restart of parleyd looks like to core.
  void restart() {
    for (auto& s : sessions_) {
      if (s->handle.id != 0)
        ex_.on_shard(s->handle.shard, [&] { core_->close_session(s->handle); });
    }
    ex_.run_until_idle();
    sessions_.clear();
    core_.reset();
    bus_.reset();
    start_core();
  }

  // Runs `call(core, done)` on `shard`, drains every queue, and returns what `done` received.
  template <class T, class Call>
  Result<T> sync_call(ShardId shard, Call call) {
    std::optional<Result<T>> out;
    ex_.on_shard(shard, [&] { call(*core_, [&out](Result<T> r) { out.emplace(std::move(r)); }); });
    ex_.run_until_idle();
    EXPECT_TRUE(out.has_value()) << "the callback never ran";
    if (!out) return fail(Errc::internal, "no answer");
    return std::move(*out);
  }

  AuthGrant register_user(const std::string& name, const std::string& device_key = {}) {
    auto grant = sync_call<AuthGrant>(0, [&](Core& core, Callback<AuthGrant> done) {
      core.accounts().register_account({name, "password-" + name, "test", "127.0.0.1", device_key},
                                       std::move(done));
    });
    EXPECT_TRUE(grant) << name << ": " << grant.error().message;
    return grant.value_or(AuthGrant{});
  }

  // Opens and attaches a session for `grant` on `shard`.
  TestSession& attach(const AuthGrant& grant, ShardId shard = 0) {
    auto& s = *sessions_.emplace_back(std::make_unique<TestSession>());
    ex_.on_shard(shard, [&] {
      s.handle = core_->open_session(*s.sink);
      s.who = core_->attach(s.handle, grant);
    });
    ex_.run_until_idle();
    return s;
  }

  void close(TestSession& s) {
    ex_.on_shard(s.handle.shard, [&] { core_->close_session(s.handle); });
    s.handle.id = 0;
    ex_.run_until_idle();
  }

  Result<SendAck> send(TestSession& s, ConversationId conversation, const std::string& text,
                       const std::string& client_msg_id) {
    return sync_call<SendAck>(s.handle.shard, [&](Core& core, Callback<SendAck> done) {
      core.messaging().send(s.who, SendCommand{{}, conversation, client_msg_id, text},
                            std::move(done));
    });
  }

  Result<Conversation> create_group(TestSession& s, const std::string& title,
                                    std::vector<std::string> members) {
    return sync_call<Conversation>(s.handle.shard, [&](Core& core, Callback<Conversation> done) {
      core.chat().create_group(s.who, title, std::move(members), false, std::move(done));
    });
  }

  Result<Conversation> change_group(TestSession& s, GroupCommand command) {
    return sync_call<Conversation>(s.handle.shard, [&](Core& core, Callback<Conversation> done) {
      core.chat().change_group(s.who, std::move(command), std::move(done));
    });
  }

  Result<void> contact(TestSession& s, const std::string& peer, ContactAction action) {
    return sync_call<void>(s.handle.shard, [&](Core& core, Callback<void> done) {
      core.contacts().contact(s.who, peer, action, std::move(done));
    });
  }

  // Makes `a` and `b` accepted contacts.
  void befriend(TestSession& a, TestSession& b) {
    ASSERT_TRUE(contact(a, b.who.username, ContactAction::request));
    ASSERT_TRUE(contact(b, a.who.username, ContactAction::accept));
  }

  CoreConfig config_ = fast_core_config();
  TempDir dir_;
  ManualExecutor ex_{2};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<bus::LocalBus> bus_;
  std::unique_ptr<Core> core_;
  std::vector<std::unique_ptr<TestSession>> sessions_;

 private:
  void start_core() {
    bus_ = std::make_unique<bus::LocalBus>(ex_);
    core_ = std::make_unique<Core>(ex_, *store_, *bus_, config_);
  }
};

}  // namespace parley::testing
