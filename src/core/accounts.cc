// Accounts family: register, login (with failure rate limits), resume, logout, change password.
// Password hashing runs on its own bounded pool; every limit counts an attempt when it starts;
// a token revoked while a session is being attached still ends that session.
#include <algorithm>

#include "common/utf8.h"
#include "core/core_internal.h"
#include "core/password.h"
#include "core/username.h"

namespace parley {
namespace {

constexpr std::size_t kMaxDeviceKeyBytes = 128;

}  // namespace

Core::Accounts::Accounts(Core& core) : core_(core) {
  // A real argon2id hash to verify against when the username does not exist, so a wrong username
  // costs the same time as a wrong password.
  dummy_hash_ = hash_password("parley-dummy-password", core_.config_.password_hash).value_or("");
}

Result<void> Core::Accounts::validate_password(std::string_view password) const {
  if (password.size() < core_.config_.min_password_bytes) {
    return fail(Errc::weak_password, "password must have at least " +
                                         std::to_string(core_.config_.min_password_bytes) +
                                         " bytes");
  }
  if (password.size() > core_.config_.max_password_bytes) {
    return fail(Errc::invalid_argument, "password too long");
  }
  return {};
}

Result<std::string> Core::Accounts::validate_device_name(std::string device_name) const {
  if (device_name.size() > core_.config_.max_device_name_bytes) {
    return fail(Errc::invalid_argument, "device name too long");
  }
  if (!is_valid_utf8(device_name)) return fail(Errc::invalid_utf8, "device name is not UTF-8");
  if (device_name.empty()) device_name = "device";
  return device_name;
}

Result<void> Core::Accounts::validate_device_key(std::string_view device_key) const {
  if (device_key.size() > kMaxDeviceKeyBytes) {
    return fail(Errc::invalid_argument, "device_key over 128 bytes");
  }
  if (!is_valid_utf8(device_key)) return fail(Errc::invalid_utf8, "device_key is not UTF-8");
  return {};
}

bool Core::Accounts::admit_hashing(Task work) {
  if (hashing_in_flight_.fetch_add(1) >= core_.config_.login_limits.max_hashing_queue) {
    hashing_in_flight_.fetch_sub(1);
    return false;
  }
  core_.executor_.post_hashing([this, work = std::move(work)]() mutable {
    work();
    hashing_in_flight_.fetch_sub(1);
  });
  return true;
}

Result<AuthGrant> Core::Accounts::issue_device(const Credentials& user,
                                               const std::string& device_name,
                                               const std::string& device_key,
                                               const std::string* verified_hash) {
  if (verified_hash != nullptr) {
    // The writer serialises this with password changes: a login checked against the old
    // password must not get a token once the new one is stored.
    auto current = core_.store_.credentials_by_id(user.id);
    if (!current) return std::unexpected(current.error());
    if (current->password_hash != *verified_hash) {
      return fail(Errc::invalid_credentials, "wrong username or password");
    }
  }
  const TimeMs now = core_.executor_.now();
  std::string token = new_device_token();
  NewDevice device{user.id, device_name, token_hash(token), now + core_.config_.token_ttl_ms,
                   now,     device_key};
  auto id = core_.store_.create_device(device);
  if (!id) return std::unexpected(id.error());
  // A known device key names an existing device whose old token just stopped working: its
  // sessions end (this one is not attached yet, so it is not among them).
  if (!device_key.empty()) kick_devices(user.id, SessionHandle{}, *id, false);
  return AuthGrant{user.id,          user.username,           *id,
                   std::move(token), device.token_expires_at, device.token_hash};
}

void Core::Accounts::register_account(RegisterCommand command, Callback<AuthGrant> done) {
  if (!core_.config_.open_registration) {
    return done(fail(Errc::registration_closed, "registration is closed on this server"));
  }
  auto key = username_key(command.username);
  if (!key) {
    return done(fail(Errc::invalid_username,
                     "3-32 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit"));
  }
  if (auto ok = validate_password(command.password); !ok) return done(std::unexpected(ok.error()));
  if (auto ok = validate_device_key(command.device_key); !ok) {
    return done(std::unexpected(ok.error()));
  }
  auto device_name = validate_device_name(std::move(command.device_name));
  if (!device_name) return done(std::unexpected(device_name.error()));

  const ShardId origin = core_.local().id;
  auto finish = [this, origin, done = std::move(done)](Result<AuthGrant> result) mutable {
    core_.executor_.post(origin, [result = std::move(result), done = std::move(done)]() mutable {
      done(std::move(result));
    });
  };
  const TimeMs now = core_.executor_.now();
  // Counters live on shard 0: every registration counts from the moment it starts.
  core_.executor_.post(0, [this, now, command = std::move(command), key = *std::move(key),
                           device_name = *std::move(device_name),
                           finish = std::move(finish)]() mutable {
    auto& limit = core_.abuse_guard_->registrations_by_address;
    if (limit.reached(command.remote_address, now)) {
      return finish(fail(Errc::rate_limited, "too many registrations from this address",
                         retry_hint(limit.retry_after(command.remote_address, now))));
    }
    limit.add(command.remote_address, now);
    // A taken name is refused before any hashing: it must cost nothing.
    core_.executor_.post_blocking([this, command = std::move(command), key = std::move(key),
                                   device_name = std::move(device_name),
                                   finish = std::move(finish)]() mutable {
      auto existing = core_.store_.user_by_username(key);
      if (existing) return finish(fail(Errc::username_taken, "that name is taken"));
      if (existing.error().code != Errc::not_found) {
        return finish(std::unexpected(existing.error()));
      }
      auto shared_finish = std::make_shared<decltype(finish)>(std::move(finish));
      const bool admitted = admit_hashing([this, command = std::move(command), key = std::move(key),
                                           device_name = std::move(device_name),
                                           shared_finish]() mutable {
        auto hash = hash_password(command.password, core_.config_.password_hash);
        if (!hash) return (*shared_finish)(std::unexpected(hash.error()));
        core_.store_.post_write([this, username = std::move(command.username),
                                 device_key = std::move(command.device_key), key = std::move(key),
                                 hash = *std::move(hash), device_name = std::move(device_name),
                                 shared_finish]() mutable {
          auto user = core_.store_.create_user(username, key, hash, core_.executor_.now());
          if (!user) return (*shared_finish)(std::unexpected(user.error()));
          (*shared_finish)(
              issue_device(Credentials{*user, username, {}}, device_name, device_key, nullptr));
        });
      });
      if (!admitted)
        (*shared_finish)(fail(Errc::unavailable, "the server is busy; retry", kHashingRetryMs));
    });
  });
}

void Core::Accounts::login(LoginCommand command, Callback<AuthGrant> done) {
  if (auto ok = validate_device_key(command.device_key); !ok) {
    return done(std::unexpected(ok.error()));
  }
  auto device_name = validate_device_name(std::move(command.device_name));
  if (!device_name) return done(std::unexpected(device_name.error()));
  authenticate(
      std::move(command.username), std::move(command.password), std::move(command.remote_address),
      [this, device_name = *std::move(device_name), device_key = std::move(command.device_key),
       done = std::move(done)](Result<Credentials> user) mutable {
        if (!user) return done(std::unexpected(user.error()));
        open_device(*std::move(user), std::move(device_name), std::move(device_key),
                    std::move(done));
      });
}

void Core::Accounts::authenticate(std::string username, std::string password,
                                  std::string remote_address, Callback<Credentials> done) {
  auto key = username_key(username);
  if (!key || password.size() > core_.config_.max_password_bytes) {
    return done(fail(Errc::invalid_credentials, "wrong username or password"));
  }
  const ShardId origin = core_.local().id;
  const TimeMs now = core_.executor_.now();
  auto finish = std::make_shared<Callback<Credentials>>([this, origin, done = std::move(done)](
                                                            Result<Credentials> result) mutable {
    core_.executor_.post(origin, [result = std::move(result), done = std::move(done)]() mutable {
      done(std::move(result));
    });
  });
  // Counters live on shard 0 only. The attempt counts as a failure from now on, so parallel
  // guesses see each other; it is taken back if the password turns out right.
  core_.executor_.post(0, [this, now, key = *std::move(key), address = std::move(remote_address),
                           password = std::move(password), finish]() mutable {
    AbuseGuard& guard = *core_.abuse_guard_;
    if (guard.failures_by_account.reached(key, now) ||
        guard.failures_by_address.reached(address, now)) {
      const TimeMs wait = std::max(guard.failures_by_account.retry_after(key, now),
                                   guard.failures_by_address.retry_after(address, now));
      return (*finish)(
          fail(Errc::rate_limited, "too many failed logins; try again later", retry_hint(wait)));
    }
    guard.failures_by_account.add(key, now);
    guard.failures_by_address.add(address, now);
    auto take_back = [this, key, address, now] {
      core_.executor_.post(0, [this, key, address, now] {
        core_.abuse_guard_->failures_by_account.remove(key, now);
        core_.abuse_guard_->failures_by_address.remove(address, now);
      });
    };
    core_.executor_.post_blocking(
        [this, key, password = std::move(password), finish, take_back]() mutable {
          auto credentials = core_.store_.credentials_by_username(key);
          if (!credentials && credentials.error().code != Errc::not_found) {
            take_back();  // the store failed, not the guess
            return (*finish)(std::unexpected(credentials.error()));
          }
          const bool admitted =
              admit_hashing([this, credentials = std::move(credentials),
                             password = std::move(password), finish, take_back]() mutable {
                const bool ok = credentials ? verify_password(password, credentials->password_hash)
                                            : (verify_password(password, dummy_hash_), false);
                if (!ok)
                  return (*finish)(fail(Errc::invalid_credentials, "wrong username or password"));
                take_back();
                (*finish)(*std::move(credentials));
              });
          if (!admitted) {
            take_back();
            (*finish)(fail(Errc::unavailable, "the server is busy; retry", kHashingRetryMs));
          }
        });
  });
}

void Core::Accounts::open_device(Credentials verified, std::string device_name,
                                 std::string device_key, Callback<AuthGrant> done) {
  if (auto ok = validate_device_key(device_key); !ok) return done(std::unexpected(ok.error()));
  auto name = validate_device_name(std::move(device_name));
  if (!name) return done(std::unexpected(name.error()));
  const ShardId origin = core_.local().id;
  core_.store_.post_write([this, origin, verified = std::move(verified), name = *std::move(name),
                           device_key = std::move(device_key), done = std::move(done)]() mutable {
    auto grant = issue_device(verified, name, device_key, &verified.password_hash);
    core_.executor_.post(origin, [grant = std::move(grant), done = std::move(done)]() mutable {
      done(std::move(grant));
    });
  });
}

void Core::Accounts::resume(std::string token, Callback<AuthGrant> done) {
  if (token.empty() || token.size() > 256) {
    return done(fail(Errc::token_invalid, "unknown, expired or revoked token"));
  }
  const TimeMs now = core_.executor_.now();
  core_.blocking<AuthGrant>(
      [this, now, hash = token_hash(token)]() -> Result<AuthGrant> {
        auto device = core_.store_.device_by_token_hash(hash);
        if (!device) {
          if (device.error().code == Errc::not_found) {
            return fail(Errc::token_invalid, "unknown, expired or revoked token");
          }
          return std::unexpected(device.error());
        }
        if (device->revoked || device->token_expires_at <= now) {
          return fail(Errc::token_invalid, "unknown, expired or revoked token");
        }
        return AuthGrant{device->user_id,          device->username,
                         device->device_id,        {},
                         device->token_expires_at, hash};
      },
      std::move(done));
}

void Core::Accounts::recheck_token(SessionHandle session, std::string token_hash) {
  if (token_hash.empty()) return;
  const TimeMs now = core_.executor_.now();
  core_.executor_.post_blocking([this, session, now, token_hash = std::move(token_hash)] {
    auto device = core_.store_.device_by_token_hash(token_hash);
    // A store failure is no verdict: the session keeps going.
    if (!device && device.error().code != Errc::not_found) return;
    const bool valid = device && !device->revoked && device->token_expires_at > now;
    if (valid) return;
    core_.kick_unless_logging_out(session);
  });
}

void Core::Accounts::kick_devices(UserId user, SessionHandle except, DeviceId device,
                                  bool all_but_device) {
  core_.bus_.kick(
      user, Errc::token_invalid,
      KickFilter{all_but_device ? KickFilter::Kind::all_but_device : KickFilter::Kind::device,
                 device, except});
}

void Core::Accounts::logout(const SessionIdentity& who, Callback<void> done) {
  ShardState& shard = core_.local();  // the session's shard: its attach entry lives here
  if (auto it = shard.attached.find(who.handle.id); it != shard.attached.end()) {
    it->second.logging_out = true;
  }
  core_.on_writer<void>(
      [this, who]() -> Result<void> {
        auto revoked = core_.store_.revoke_device(who.device_id);
        if (revoked) kick_devices(who.user_id, who.handle, who.device_id, false);
        return revoked;
      },
      [this, handle = who.handle, done = std::move(done)](Result<void> result) mutable {
        // A failed logout leaves the session logged in, and subject to the checks again.
        if (!result) {
          ShardState& here = core_.local();
          if (auto it = here.attached.find(handle.id); it != here.attached.end()) {
            it->second.logging_out = false;
          }
        }
        done(std::move(result));
      });
}

void Core::Accounts::change_password(const SessionIdentity& who, std::string old_password,
                                     std::string new_password, Callback<void> done) {
  if (auto ok = validate_password(new_password); !ok) return done(std::unexpected(ok.error()));
  auto key = username_key(who.username);
  if (!key || old_password.size() > core_.config_.max_password_bytes) {
    return done(fail(Errc::invalid_credentials, "wrong password"));
  }
  const ShardId origin = core_.local().id;
  const TimeMs now = core_.executor_.now();
  auto finish = std::make_shared<Callback<void>>([this, origin, done = std::move(done)](
                                                     Result<void> result) mutable {
    core_.executor_.post(origin, [result = std::move(result), done = std::move(done)]() mutable {
      done(std::move(result));
    });
  });
  // A wrong old password is a guess like a failed login and counts against the same account
  // limit (a stolen session must not become a password oracle); counted when it starts, taken
  // back when the old password was right.
  core_.executor_.post(0, [this, who, now, key = *std::move(key),
                           old_password = std::move(old_password),
                           new_password = std::move(new_password), finish]() mutable {
    AbuseGuard& guard = *core_.abuse_guard_;
    if (guard.failures_by_account.reached(key, now)) {
      return (*finish)(fail(Errc::rate_limited, "too many wrong passwords; try again later",
                            retry_hint(guard.failures_by_account.retry_after(key, now))));
    }
    guard.failures_by_account.add(key, now);
    auto take_back = [this, key, now] {
      core_.executor_.post(
          0, [this, key, now] { core_.abuse_guard_->failures_by_account.remove(key, now); });
    };
    core_.executor_.post_blocking([this, who, old_password = std::move(old_password),
                                   new_password = std::move(new_password), finish,
                                   take_back]() mutable {
      auto credentials = core_.store_.credentials_by_id(who.user_id);
      if (!credentials) {
        take_back();
        return (*finish)(std::unexpected(credentials.error()));
      }
      const bool admitted = admit_hashing(
          [this, who, credentials = *std::move(credentials), old_password = std::move(old_password),
           new_password = std::move(new_password), finish, take_back]() mutable {
            if (!verify_password(old_password, credentials.password_hash)) {
              return (*finish)(fail(Errc::invalid_credentials, "wrong password"));
            }
            take_back();
            auto hash = hash_password(new_password, core_.config_.password_hash);
            if (!hash) return (*finish)(std::unexpected(hash.error()));
            core_.store_.post_write([this, who, hash = *std::move(hash), finish]() mutable {
              auto stored = core_.store_.set_password_hash(who.user_id, hash, who.device_id);
              // Other devices' tokens are revoked with the old password: end their sessions too.
              if (stored) kick_devices(who.user_id, who.handle, who.device_id, true);
              (*finish)(std::move(stored));
            });
          });
      if (!admitted) {
        take_back();
        (*finish)(fail(Errc::unavailable, "the server is busy; retry", kHashingRetryMs));
      }
    });
  });
}

}  // namespace parley
