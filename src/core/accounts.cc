// Accounts family: register, login (with failure rate limits), resume, logout, change password.
#include <algorithm>

#include "common/utf8.h"
#include "core/core_internal.h"
#include "core/password.h"
#include "core/username.h"

namespace parley {

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

Result<AuthGrant> Core::Accounts::issue_device(const Credentials& user,
                                               const std::string& device_name) {
  const TimeMs now = core_.executor_.now();
  std::string token = new_device_token();
  NewDevice device{user.id, device_name, token_hash(token), now + core_.config_.token_ttl_ms, now};
  auto id = core_.store_.create_device(device);
  if (!id) return std::unexpected(id.error());
  return AuthGrant{user.id, user.username, *id, std::move(token), device.token_expires_at};
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
  auto device_name = validate_device_name(std::move(command.device_name));
  if (!device_name) return done(std::unexpected(device_name.error()));

  const ShardId origin = core_.local().id;
  core_.executor_.post_blocking([this, origin, command = std::move(command), key = *std::move(key),
                                 device_name = *std::move(device_name),
                                 done = std::move(done)]() mutable {
    auto hash = hash_password(command.password, core_.config_.password_hash);
    auto finish = [this, origin, done = std::move(done)](Result<AuthGrant> result) mutable {
      core_.executor_.post(origin, [result = std::move(result), done = std::move(done)]() mutable {
        done(std::move(result));
      });
    };
    if (!hash) return finish(std::unexpected(hash.error()));
    core_.executor_.post_writer([this, username = std::move(command.username), key = std::move(key),
                                 hash = *std::move(hash), device_name = std::move(device_name),
                                 finish = std::move(finish)]() mutable {
      auto user = core_.store_.create_user(username, key, hash, core_.executor_.now());
      if (!user) return finish(std::unexpected(user.error()));
      finish(issue_device(Credentials{*user, username, {}}, device_name));
    });
  });
}

bool Core::Accounts::login_limited(const std::string& account, const std::string& address,
                                   TimeMs now) {
  LoginGuard& guard = *core_.login_guard_;
  const LoginLimits& limits = core_.config_.login_limits;
  auto recent = [&](auto& map, const std::string& key) -> std::size_t {
    auto it = map.find(key);
    if (it == map.end()) return 0;
    while (!it->second.empty() && it->second.front() <= now - limits.window_ms) {
      it->second.pop_front();
    }
    return it->second.size();
  };
  return recent(guard.failures_by_account, account) >=
             static_cast<std::size_t>(limits.max_failures_per_account) ||
         recent(guard.failures_by_address, address) >=
             static_cast<std::size_t>(limits.max_failures_per_address);
}

void Core::Accounts::record_login_failure(const std::string& account, const std::string& address,
                                          TimeMs now) {
  LoginGuard& guard = *core_.login_guard_;
  guard.failures_by_account[account].push_back(now);
  guard.failures_by_address[address].push_back(now);
  // Forget stale entries now and then so an attacker cycling names cannot grow the maps forever.
  if (++guard.sweeps % 1024 == 0) {
    const TimeMs horizon = now - core_.config_.login_limits.window_ms;
    for (auto* map : {&guard.failures_by_account, &guard.failures_by_address}) {
      std::erase_if(*map, [&](const auto& entry) {
        return entry.second.empty() || entry.second.back() <= horizon;
      });
    }
  }
}

void Core::Accounts::login(LoginCommand command, Callback<AuthGrant> done) {
  auto key = username_key(command.username);
  if (!key || command.password.size() > core_.config_.max_password_bytes) {
    return done(fail(Errc::invalid_credentials, "wrong username or password"));
  }
  auto device_name = validate_device_name(std::move(command.device_name));
  if (!device_name) return done(std::unexpected(device_name.error()));

  const ShardId origin = core_.local().id;
  const TimeMs now = core_.executor_.now();
  auto finish = [this, origin, done = std::move(done)](Result<AuthGrant> result) mutable {
    core_.executor_.post(origin, [result = std::move(result), done = std::move(done)]() mutable {
      done(std::move(result));
    });
  };
  // Counters live on shard 0 only: check there, verify on the blocking pool, record there.
  core_.executor_.post(
      0, [this, now, key = *std::move(key), address = command.remote_address,
          password = std::move(command.password), device_name = *std::move(device_name),
          finish = std::move(finish)]() mutable {
        if (login_limited(key, address, now)) {
          return finish(fail(Errc::rate_limited, "too many failed logins; try again later"));
        }
        core_.executor_.post_blocking([this, now, key = std::move(key),
                                       address = std::move(address), password = std::move(password),
                                       device_name = std::move(device_name),
                                       finish = std::move(finish)]() mutable {
          auto credentials = core_.store_.credentials_by_username(key);
          if (!credentials && credentials.error().code != Errc::not_found) {
            return finish(std::unexpected(credentials.error()));
          }
          const bool ok = credentials ? verify_password(password, credentials->password_hash)
                                      : (verify_password(password, dummy_hash_), false);
          if (!ok) {
            core_.executor_.post(
                0, [this, key, address, now] { record_login_failure(key, address, now); });
            return finish(fail(Errc::invalid_credentials, "wrong username or password"));
          }
          core_.executor_.post_writer([this, credentials = *std::move(credentials),
                                       device_name = std::move(device_name),
                                       finish = std::move(finish)]() mutable {
            finish(issue_device(credentials, device_name));
          });
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
        return AuthGrant{
            device->user_id, device->username, device->device_id, {}, device->token_expires_at};
      },
      std::move(done));
}

void Core::Accounts::kick_devices(UserId user, SessionHandle except, DeviceId device,
                                  bool all_but_device) {
  core_.kick_sessions(user, Errc::token_invalid,
                      [except, device, all_but_device](DeviceId d, SessionHandle h) {
                        if (h == except) return false;
                        return all_but_device ? d != device : d == device;
                      });
}

void Core::Accounts::logout(const SessionIdentity& who, Callback<void> done) {
  core_.on_writer<void>(
      [this, who]() -> Result<void> {
        auto revoked = core_.store_.revoke_device(who.device_id);
        if (revoked) kick_devices(who.user_id, who.handle, who.device_id, false);
        return revoked;
      },
      std::move(done));
}

void Core::Accounts::change_password(const SessionIdentity& who, std::string old_password,
                                     std::string new_password, Callback<void> done) {
  if (auto ok = validate_password(new_password); !ok) return done(std::unexpected(ok.error()));
  if (old_password.size() > core_.config_.max_password_bytes) {
    return done(fail(Errc::invalid_credentials, "wrong password"));
  }
  const ShardId origin = core_.local().id;
  auto finish = [this, origin, done = std::move(done)](Result<void> result) mutable {
    core_.executor_.post(origin, [result = std::move(result), done = std::move(done)]() mutable {
      done(std::move(result));
    });
  };
  core_.executor_.post_blocking([this, who, old_password = std::move(old_password),
                                 new_password = std::move(new_password),
                                 finish = std::move(finish)]() mutable {
    auto credentials = core_.store_.credentials_by_id(who.user_id);
    if (!credentials) return finish(std::unexpected(credentials.error()));
    if (!verify_password(old_password, credentials->password_hash)) {
      return finish(fail(Errc::invalid_credentials, "wrong password"));
    }
    auto hash = hash_password(new_password, core_.config_.password_hash);
    if (!hash) return finish(std::unexpected(hash.error()));
    core_.executor_.post_writer(
        [this, who, hash = *std::move(hash), finish = std::move(finish)]() mutable {
          auto stored = core_.store_.set_password_hash(who.user_id, hash, who.device_id);
          // Other devices' tokens are revoked with the old password: end their sessions too.
          if (stored) kick_devices(who.user_id, who.handle, who.device_id, true);
          finish(std::move(stored));
        });
  });
}

}  // namespace parley
