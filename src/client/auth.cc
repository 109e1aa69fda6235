// Authentication: register, login and resume on a (new) connection; logout; change password.
#include <cctype>

#include "client/client_impl.h"

namespace parley::client {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

v1::ClientFrame auth_frame(AuthKind kind, const std::string& username, const std::string& password,
                           const std::string& device_name, const std::string& device_key,
                           const std::string& token) {
  v1::ClientFrame frame;
  if (kind == AuthKind::register_account) {
    auto* r = frame.mutable_register_account();
    r->set_username(username);
    r->set_password(password);
    r->set_device_name(device_name);
    r->set_device_key(device_key);
  } else if (kind == AuthKind::login) {
    auto* r = frame.mutable_login();
    r->set_username(username);
    r->set_password(password);
    r->set_device_name(device_name);
    r->set_device_key(device_key);
  } else {
    frame.mutable_resume()->set_token(token);  // the token names the device already
  }
  return frame;
}

ClientResult<AuthInfo> Client::Impl::establish(AuthKind kind, const std::string& username,
                                               const std::string& password) {
  if (!url_ok_) return fail(v1::INVALID_ARGUMENT, url_error_);
  std::lock_guard serial(connect_mu_);
  const auto deadline = Clock::now() + options_.request_timeout;
  {
    std::lock_guard lock(mu_);
    if (stop_) return fail(v1::UNAVAILABLE, "client stopped");
    if (kind == AuthKind::resume) {
      if (authenticated_) return auth_;
      if (auth_.token.empty()) return fail(v1::NOT_AUTHENTICATED, "not logged in");
    }
  }
  if (auto open = ensure_open(deadline); !open) return std::unexpected(open.error());

  v1::ClientFrame frame;
  {
    std::lock_guard lock(mu_);
    frame =
        auth_frame(kind, username, password, options_.device_name, auth_.device_key, auth_.token);
  }
  auto reply = call(std::move(frame), deadline, /*need_auth=*/false);
  std::unique_lock lock(mu_);
  if (!reply) {
    if (kind == AuthKind::resume && reply.error().code == v1::TOKEN_INVALID) {
      auth_.token.clear();
      want_session_ = false;
      state_changed_locked();
    }
    return std::unexpected(reply.error());
  }
  if (!reply->has_auth_ok()) return fail(v1::INTERNAL, "unexpected answer to authentication");
  const auto& ok = reply->auth_ok();
  if (kind != AuthKind::resume) {
    if (!auth_.username.empty() && lower(auth_.username) != lower(ok.username())) {
      // Another account: this profile's cursors and unsent messages belong to the old one.
      sequencer_.clear();
      for (auto& e : outbox_) e->result = fail(v1::NOT_AUTHENTICATED, "logged in as another user");
      outbox_.clear();
      inbox_.clear();
      stalled_.clear();
      events_.clear();
      user_seq_ = 0;
    }
  }
  auth_.user_id = ok.user_id();
  auth_.username = ok.username();
  auth_.device_id = ok.device_id();
  if (!ok.token().empty()) auth_.token = ok.token();
  if (ok.token_expires_at_ms() != 0) auth_.token_expires_at_ms = ok.token_expires_at_ms();
  authenticated_ = true;
  synced_ = false;
  want_session_ = true;
  backoff_ = kInitialBackoff;
  reconnect_requested_ = false;
  state_changed_locked();
  flush_outbox_locked();
  need_sync_ = true;
  cv_.notify_all();
  AuthInfo result = auth_;
  lock.unlock();
  // A new token is written at once: losing it to a crash would cost a new login.
  if (kind != AuthKind::resume) persist_now();
  return result;
}

ClientResult<void> Client::Impl::logout() {
  v1::ClientFrame frame;
  frame.mutable_logout();
  auto reply = call(std::move(frame), deadline(), /*need_auth=*/true);
  if (!reply) return std::unexpected(reply.error());
  std::unique_lock lock(mu_);
  want_session_ = false;
  authenticated_ = false;
  synced_ = false;
  reconnect_requested_ = false;
  auth_.token.clear();
  auth_.token_expires_at_ms = 0;
  state_changed_locked();
  cv_.notify_all();
  lock.unlock();
  persist_now();
  return {};
}

ClientResult<void> Client::Impl::change_password(const std::string& old_password,
                                                 const std::string& new_password) {
  v1::ClientFrame frame;
  frame.mutable_change_password()->set_old_password(old_password);
  frame.mutable_change_password()->set_new_password(new_password);
  auto reply = call(std::move(frame), deadline(), /*need_auth=*/true);
  if (!reply) return std::unexpected(reply.error());
  return {};
}

}  // namespace parley::client
