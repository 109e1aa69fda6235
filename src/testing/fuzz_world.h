// What a session fuzz target runs a gateway session over: a real Core under the deterministic
// ManualExecutor (two shards), on a real SQLite store in a fresh temporary directory (in memory
// where /dev/shm exists), and a peer user whose session swallows what core pushes to it. No test
// framework: a setup failure aborts, as a fuzz target must.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "bus/local/local_bus.h"
#include "core/accounts.h"
#include "core/core.h"
#include "store/sqlite/sqlite_store.h"
#include "temp_dir.h"
#include "testing/manual_executor.h"

namespace parley::testing {

class FuzzWorld {
 public:
  FuzzWorld() {
    require(!dir_.path().empty(), "no temporary directory");
    auto store = store::sqlite::SqliteStore::open(
        {.path = dir_.path() + "/parley.db",
         .durability_fsync = false,
         .write_context = [this](StoreTask task) { ex_.post_store_write(std::move(task)); }});
    require(store.has_value(), "the store does not open");
    store_ = std::move(*store);
    bus_ = std::make_unique<bus::LocalBus>(ex_);
    core_ = std::make_unique<Core>(ex_, *store_, *bus_, config());
  }

  ~FuzzWorld() {
    if (peer_) ex_.on_shard(1, [&] { core_->close_session(peer_->handle); });
    ex_.run_until_idle();
    core_.reset();
    bus_.reset();
    store_.reset();
  }

  FuzzWorld(const FuzzWorld&) = delete;
  FuzzWorld& operator=(const FuzzWorld&) = delete;

  ManualExecutor& ex() { return ex_; }
  Core& core() { return *core_; }

  // Registers `name` on `shard` and runs until the answer is in.
  AuthGrant register_user(const std::string& name, const std::string& password, ShardId shard,
                          const std::string& device_key) {
    std::optional<Result<AuthGrant>> grant;
    ex_.on_shard(shard, [&] {
      core_->accounts().register_account({name, password, "fuzz", "192.0.2.8", device_key},
                                         [&](Result<AuthGrant> g) { grant.emplace(std::move(g)); });
    });
    ex_.run_until_idle();
    if (grant && !*grant)
      std::fprintf(stderr, "%s: %s\n", name.c_str(), grant->error().message.c_str());
    require(grant && *grant, "a fuzz user cannot register");
    return **grant;
  }

  // Registers the peer on shard 1 and keeps a session of it attached there; its identity.
  const SessionIdentity& start_peer(const std::string& name, const std::string& password) {
    const AuthGrant grant = register_user(name, password, 1, name + "-device");
    peer_ = std::make_unique<Peer>();
    ex_.on_shard(1, [&] {
      peer_->handle = core_->open_session(peer_->sink);
      peer_->who = core_->attach(peer_->handle, grant);
    });
    ex_.run_until_idle();
    return peer_->who;
  }
  bool has_peer() const { return peer_ != nullptr; }
  const SessionIdentity& peer() const { return peer_->who; }

 private:
  class NullSink final : public SessionSink {
   public:
    void on_event(std::shared_ptr<const Event>) override {}
    void on_kicked(Errc) override {}
  };
  struct Peer {
    NullSink sink;
    SessionHandle handle;
    SessionIdentity who;
  };

  static CoreConfig config() {
    CoreConfig config;
    config.password_hash.ops_limit = 1;  // fast, real argon2id
    config.password_hash.mem_limit_bytes = 8 * 1024;
    config.login_limits.registrations_per_address = 1'000;
    return config;
  }

  static void require(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "fuzz world: %s\n", what);
    std::abort();
  }

  TempDir dir_{std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp"};
  ManualExecutor ex_{2};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<bus::LocalBus> bus_;
  std::unique_ptr<Core> core_;
  std::unique_ptr<Peer> peer_;
};

}  // namespace parley::testing
