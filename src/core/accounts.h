// Core's accounts family: registration, login, resume, logout, password change. Reached as
// Core::accounts(); implemented in accounts.cc.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/core.h"

namespace parley {

class Core::Accounts {
 public:
  explicit Accounts(Core& core);

  // Thread contract for the public methods: those of Core (call on a shard thread; `done` runs
  // on that shard, possibly before the call returns). remote_address: the peer IP, no port.
  void register_account(RegisterCommand command, Callback<AuthGrant> done);
  // authenticate, then open_device, in one call.
  void login(LoginCommand command, Callback<AuthGrant> done);
  // A login in two steps, for protocols that check the password before they name the device
  // (XMPP: SASL, then resource binding). authenticate checks the password with the same rate
  // limits and timing as login and answers the account's credentials; open_device then issues
  // the device (and its token) for them, refused if the password changed in between. The
  // credentials hold the password hash: keep them only until open_device.
  void authenticate(std::string username, std::string password, std::string remote_address,
                    Callback<Credentials> done);
  void open_device(Credentials verified, std::string device_name, std::string device_key,
                   Callback<AuthGrant> done);
  void resume(std::string token, Callback<AuthGrant> done);
  // Revokes the device's token and ends its other sessions. The calling session is not kicked
  // for it; on success the gateway closes it (Core::close_session), as it is no longer logged in.
  void logout(const SessionIdentity& who, Callback<void> done);
  void change_password(const SessionIdentity& who, std::string old_password,
                       std::string new_password, Callback<void> done);

 private:
  friend class Core;
  // Home shard of the user, once a session is registered online: reads its token again and ends
  // the session if it was revoked or replaced meanwhile (a logout racing a resume).
  void recheck_token(SessionHandle session, std::string token_hash);
  // Issues a device token for an authenticated user (writer thread). `verified_hash`: the
  // password hash the password was checked against; a change since then refuses the login.
  Result<AuthGrant> issue_device(const Credentials& user, const std::string& device_name,
                                 const std::string& device_key, const std::string* verified_hash);
  Result<void> validate_password(std::string_view password) const;
  Result<std::string> validate_device_name(std::string device_name) const;
  Result<void> validate_device_key(std::string_view device_key) const;
  // Runs `work` on the hashing pool when a slot is free (else `refused` runs, on the caller).
  bool admit_hashing(Task work);
  // Ends every other session of the user on `device` (or of every device but `device`).
  void kick_devices(UserId user, SessionHandle except, DeviceId device, bool all_but_device);

  Core& core_;
  std::string dummy_hash_;  // verified against for unknown users, so timing does not tell
  std::atomic<std::size_t> hashing_in_flight_{0};
};

}  // namespace parley
