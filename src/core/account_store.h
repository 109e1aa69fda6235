// The accounts and devices family of the store port (core/store.h has the thread contract):
// users and their credentials, devices with their tokens, and per-device delivery cursors.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.h"
#include "core/model.h"

namespace parley {

struct NewDevice {
  UserId user_id = 0;
  std::string name;
  std::string token_hash;  // raw 32-byte SHA-256 of the token; the token itself is never stored
  TimeMs token_expires_at = 0;
  TimeMs now = 0;
  // The client's stable id for this installation; "" = always a new device. A key the user
  // already has names the same device: its row is reused with the new token (the old one stops
  // working) and it is no longer revoked.
  std::string device_key;
};

struct DeviceAuth {
  UserId user_id = 0;
  std::string username;
  DeviceId device_id = 0;
  TimeMs token_expires_at = 0;
  bool revoked = false;
};

class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // [writer] Errc::username_taken when username_key exists.
  virtual Result<UserId> create_user(std::string_view username, std::string_view username_key,
                                     std::string_view password_hash, TimeMs now) = 0;
  // Errc::not_found when no such user.
  virtual Result<Credentials> credentials_by_username(std::string_view username_key) = 0;
  virtual Result<Credentials> credentials_by_id(UserId user) = 0;
  virtual Result<User> user_by_username(std::string_view username_key) = 0;
  // [writer] Also revokes the tokens of every other device of the user.
  virtual Result<void> set_password_hash(UserId user, std::string_view password_hash,
                                         DeviceId keep_device) = 0;

  // ---- devices and tokens
  // [writer] Creates the device, or with a known device_key gives that device the new token.
  virtual Result<DeviceId> create_device(const NewDevice& device) = 0;
  // Errc::not_found for an unknown hash; expiry and revocation are reported, not filtered.
  virtual Result<DeviceAuth> device_by_token_hash(std::string_view token_hash) = 0;
  // [writer]
  virtual Result<void> revoke_device(DeviceId device) = 0;
  // [writer] Moves delivery cursors forward (never back): each device holds these entries. One
  // transaction for the whole batch (a shard's acknowledgements of one flush interval).
  virtual Result<void> advance_cursors(std::span<const DeviceCursor> batch) = 0;
  // The entries of the user's conversations that `device` has not acknowledged, as the user sees
  // them (above the joined point, not sent by this device), by conversation then seq, at most
  // `limit`. A new device has acknowledged everything before its creation.
  virtual Result<std::vector<Message>> undelivered(UserId user, DeviceId device,
                                                   std::size_t limit) = 0;
  // [writer]
  virtual Result<void> touch_device(DeviceId device, TimeMs last_seen) = 0;
};

}  // namespace parley
