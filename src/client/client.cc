// The client: one io thread moves frames; callers block on a condition variable for answers; a
// worker thread reconnects (backoff + jitter), resumes, syncs and fills gaps.
#include "client/client.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "client/random_id.h"
#include "client/state_file.h"
#include "client/transport.h"
#include "gateway/native/frame_codec.h"

namespace parley::client {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr auto kInitialBackoff = 100ms;
constexpr auto kMaxBackoff = 5000ms;
constexpr auto kGapGrace = 250ms;  // a gap often closes by itself (acks and events cross)
constexpr std::uint32_t kFillPage = 200;
constexpr std::size_t kMaxEvents = 10'000;  // pushed non-message events kept for next_event
constexpr int kMaxSyncRounds = 1'000;       // user-log pages of one sync (1,000 entries each)

std::unexpected<ClientError> fail(v1::ErrorCode code, std::string message) {
  return std::unexpected(ClientError{code, std::move(message)});
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool retryable(v1::ErrorCode code) { return code == v1::UNAVAILABLE || code == v1::INTERNAL; }

ConversationView to_view(const v1::ConversationInfo& info) {
  ConversationView v;
  v.id = info.conversation_id();
  v.kind = info.kind();
  v.title = info.title();
  v.last_seq = info.last_seq();
  v.last_activity_ms = info.last_activity_ms();
  for (const auto& m : info.members()) v.members.push_back(m.username());
  return v;
}

HistoryResult to_history(const v1::HistoryResponse& response) {
  HistoryResult h;
  h.messages.assign(response.messages().begin(), response.messages().end());
  h.has_more = response.has_more();
  return h;
}

// One outstanding request. Sends carry their client_msg_id: the answer settles the outbox entry.
struct PendingCall {
  std::uint64_t generation = 0;
  std::string client_msg_id;
  std::optional<v1::ServerFrame> reply;
  std::optional<ClientError> error;
  bool done() const { return reply.has_value() || error.has_value(); }
};

struct OutboxEntry {
  OutboxRecord record;
  std::uint64_t sent_generation = 0;  // connection it was last written on (0: not yet)
  std::optional<ClientResult<SendResult>> result;
};

// Per conversation: everything up to `contiguous` is handled; `ahead` holds later seqs seen out
// of order (nullopt = this device's own message: counted, never delivered).
struct ConversationState {
  std::int64_t contiguous = 0;
  std::map<std::int64_t, std::optional<v1::Message>> ahead;
};

enum class AuthKind { register_account, login, resume };

}  // namespace

class Client::Impl {
 public:
  explicit Impl(ClientOptions options) : options_(std::move(options)) {
    url_ok_ = parse_server_url(options_.server_url, url_, url_error_);
    if (!options_.state_dir.empty()) {
      PersistedState s;
      std::string error;
      if (load_state(options_.state_dir, s, error)) {
        auth_.user_id = s.user_id;
        auth_.username = s.username;
        auth_.device_id = s.device_id;
        auth_.token = s.token;
        auth_.token_expires_at_ms = s.token_expires_at_ms;
        user_seq_ = s.user_seq;
        for (const auto& [conversation, seq] : s.cursors)
          conversations_[conversation].contiguous = seq;
        for (auto& r : s.outbox) {
          auto e = std::make_shared<OutboxEntry>();
          e->record = std::move(r);
          outbox_.push_back(std::move(e));
        }
      }
    }
    io_thread_ = std::thread([this] { io_.run(); });
    worker_ = std::thread([this] { work(); });
  }

  ~Impl() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
      want_session_ = false;
      for (auto& [id, call] : pending_) {
        if (!call->done()) call->error = ClientError{v1::UNAVAILABLE, "client stopped"};
      }
      pending_.clear();
      cv_.notify_all();
    }
    if (worker_.joinable()) worker_.join();
    std::promise<void> closed;
    asio::post(io_, [this, &closed] {
      std::shared_ptr<Transport> conn;
      {
        std::lock_guard lock(mu_);
        conn = std::move(conn_);
        connected_ = false;
        ++generation_;
      }
      if (conn) conn->close();
      heartbeat_timer_.cancel();
      closed.set_value();
    });
    closed.get_future().wait();
    work_guard_.reset();
    io_.stop();
    if (io_thread_.joinable()) io_thread_.join();
    std::lock_guard lock(mu_);
    persist_locked();
  }

  // ------------------------------------------------------------------ authentication

  ClientResult<AuthInfo> establish(AuthKind kind, const std::string& username,
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
    if (kind == AuthKind::register_account) {
      auto* r = frame.mutable_register_account();
      r->set_username(username);
      r->set_password(password);
      r->set_device_name(options_.device_name);
    } else if (kind == AuthKind::login) {
      auto* r = frame.mutable_login();
      r->set_username(username);
      r->set_password(password);
      r->set_device_name(options_.device_name);
    } else {
      std::lock_guard lock(mu_);
      frame.mutable_resume()->set_token(auth_.token);
    }
    auto reply = call(std::move(frame), deadline, /*need_auth=*/false);
    std::lock_guard lock(mu_);
    if (!reply) {
      if (kind == AuthKind::resume && reply.error().code == v1::TOKEN_INVALID) {
        auth_.token.clear();
        want_session_ = false;
        persist_locked();
      }
      return std::unexpected(reply.error());
    }
    if (!reply->has_auth_ok()) return fail(v1::INTERNAL, "unexpected answer to authentication");
    const auto& ok = reply->auth_ok();
    if (kind != AuthKind::resume) {
      if (!auth_.username.empty() && lower(auth_.username) != lower(ok.username())) {
        // Another account: this profile's cursors and unsent messages belong to the old one.
        conversations_.clear();
        for (auto& e : outbox_)
          e->result = fail(v1::NOT_AUTHENTICATED, "logged in as another user");
        outbox_.clear();
        inbox_.clear();
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
    persist_locked();
    flush_outbox_locked();
    need_sync_ = true;
    cv_.notify_all();
    return auth_;
  }

  ClientResult<void> logout() {
    v1::ClientFrame frame;
    frame.mutable_logout();
    auto reply = call(std::move(frame), deadline(), /*need_auth=*/true);
    if (!reply) return std::unexpected(reply.error());
    std::lock_guard lock(mu_);
    want_session_ = false;
    authenticated_ = false;
    synced_ = false;
    reconnect_requested_ = false;
    auth_.token.clear();
    auth_.token_expires_at_ms = 0;
    persist_locked();
    cv_.notify_all();
    return {};
  }

  ClientResult<void> change_password(const std::string& old_password,
                                     const std::string& new_password) {
    v1::ClientFrame frame;
    frame.mutable_change_password()->set_old_password(old_password);
    frame.mutable_change_password()->set_new_password(new_password);
    auto reply = call(std::move(frame), deadline(), /*need_auth=*/true);
    if (!reply) return std::unexpected(reply.error());
    return {};
  }

  // ------------------------------------------------------------------ requests

  ClientResult<ConversationView> open_direct(const std::string& username) {
    v1::ClientFrame frame;
    frame.mutable_open_direct()->set_username(username);
    auto reply = call(std::move(frame), deadline(), true);
    if (!reply) return std::unexpected(reply.error());
    if (!reply->has_conversation()) return fail(v1::INTERNAL, "unexpected answer to open_direct");
    return to_view(reply->conversation());
  }

  ClientResult<HistoryResult> history(std::int64_t conversation_id, std::int64_t before_seq,
                                      std::optional<std::int64_t> after_seq, std::uint32_t limit,
                                      Clock::time_point until) {
    v1::ClientFrame frame;
    auto* h = frame.mutable_history();
    h->set_conversation_id(conversation_id);
    h->set_before_seq(before_seq);
    if (after_seq) h->set_after_seq(*after_seq);
    h->set_limit(limit);
    auto reply = call(std::move(frame), until, true);
    if (!reply) return std::unexpected(reply.error());
    if (!reply->has_history()) return fail(v1::INTERNAL, "unexpected answer to history");
    return to_history(reply->history());
  }

  ClientResult<SendResult> send(OutboxRecord record) {
    if (record.client_msg_id.empty()) record.client_msg_id = random_id();
    const auto until = deadline();
    std::unique_lock lock(mu_);
    if (stop_) return fail(v1::UNAVAILABLE, "client stopped");
    if (!authenticated_ && auth_.token.empty()) return fail(v1::NOT_AUTHENTICATED, "not logged in");
    std::shared_ptr<OutboxEntry> entry;
    for (auto& e : outbox_) {
      if (e->record.client_msg_id == record.client_msg_id) entry = e;
    }
    if (entry) {
      entry->result.reset();
    } else {
      entry = std::make_shared<OutboxEntry>();
      entry->record = std::move(record);
      outbox_.push_back(entry);
      persist_locked();  // in the outbox before it is written
    }
    if (authenticated_) {
      if (entry->sent_generation != generation_) write_send_locked(*entry);
    } else if (options_.auto_reconnect) {
      want_session_ = true;
      if (!connected_ && !reconnect_requested_) request_reconnect_locked(0ms);
    } else {
      return fail(v1::UNAVAILABLE, "not connected (kept in the outbox)");
    }
    cv_.wait_until(lock, until, [&] { return stop_ || entry->result.has_value(); });
    if (!entry->result) return fail(v1::UNAVAILABLE, stop_ ? "client stopped" : "timeout");
    return *entry->result;
  }

  ClientResult<void> sync_now() { return run_sync(); }

  ClientResult<v1::ServerFrame> request(v1::ClientFrame frame) {
    auto reply = call(std::move(frame), deadline(), /*need_auth=*/true);
    if (!reply) return reply;
    if (reply->has_send_ack()) {
      // An entry this device wrote (edit, reaction, deletion): counted, never delivered back.
      bool delivered = false;
      {
        std::lock_guard lock(mu_);
        const auto& ack = reply->send_ack();
        delivered =
            place_locked(ack.conversation_id(), ack.seq(), std::nullopt, /*from_event=*/false);
        persist_locked();
        cv_.notify_all();
      }
      if (delivered) drain_to_callback();
    }
    return reply;
  }

  std::optional<v1::ServerFrame> next_event(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return stop_ || !events_.empty(); });
    if (events_.empty()) return std::nullopt;
    v1::ServerFrame e = std::move(events_.front());
    events_.pop_front();
    return e;
  }

  std::int64_t user_seq() const {
    std::lock_guard lock(mu_);
    return user_seq_;
  }

  // ------------------------------------------------------------------ delivery

  std::optional<v1::Message> next_message(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return stop_ || !inbox_.empty(); });
    if (inbox_.empty()) return std::nullopt;
    v1::Message m = std::move(inbox_.front());
    inbox_.pop_front();
    persist_locked();
    return m;
  }

  void set_message_callback(std::function<void(const v1::Message&)> callback) {
    {
      std::lock_guard lock(mu_);
      callback_ = std::move(callback);
    }
    drain_to_callback();
  }

  void drop_connection() {
    std::promise<void> done;
    asio::post(io_, [this, &done] {
      std::shared_ptr<Transport> conn;
      std::uint64_t gen = 0;
      {
        std::lock_guard lock(mu_);
        conn = conn_;
        gen = generation_;
      }
      if (conn) {
        conn->close();
        on_closed(gen, "connection dropped");
      }
      done.set_value();
    });
    done.get_future().wait();
  }

  bool wait_connected(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return stop_ || (authenticated_ && synced_); }) &&
           !stop_;
  }

  bool wait_outbox_empty(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return stop_ || outbox_.empty(); }) && outbox_.empty();
  }

  std::size_t outbox_size() const {
    std::lock_guard lock(mu_);
    return outbox_.size();
  }

  std::int64_t highest_seq(std::int64_t conversation_id) const {
    std::lock_guard lock(mu_);
    auto it = conversations_.find(conversation_id);
    return it == conversations_.end() ? 0 : it->second.contiguous;
  }

  std::optional<v1::Goodbye> last_goodbye() const {
    std::lock_guard lock(mu_);
    return goodbye_;
  }

  std::optional<AuthInfo> identity() const {
    std::lock_guard lock(mu_);
    if (auth_.username.empty() && auth_.token.empty()) return std::nullopt;
    return auth_;
  }

  Clock::time_point deadline() const { return Clock::now() + options_.request_timeout; }

 private:
  // ------------------------------------------------------------------ connection

  // A connection on which Hello was answered. Caller holds connect_mu_.
  ClientResult<void> ensure_open(Clock::time_point until) {
    std::unique_lock lock(mu_);
    if (connected_ && hello_done_) return {};
    if (conn_) {  // a connection whose handshake never finished: replace it
      asio::post(io_, [c = conn_] { c->close(); });
      conn_.reset();
      connected_ = false;
    }
    const std::uint64_t gen = ++generation_;
    struct Opening {
      bool done = false;
      std::string error;
    };
    auto opening = std::make_shared<Opening>();
    const auto remaining =
        std::max(std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()), 1ms);
    lock.unlock();
    open_transport(io_, url_, options_.insecure_tls, remaining,
                   [this, gen, opening](std::shared_ptr<Transport> t, std::string error) {
                     std::lock_guard guard(mu_);
                     opening->done = true;
                     if (!t) {
                       opening->error = std::move(error);
                     } else if (stop_ || gen != generation_) {
                       t->close();
                       opening->error = "connection abandoned";
                     } else {
                       conn_ = t;
                       connected_ = true;
                       hello_done_ = authenticated_ = synced_ = false;
                       t->start(
                           [this, gen](std::string payload) { on_frame(gen, std::move(payload)); },
                           [this, gen](std::string reason) { on_closed(gen, reason); });
                     }
                     cv_.notify_all();
                   });
    lock.lock();
    cv_.wait_until(lock, until, [&] { return stop_ || opening->done; });
    if (!opening->done || stop_) {
      ++generation_;  // a late success is closed on arrival
      return fail(v1::UNAVAILABLE,
                  stop_ ? "client stopped" : "timeout connecting to " + options_.server_url);
    }
    if (!opening->error.empty()) return fail(v1::UNAVAILABLE, opening->error);
    lock.unlock();

    v1::ClientFrame frame;
    auto* hello = frame.mutable_hello();
    hello->set_min_version(native::kProtocolVersion);
    hello->set_max_version(native::kProtocolVersion);
    hello->set_client_name(options_.client_name);
    hello->set_heartbeat_interval_ms(static_cast<std::uint32_t>(options_.heartbeat.count()));
    auto reply = call(std::move(frame), until, /*need_auth=*/false);
    if (!reply || !reply->has_hello_ok()) {
      close_connection(gen, "handshake failed");
      if (!reply) return std::unexpected(reply.error());
      return fail(v1::INTERNAL, "unexpected answer to hello");
    }
    lock.lock();
    if (gen != generation_ || !connected_) return fail(v1::UNAVAILABLE, "connection lost");
    hello_done_ = true;
    const auto interval = reply->hello_ok().heartbeat_interval_ms();
    heartbeat_ = std::chrono::milliseconds(interval == 0 ? 30'000 : interval);
    lock.unlock();
    asio::post(io_, [this, gen] { arm_heartbeat(gen); });
    return {};
  }

  void close_connection(std::uint64_t gen, std::string reason) {
    asio::post(io_, [this, gen, reason = std::move(reason)] {
      std::shared_ptr<Transport> conn;
      {
        std::lock_guard lock(mu_);
        if (gen != generation_) return;
        conn = conn_;
      }
      if (conn) conn->close();
      on_closed(gen, reason);
    });
  }

  // Io thread: the connection of generation `gen` ended.
  void on_closed(std::uint64_t gen, const std::string& reason) {
    std::lock_guard lock(mu_);
    if (gen != generation_ || !connected_) return;
    connected_ = hello_done_ = authenticated_ = synced_ = false;
    conn_.reset();
    heartbeat_timer_.cancel();
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->second->generation == gen) {
        // Sends stay in the outbox and go out again after the reconnect.
        if (it->second->client_msg_id.empty()) {
          it->second->error = ClientError{v1::UNAVAILABLE, reason};
        }
        it = pending_.erase(it);
      } else {
        ++it;
      }
    }
    if (want_session_ && options_.auto_reconnect && !stop_)
      request_reconnect_locked(jitter(backoff_));
    cv_.notify_all();
  }

  void arm_heartbeat(std::uint64_t gen) {
    std::chrono::milliseconds period;
    {
      std::lock_guard lock(mu_);
      if (gen != generation_ || !connected_) return;
      period = std::max<std::chrono::milliseconds>(heartbeat_ / 4, 100ms);
    }
    heartbeat_timer_.expires_after(period);
    heartbeat_timer_.async_wait([this, gen](boost::system::error_code ec) {
      if (ec) return;
      {
        std::lock_guard lock(mu_);
        if (gen != generation_ || !connected_) return;
        if (Clock::now() - last_write_ >= heartbeat_ / 2) {
          v1::ClientFrame ping;
          ping.set_id(next_id_++);
          ping.mutable_ping();
          write_locked(ping);
        }
      }
      arm_heartbeat(gen);
    });
  }

  void write_locked(const v1::ClientFrame& frame) {
    if (!conn_) return;
    asio::post(io_, [t = conn_, bytes = frame.SerializeAsString()]() mutable {
      t->send(std::move(bytes));
    });
    last_write_ = Clock::now();
  }

  // Sends `frame` (a fresh id is set) and waits for its answer; error answers become ClientError.
  ClientResult<v1::ServerFrame> call(v1::ClientFrame frame, Clock::time_point until,
                                     bool need_auth) {
    std::unique_lock lock(mu_);
    if (need_auth && !authenticated_) {
      if (want_session_ && options_.auto_reconnect) {
        if (!connected_ && !reconnect_requested_) request_reconnect_locked(0ms);
        cv_.wait_until(lock, until, [&] { return stop_ || authenticated_ || !want_session_; });
      }
      if (!authenticated_) {
        if (stop_) return fail(v1::UNAVAILABLE, "client stopped");
        if (!want_session_ && auth_.token.empty())
          return fail(v1::NOT_AUTHENTICATED, "not logged in");
        if (!want_session_) return fail(v1::NOT_AUTHENTICATED, "not connected; resume first");
        if (!options_.auto_reconnect) return fail(v1::UNAVAILABLE, "not connected; resume first");
        return fail(v1::UNAVAILABLE, "timeout waiting for the connection");
      }
    }
    if (!connected_) return fail(v1::UNAVAILABLE, "not connected");
    const std::uint64_t id = next_id_++;
    frame.set_id(id);
    auto pending = std::make_shared<PendingCall>();
    pending->generation = generation_;
    pending_[id] = pending;
    write_locked(frame);
    cv_.wait_until(lock, until, [&] { return stop_ || pending->done(); });
    if (!pending->done()) {
      pending_.erase(id);
      return fail(v1::UNAVAILABLE, stop_ ? "client stopped" : "timeout");
    }
    if (pending->error) return std::unexpected(*pending->error);
    if (pending->reply->has_error()) {
      return fail(pending->reply->error().code(), pending->reply->error().message());
    }
    return std::move(*pending->reply);
  }

  void write_send_locked(OutboxEntry& entry) {
    v1::ClientFrame frame;
    const std::uint64_t id = next_id_++;
    frame.set_id(id);
    auto* send = frame.mutable_send();
    if (!entry.record.to_user.empty()) {
      send->set_to_user(entry.record.to_user);
    } else {
      send->set_conversation_id(entry.record.conversation_id);
    }
    send->set_client_msg_id(entry.record.client_msg_id);
    send->set_text(entry.record.text);
    auto pending = std::make_shared<PendingCall>();
    pending->generation = generation_;
    pending->client_msg_id = entry.record.client_msg_id;
    pending_[id] = std::move(pending);
    entry.sent_generation = generation_;
    write_locked(frame);
  }

  void flush_outbox_locked() {
    for (auto& e : outbox_) {
      if (e->sent_generation != generation_) write_send_locked(*e);
    }
  }

  // Io thread, mu_ held: the answer to a send.
  void settle_send_locked(const std::string& client_msg_id, const v1::ServerFrame& frame) {
    auto it = std::find_if(outbox_.begin(), outbox_.end(),
                           [&](const auto& e) { return e->record.client_msg_id == client_msg_id; });
    if (it == outbox_.end()) return;  // already settled by an earlier answer
    auto entry = *it;
    if (frame.has_send_ack()) {
      const auto& ack = frame.send_ack();
      outbox_.erase(it);
      entry->result = SendResult{ack.conversation_id(), ack.seq(), ack.message_id(),
                                 ack.sent_at_ms(), ack.duplicate()};
      place_locked(ack.conversation_id(), ack.seq(), std::nullopt, /*from_event=*/false);
    } else if (frame.has_error() && retryable(frame.error().code())) {
      entry->sent_generation = 0;  // kept; resent after the next reconnect
      entry->result = fail(frame.error().code(), frame.error().message());
    } else {
      outbox_.erase(it);
      entry->result = frame.has_error() ? fail(frame.error().code(), frame.error().message())
                                        : fail(v1::INTERNAL, "unexpected answer to send");
    }
    persist_locked();
  }

  // Io thread: one frame from the connection of generation `gen`.
  void on_frame(std::uint64_t gen, std::string payload) {
    v1::ServerFrame frame;
    if (!frame.ParseFromString(payload)) {
      close_connection(gen, "undecodable frame from server");
      return;
    }
    bool delivered = false;
    {
      std::lock_guard lock(mu_);
      if (gen != generation_) return;
      if (frame.id() != 0) {
        auto it = pending_.find(frame.id());
        if (it == pending_.end()) return;  // a ping, or a request that timed out
        auto call = it->second;
        pending_.erase(it);
        if (!call->client_msg_id.empty()) {
          settle_send_locked(call->client_msg_id, frame);
        } else {
          call->reply = std::move(frame);
        }
        cv_.notify_all();
        return;
      }
      if (frame.has_message()) {
        const auto& m = frame.message().message();
        v1::ClientFrame ack;
        auto* ref = ack.mutable_delivery_ack()->add_messages();
        ref->set_conversation_id(m.conversation_id());
        ref->set_seq(m.seq());
        write_locked(ack);
        delivered = ingest_locked(m, /*from_event=*/true);
        cv_.notify_all();
      } else if (frame.has_user_update() || frame.has_presence() || frame.has_typing() ||
                 frame.has_read()) {
        if (frame.has_user_update()) {
          const std::int64_t seq = frame.user_update().update().user_seq();
          if (seq == user_seq_ + 1) {
            ++user_seq_;
            persist_locked();
          } else if (seq > user_seq_ + 1 && authenticated_) {
            need_sync_ = true;  // a gap in the user log: sync fetches the missing entries
          }
        }
        if (events_.size() >= kMaxEvents) events_.pop_front();
        events_.push_back(std::move(frame));
        cv_.notify_all();
      } else if (frame.has_goodbye()) {
        goodbye_ = frame.goodbye();
        if (frame.goodbye().reason() == v1::TOKEN_INVALID) {
          want_session_ = false;
          auth_.token.clear();
          persist_locked();
        }
        close_connection(gen, "goodbye: " + v1::ErrorCode_Name(frame.goodbye().reason()));
      }
    }
    if (delivered) drain_to_callback();
  }

  // ------------------------------------------------------------------ ordering and dedupe

  // mu_ held. True when something new became deliverable.
  bool ingest_locked(const v1::Message& m, bool from_event) {
    const bool own = auth_.device_id != 0 && m.sender_device_id() == auth_.device_id;
    return place_locked(m.conversation_id(), m.seq(), own ? std::nullopt : std::optional(m),
                        from_event);
  }

  bool place_locked(std::int64_t conversation, std::int64_t seq, std::optional<v1::Message> message,
                    bool from_event) {
    auto& c = conversations_[conversation];
    if (seq <= c.contiguous || c.ahead.contains(seq)) return false;  // duplicate
    c.ahead.emplace(seq, std::move(message));
    bool delivered = false;
    while (!c.ahead.empty() && c.ahead.begin()->first == c.contiguous + 1) {
      if (c.ahead.begin()->second) {
        inbox_.push_back(std::move(*c.ahead.begin()->second));
        delivered = true;
      }
      c.ahead.erase(c.ahead.begin());
      ++c.contiguous;
    }
    if (from_event && !c.ahead.empty() && !gap_fills_.contains(conversation)) {
      gap_fills_[conversation] = Clock::now() + kGapGrace;
      cv_.notify_all();
    }
    return delivered;
  }

  void drain_to_callback() {
    std::lock_guard serial(callback_mu_);  // one drainer at a time keeps the order
    while (true) {
      std::function<void(const v1::Message&)> callback;
      v1::Message m;
      {
        std::lock_guard lock(mu_);
        if (!callback_ || inbox_.empty()) return;
        callback = callback_;
        m = std::move(inbox_.front());
        inbox_.pop_front();
        persist_locked();
      }
      callback(m);
    }
  }

  // ------------------------------------------------------------------ sync and gap fill

  ClientResult<void> run_sync() {
    v1::ClientFrame frame;
    {
      std::lock_guard lock(mu_);
      for (const auto& [conversation, state] : conversations_) {
        if (state.contiguous == 0) continue;
        auto* cursor = frame.mutable_sync()->add_known();
        cursor->set_conversation_id(conversation);
        cursor->set_seq(state.contiguous);
      }
    }
    ClientResult<v1::ServerFrame> reply;
    for (int round = 0; round < kMaxSyncRounds; ++round) {
      {
        std::lock_guard lock(mu_);
        frame.mutable_sync()->set_user_seq(user_seq_);
      }
      reply = call(frame, deadline(), true);
      if (!reply) return std::unexpected(reply.error());
      if (!reply->has_sync()) return fail(v1::INTERNAL, "unexpected answer to sync");
      const auto& page = reply->sync();
      // The user log's entries are state the application reads from the server (conversation
      // list, contacts); remembering the position keeps the next sync short.
      std::lock_guard lock(mu_);
      std::int64_t applied = user_seq_;
      for (const auto& u : page.updates()) applied = std::max(applied, u.user_seq());
      const bool more = page.updates_truncated() && applied > user_seq_;
      user_seq_ = more ? applied : std::max(applied, page.user_seq());
      persist_locked();
      if (!more) break;
    }
    const auto& sync = reply->sync();
    for (const auto& info : sync.conversations()) {
      {
        // A conversation never seen starts at the point the user joined it.
        std::lock_guard lock(mu_);
        auto& c = conversations_[info.conversation_id()];
        if (c.contiguous < info.joined_seq() && c.ahead.empty()) c.contiguous = info.joined_seq();
      }
      if (auto r = fill(info.conversation_id(), info.last_seq()); !r) return r;
    }
    return {};
  }

  // Fetches everything above the conversation's contiguous seq (up to `target` when known).
  ClientResult<void> fill(std::int64_t conversation, std::int64_t target) {
    for (int page = 0; page < 100'000; ++page) {
      std::int64_t after = 0;
      {
        std::lock_guard lock(mu_);
        after = conversations_[conversation].contiguous;
      }
      if (target != 0 && after >= target) return {};
      auto h = history(conversation, 0, after, kFillPage, deadline());
      if (!h) {
        if (h.error().code == v1::NOT_FOUND) return {};
        return std::unexpected(h.error());
      }
      bool delivered = false;
      std::int64_t now_at = 0;
      {
        std::lock_guard lock(mu_);
        for (const auto& m : h->messages) delivered = ingest_locked(m, false) || delivered;
        now_at = conversations_[conversation].contiguous;
        persist_locked();
        cv_.notify_all();
      }
      if (delivered) drain_to_callback();
      if (!h->has_more || now_at == after) return {};
    }
    return {};
  }

  // ------------------------------------------------------------------ worker

  std::chrono::milliseconds jitter(std::chrono::milliseconds base) {
    std::uniform_int_distribution<std::int64_t> d(base.count() / 2, base.count());
    return std::chrono::milliseconds(d(rng_));
  }

  void request_reconnect_locked(std::chrono::milliseconds delay) {
    reconnect_requested_ = true;
    reconnect_at_ = Clock::now() + delay;
    cv_.notify_all();
  }

  void work() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      auto wake = Clock::time_point::max();
      if (reconnect_requested_) wake = std::min(wake, reconnect_at_);
      for (const auto& [conversation, when] : gap_fills_) wake = std::min(wake, when);
      const auto now = Clock::now();
      if (need_sync_ && authenticated_) {
        need_sync_ = false;
        const auto gen = generation_;
        lock.unlock();
        auto r = run_sync();
        lock.lock();
        if (gen == generation_ && authenticated_) {
          if (r) {
            synced_ = true;
            cv_.notify_all();
          } else if (!stop_) {
            need_sync_ = true;  // the connection is up but sync failed: try again shortly
            cv_.wait_for(lock, 1s, [&] { return stop_; });
          }
        }
        continue;
      }
      if (reconnect_requested_ && reconnect_at_ <= now) {
        reconnect_requested_ = false;
        if (want_session_ && !authenticated_) {
          lock.unlock();
          auto r = establish(AuthKind::resume, {}, {});
          lock.lock();
          if (!r && want_session_ && options_.auto_reconnect && !authenticated_ && !stop_) {
            backoff_ = std::min<std::chrono::milliseconds>(backoff_ * 2, kMaxBackoff);
            request_reconnect_locked(jitter(backoff_));
          }
        }
        continue;
      }
      if (!gap_fills_.empty() && authenticated_) {
        auto due = std::find_if(gap_fills_.begin(), gap_fills_.end(),
                                [&](const auto& g) { return g.second <= now; });
        if (due != gap_fills_.end()) {
          const auto conversation = due->first;
          gap_fills_.erase(due);
          lock.unlock();
          (void)fill(conversation, 0);
          lock.lock();
          continue;
        }
      } else if (!gap_fills_.empty()) {
        gap_fills_.clear();  // the next sync fills them
      }
      if (wake == Clock::time_point::max()) {
        cv_.wait(lock);
      } else {
        cv_.wait_until(lock, wake);
      }
    }
  }

  // ------------------------------------------------------------------ persistence

  void persist_locked() {
    if (options_.state_dir.empty()) return;
    PersistedState s;
    s.user_id = auth_.user_id;
    s.username = auth_.username;
    s.device_id = auth_.device_id;
    s.token = auth_.token;
    s.token_expires_at_ms = auth_.token_expires_at_ms;
    s.user_seq = user_seq_;
    for (const auto& [conversation, state] : conversations_) {
      if (state.contiguous > 0) s.cursors[conversation] = state.contiguous;
    }
    // What the application has not taken yet is not held: the next run gets it again.
    for (const auto& m : inbox_) {
      auto it = s.cursors.find(m.conversation_id());
      if (it != s.cursors.end()) it->second = std::min(it->second, m.seq() - 1);
    }
    for (const auto& e : outbox_) s.outbox.push_back(e->record);
    std::string error;
    if (!save_state(options_.state_dir, s, error)) persist_error_ = error;
  }

  const ClientOptions options_;
  ServerUrl url_;
  bool url_ok_ = false;
  std::string url_error_;

  // Declared first among the io objects: destroyed after everything bound to it.
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_guard_{io_.get_executor()};
  asio::steady_timer heartbeat_timer_{io_};  // io thread only
  std::thread io_thread_;
  std::thread worker_;

  std::mutex connect_mu_;  // serializes opening + authenticating

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  AuthInfo auth_;                    // GUARDED_BY(mu_)
  bool want_session_ = false;        // GUARDED_BY(mu_): stay logged in across connection loss
  std::shared_ptr<Transport> conn_;  // GUARDED_BY(mu_); its methods run on the io thread
  std::uint64_t generation_ = 0;     // GUARDED_BY(mu_): bumped per connection attempt
  bool connected_ = false;
  bool hello_done_ = false;
  bool authenticated_ = false;
  bool synced_ = false;
  std::chrono::milliseconds heartbeat_{30'000};
  Clock::time_point last_write_ = Clock::now();
  std::atomic<std::uint64_t> next_id_{1};
  std::map<std::uint64_t, std::shared_ptr<PendingCall>> pending_;
  std::vector<std::shared_ptr<OutboxEntry>> outbox_;
  std::map<std::int64_t, ConversationState> conversations_;
  std::deque<v1::Message> inbox_;
  std::deque<v1::ServerFrame> events_;  // GUARDED_BY(mu_): pushed non-message events
  std::function<void(const v1::Message&)> callback_;
  std::mutex callback_mu_;
  bool need_sync_ = false;
  bool reconnect_requested_ = false;
  Clock::time_point reconnect_at_;
  std::chrono::milliseconds backoff_ = kInitialBackoff;
  std::map<std::int64_t, Clock::time_point> gap_fills_;
  std::optional<v1::Goodbye> goodbye_;
  std::string persist_error_;
  std::int64_t user_seq_ = 0;  // GUARDED_BY(mu_): highest user-log entry seen
  std::mt19937_64 rng_{std::random_device{}()};
};

// ------------------------------------------------------------------ Client

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;

ClientResult<AuthInfo> Client::register_account(const std::string& username,
                                                const std::string& password) {
  return impl_->establish(AuthKind::register_account, username, password);
}
ClientResult<AuthInfo> Client::login(const std::string& username, const std::string& password) {
  return impl_->establish(AuthKind::login, username, password);
}
ClientResult<AuthInfo> Client::resume() { return impl_->establish(AuthKind::resume, {}, {}); }
ClientResult<void> Client::logout() { return impl_->logout(); }
ClientResult<void> Client::change_password(const std::string& old_password,
                                           const std::string& new_password) {
  return impl_->change_password(old_password, new_password);
}
ClientResult<ConversationView> Client::open_direct(const std::string& username) {
  return impl_->open_direct(username);
}
ClientResult<SendResult> Client::send_to_user(const std::string& username, const std::string& text,
                                              const std::string& client_msg_id) {
  OutboxRecord r;
  r.client_msg_id = client_msg_id;
  r.to_user = username;
  r.text = text;
  return impl_->send(std::move(r));
}
ClientResult<SendResult> Client::send_to_conversation(std::int64_t conversation_id,
                                                      const std::string& text,
                                                      const std::string& client_msg_id) {
  OutboxRecord r;
  r.client_msg_id = client_msg_id;
  r.conversation_id = conversation_id;
  r.text = text;
  return impl_->send(std::move(r));
}
ClientResult<HistoryResult> Client::history(std::int64_t conversation_id, std::int64_t before_seq,
                                            std::uint32_t limit) {
  return impl_->history(conversation_id, before_seq, std::nullopt, limit, impl_->deadline());
}
ClientResult<HistoryResult> Client::history_after(std::int64_t conversation_id,
                                                  std::int64_t after_seq, std::uint32_t limit) {
  return impl_->history(conversation_id, 0, after_seq, limit, impl_->deadline());
}
ClientResult<void> Client::sync_now() { return impl_->sync_now(); }
ClientResult<v1::ServerFrame> Client::request(v1::ClientFrame frame) {
  return impl_->request(std::move(frame));
}
std::optional<v1::ServerFrame> Client::next_event(std::chrono::milliseconds timeout) {
  return impl_->next_event(timeout);
}
std::int64_t Client::user_seq() const { return impl_->user_seq(); }
std::optional<v1::Message> Client::next_message(std::chrono::milliseconds timeout) {
  return impl_->next_message(timeout);
}
void Client::set_message_callback(std::function<void(const v1::Message&)> callback) {
  impl_->set_message_callback(std::move(callback));
}
void Client::drop_connection() { impl_->drop_connection(); }
bool Client::wait_connected(std::chrono::milliseconds timeout) {
  return impl_->wait_connected(timeout);
}
bool Client::wait_outbox_empty(std::chrono::milliseconds timeout) {
  return impl_->wait_outbox_empty(timeout);
}
std::size_t Client::outbox_size() const { return impl_->outbox_size(); }
std::int64_t Client::highest_seq(std::int64_t conversation_id) const {
  return impl_->highest_seq(conversation_id);
}
std::optional<v1::Goodbye> Client::last_goodbye() const { return impl_->last_goodbye(); }
std::optional<AuthInfo> Client::identity() const { return impl_->identity(); }

}  // namespace parley::client
