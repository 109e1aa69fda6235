// Accounts under attack (issue 8, items 4, 6, 7 and 14): rate limits that parallel guesses cannot
// bypass, hashing on its own bounded pool, tokens whose revocation and expiry end every session.
#include <gtest/gtest.h>

#include <algorithm>

#include "testing/core_harness.h"

namespace parley::testing {
namespace {

class Accounts : public CoreHarness {
 protected:
  // Starts `count` logins on shard 0 before any of them is checked, as parallel connections do.
  std::vector<Result<AuthGrant>> parallel_logins(int count, const std::string& user,
                                                 const std::string& password_of_last,
                                                 const std::string& address = "10.0.0.1") {
    std::vector<std::optional<Result<AuthGrant>>> answers(static_cast<std::size_t>(count));
    ex_.on_shard(0, [&] {
      for (int i = 0; i < count; ++i) {
        const std::string password =
            i + 1 == count ? password_of_last : "wrong-guess-" + std::to_string(i);
        core_->accounts().login(
            {user, password, "guess", address},
            [&answers, i](Result<AuthGrant> r) { answers[i].emplace(std::move(r)); });
      }
    });
    ex_.run_until_idle();
    std::vector<Result<AuthGrant>> out;
    for (auto& a : answers) {
      EXPECT_TRUE(a.has_value());
      if (a) out.push_back(std::move(*a));
    }
    return out;
  }
  static int count(const std::vector<Result<AuthGrant>>& answers, std::optional<Errc> code) {
    int n = 0;
    for (const auto& a : answers) {
      if (code ? (!a && a.error().code == *code) : a.has_value()) ++n;
    }
    return n;
  }
};

TEST_F(Accounts, ParallelGuessesCannotBypassThePerAccountLimit) {
  register_user("alice");
  const auto answers = parallel_logins(40, "alice", "password-alice");
  EXPECT_LE(count(answers, Errc::invalid_credentials),
            config_.login_limits.max_failures_per_account)
      << "every parallel guess had its password checked";
  EXPECT_EQ(count(answers, std::nullopt), 0) << "the right password, guessed 40th, got in";
  EXPECT_GE(count(answers, Errc::rate_limited), 35);
}

TEST_F(Accounts, ARateLimitedLoginSaysWhenToRetry) {
  register_user("alice");
  const auto answers = parallel_logins(10, "alice", "still-wrong");
  const auto limited = std::find_if(answers.begin(), answers.end(), [](const auto& a) {
    return !a && a.error().code == Errc::rate_limited;
  });
  ASSERT_NE(limited, answers.end());
  EXPECT_GT(limited->error().retry_after_ms, 0u);
  EXPECT_LE(static_cast<TimeMs>(limited->error().retry_after_ms), config_.login_limits.window_ms);
}

// A stolen session must not be a password oracle: wrong old passwords to change_password count
// against the account like failed logins, parallel ones included.
TEST_F(Accounts, WrongOldPasswordsAreLimitedLikeFailedLogins) {
  const AuthGrant alice = register_user("alice");
  TestSession& a = attach(alice, 0);
  std::vector<std::optional<Result<void>>> answers(40);
  ex_.on_shard(0, [&] {
    for (std::size_t i = 0; i < answers.size(); ++i) {
      const std::string old_password =
          i + 1 == answers.size() ? "password-alice" : "guess-" + std::to_string(i);
      core_->accounts().change_password(
          a.who, old_password, "a-new-password",
          [&answers, i](Result<void> r) { answers[i].emplace(std::move(r)); });
    }
  });
  ex_.run_until_idle();
  int checked = 0, limited = 0;
  for (const auto& answer : answers) {
    ASSERT_TRUE(answer.has_value());
    ASSERT_FALSE(*answer) << "the right old password, guessed 40th, changed the password";
    if (answer->error().code == Errc::invalid_credentials) ++checked;
    if (answer->error().code == Errc::rate_limited) {
      ++limited;
      EXPECT_GT(answer->error().retry_after_ms, 0u);
    }
  }
  EXPECT_LE(checked, config_.login_limits.max_failures_per_account);
  EXPECT_GE(limited, 35);
  // Logins to the account are limited by the same count.
  EXPECT_EQ(count(parallel_logins(1, "alice", "password-alice"), Errc::rate_limited), 1);
}

TEST_F(Accounts, ParallelGuessesCannotBypassThePerAddressLimit) {
  std::vector<std::string> names;
  for (int i = 0; i < 10; ++i) names.push_back(register_user("user" + std::to_string(i)).username);
  int checked = 0;
  for (const auto& name : names) {
    checked += count(parallel_logins(4, name, "also-wrong"), Errc::invalid_credentials);
  }
  EXPECT_LE(checked, config_.login_limits.max_failures_per_address);
}

TEST_F(Accounts, ARightPasswordStillLogsInAndDoesNotCountAsAFailure) {
  register_user("alice");
  for (int i = 0; i < 10; ++i) {
    const auto answers = parallel_logins(1, "alice", "password-alice");
    ASSERT_EQ(count(answers, std::nullopt), 1) << "login " << i;
  }
}

TEST_F(Accounts, RegistrationIsRateLimitedPerAddress) {
  config_.login_limits.registrations_per_address = 10;
  restart();
  int ok = 0, limited = 0;
  for (int i = 0; i < 40; ++i) {
    auto grant = sync_call<AuthGrant>(0, [&](Core& core, Callback<AuthGrant> done) {
      core.accounts().register_account(
          {"bulk" + std::to_string(i), "a-good-password", "d", "10.9.9.9"}, std::move(done));
    });
    if (grant) ++ok;
    if (!grant && grant.error().code == Errc::rate_limited) ++limited;
  }
  EXPECT_EQ(ok, static_cast<int>(config_.login_limits.registrations_per_address));
  EXPECT_EQ(limited, 40 - ok);
  // Another address is not affected.
  auto other = sync_call<AuthGrant>(0, [&](Core& core, Callback<AuthGrant> done) {
    core.accounts().register_account({"elsewhere", "a-good-password", "d", "10.9.9.10"},
                                     std::move(done));
  });
  EXPECT_TRUE(other) << other.error().message;
}

TEST_F(Accounts, ATakenNameIsRefusedWithoutHashing) {
  register_user("alice");
  std::optional<Result<AuthGrant>> answer;
  ex_.on_shard(0, [&] {
    core_->accounts().register_account({"ALICE", "another-password", "d", "10.0.0.2"},
                                       [&](Result<AuthGrant> r) { answer.emplace(std::move(r)); });
  });
  // Everything but the hashing pool runs: the answer must come without a hash.
  for (int i = 0; i < 10 && !answer; ++i) {
    ex_.run_without_blocking();
    while (ex_.run_blocking_one()) ex_.run_without_blocking();
  }
  EXPECT_EQ(ex_.hashing_queued(), 0u) << "a taken name cost a password hash";
  ASSERT_TRUE(answer.has_value());
  ASSERT_FALSE(*answer);
  EXPECT_EQ(answer->error().code, Errc::username_taken);
}

TEST_F(Accounts, PasswordHashingRunsOnItsOwnPoolNotOnTheStoreReadPool) {
  std::optional<Result<AuthGrant>> answer;
  ex_.on_shard(0, [&] {
    core_->accounts().register_account({"bob", "bob-password", "d", "10.0.0.3"},
                                       [&](Result<AuthGrant> r) { answer.emplace(std::move(r)); });
  });
  ex_.run_without_blocking();
  while (ex_.run_blocking_one()) ex_.run_without_blocking();
  EXPECT_EQ(ex_.hashing_queued(), 1u);
  EXPECT_FALSE(answer.has_value());
  ex_.run_until_idle();
  ASSERT_TRUE(answer && *answer);
}

}  // namespace
}  // namespace parley::testing

namespace parley::testing {
namespace {

class Tokens : public CoreHarness {};

// A resume reads the token, then a logout of that device revokes it and kicks its sessions before
// the resumed session is registered: the kick missed it, so core must catch it another way.
TEST_F(Tokens, AResumeRacingALogoutStillEndsTheResumedSession) {
  const AuthGrant alice = register_user("alice");
  ASSERT_EQ(core_->config().token_ttl_ms > 0, true);
  const ShardId home = static_cast<ShardId>(alice.user_id % 2);
  const ShardId other = 1 - home;
  TestSession& a = attach(alice, home);

  RecordingSink resumed;
  SessionHandle handle;
  ex_.on_shard(other, [&] {
    handle = core_->open_session(resumed);
    core_->accounts().resume(alice.token, [&](Result<AuthGrant> grant) {
      ASSERT_TRUE(grant) << grant.error().message;
      core_->attach(handle, *grant);
    });
  });
  ASSERT_TRUE(ex_.run_blocking_one());  // the token is read: still valid
  ex_.on_shard(home,
               [&] { core_->accounts().logout(a.who, [](Result<void> r) { EXPECT_TRUE(r); }); });
  ASSERT_TRUE(ex_.run_writer_one());  // revoked, and the kick goes to the home shard...
  while (ex_.run_shard_one(home)) {
  }  // ...which runs it before the resume attaches
  ex_.run_until_idle();
  EXPECT_EQ(resumed.kicked, std::vector<Errc>{Errc::token_invalid});
  ex_.on_shard(other, [&] { core_->close_session(handle); });
  ex_.run_until_idle();
}

// The same race with a password change on another device: the resumed device's token is
// revoked and its sessions kicked after the resume read it but before the resumed session is
// registered; the check after the attach must still end it.
TEST_F(Tokens, AResumeRacingAPasswordChangeStillEndsTheResumedSession) {
  // Alice's home is shard 0, where the password change counts its attempt too (user ids start
  // at 1 and a user's home is id % 2); the resume answers on shard 1, left waiting.
  register_user("zed");
  const AuthGrant laptop = register_user("alice");
  ASSERT_EQ(laptop.user_id % 2, 0);
  auto phone = sync_call<AuthGrant>(0, [&](Core& core, Callback<AuthGrant> done) {
    core.accounts().login({"alice", "password-alice", "phone", "127.0.0.1"}, std::move(done));
  });
  ASSERT_TRUE(phone) << phone.error().message;
  const ShardId home = 0;
  const ShardId other = 1;
  TestSession& a = attach(laptop, home);

  RecordingSink resumed;
  SessionHandle handle;
  ex_.on_shard(other, [&] {
    handle = core_->open_session(resumed);
    core_->accounts().resume(phone->token, [&](Result<AuthGrant> grant) {
      ASSERT_TRUE(grant) << grant.error().message;
      core_->attach(handle, *grant);
    });
  });
  ASSERT_TRUE(ex_.run_blocking_one());  // the phone's token is read: still valid
  std::optional<Result<void>> changed;
  ex_.on_shard(home, [&] {
    core_->accounts().change_password(a.who, "password-alice", "the-new-password",
                                      [&](Result<void> r) { changed.emplace(std::move(r)); });
  });
  // The change runs to its end (hash, commit, kicks) while the resume's answer waits on `other`.
  while (ex_.run_shard_one(home) || ex_.run_blocking_one() || ex_.run_hashing_one() ||
         ex_.run_writer_one()) {
  }
  ASSERT_TRUE(changed.has_value());
  ASSERT_TRUE(*changed) << changed->error().message;
  EXPECT_TRUE(resumed.kicked.empty()) << "not registered yet: the kick missed it";
  ex_.run_until_idle();
  EXPECT_EQ(resumed.kicked, std::vector<Errc>{Errc::token_invalid});
  EXPECT_TRUE(a.sink->kicked.empty()) << "the device that changed the password keeps its session";
  ex_.on_shard(other, [&] { core_->close_session(handle); });
  ex_.run_until_idle();
}

// A session logs out while the check that follows its attach is still queued: that check then
// finds the token revoked, by this session's own logout. The session asked for it, so it gets its
// logout answer and stays connected, unauthenticated; it is not kicked.
TEST_F(Tokens, ALogoutIsNotKickedByTheCheckOfItsOwnAttach) {
  const AuthGrant alice = register_user("alice");
  const ShardId shard = static_cast<ShardId>(alice.user_id % 2);
  RecordingSink sink;
  SessionHandle handle;
  SessionIdentity who;
  ex_.on_shard(shard, [&] {
    handle = core_->open_session(sink);
    who = core_->attach(handle, alice);
  });
  while (ex_.run_shards() > 0) {
  }  // the attach is registered and its token check queued, not run
  std::optional<Result<void>> logged_out;
  ex_.on_shard(shard, [&] {
    core_->accounts().logout(who, [&](Result<void> r) { logged_out.emplace(std::move(r)); });
  });
  while (ex_.run_shards() > 0) {
  }
  ASSERT_TRUE(ex_.run_writer_one());    // revoked
  ASSERT_TRUE(ex_.run_blocking_one());  // the attach's check reads the revoked token
  ex_.run_until_idle();
  ASSERT_TRUE(logged_out.has_value());
  EXPECT_TRUE(*logged_out);
  EXPECT_TRUE(sink.kicked.empty());
  ex_.on_shard(shard, [&] { core_->close_session(handle); });
  ex_.run_until_idle();
}

// A login checked against the old password must not get a token once the new one is stored.
TEST_F(Tokens, ALoginWithTheOldPasswordRacingAPasswordChangeIsRefused) {
  const AuthGrant alice = register_user("alice");
  TestSession& a = attach(alice, 0);
  std::optional<Result<AuthGrant>> login;
  ex_.on_shard(1, [&] {
    core_->accounts().login({"alice", "password-alice", "d", "10.0.0.4"},
                            [&](Result<AuthGrant> r) { login.emplace(std::move(r)); });
  });
  ex_.run_without_blocking();
  ASSERT_TRUE(ex_.run_blocking_one());  // the login read the old hash; its check is queued
  std::optional<Result<void>> changed;
  ex_.on_shard(0, [&] {
    core_->accounts().change_password(a.who, "password-alice", "the-new-password",
                                      [&](Result<void> r) { changed.emplace(std::move(r)); });
  });
  ex_.run_without_blocking();
  ASSERT_TRUE(ex_.run_blocking_one());
  ASSERT_EQ(ex_.hashing_queued(), 2u);
  ASSERT_TRUE(ex_.run_hashing_at(1));  // the change hashes first and commits
  ex_.run_without_blocking();
  ASSERT_TRUE(changed && *changed);
  ex_.run_until_idle();  // then the login's check of the old password passes...
  ASSERT_TRUE(login.has_value());
  ASSERT_FALSE(*login) << "a token was issued for the old password";
  EXPECT_EQ(login->error().code, Errc::invalid_credentials);
}

TEST_F(Tokens, AKnownDeviceKeyReusesItsDeviceAndEndsTheOldToken) {
  const AuthGrant first = register_user("alice", "laptop-key");
  TestSession& old_session = attach(first, 0);
  auto again = sync_call<AuthGrant>(1, [&](Core& core, Callback<AuthGrant> done) {
    core.accounts().login({"alice", "password-alice", "laptop", "10.0.0.5", "laptop-key"},
                          std::move(done));
  });
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->device_id, first.device_id);
  EXPECT_EQ(old_session.sink->kicked, std::vector<Errc>{Errc::token_invalid});
  auto stale = sync_call<AuthGrant>(1, [&](Core& core, Callback<AuthGrant> done) {
    core.accounts().resume(first.token, std::move(done));
  });
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, Errc::token_invalid);
  auto other = sync_call<AuthGrant>(1, [&](Core& core, Callback<AuthGrant> done) {
    core.accounts().login({"alice", "password-alice", "phone", "10.0.0.5", "phone-key"},
                          std::move(done));
  });
  ASSERT_TRUE(other);
  EXPECT_NE(other->device_id, first.device_id);
  auto plain = sync_call<AuthGrant>(1, [&](Core& core, Callback<AuthGrant> done) {
    core.accounts().login({"alice", "password-alice", "web", "10.0.0.5"}, std::move(done));
  });
  ASSERT_TRUE(plain);
  EXPECT_NE(plain->device_id, other->device_id);
}

TEST_F(Tokens, ASessionEndsWhenItsTokenExpires) {
  config_.token_ttl_ms = 5'000;
  config_.session_sweep_ms = 1'000;
  restart();
  const AuthGrant alice = register_user("alice");
  TestSession& s = attach(alice, 0);
  ex_.advance(3'000);
  EXPECT_TRUE(s.sink->kicked.empty());
  ex_.advance(3'000);
  EXPECT_EQ(s.sink->kicked, std::vector<Errc>{Errc::token_invalid});
}

}  // namespace
}  // namespace parley::testing

namespace parley::testing {
namespace {

class CoreContract : public CoreHarness {};

// Shard state touched from a thread that is not a shard used to get shard 0's state silently.
TEST_F(CoreContract, ACallFromOffTheShardsStopsInsteadOfCorruptingShardZero) {
  RecordingSink sink;
  EXPECT_DEATH(core_->open_session(sink), "off the shard threads");
}

}  // namespace
}  // namespace parley::testing
