// The connection: open a transport and say hello, heartbeats, request/answer matching, the
// dispatch of every frame the server sends, and what a lost connection does to waiting calls.
#include <boost/asio/post.hpp>
#include <future>

#include "client/client_impl.h"
#include "gateway/native/frame_codec.h"

namespace parley::client {

namespace asio = boost::asio;

void Client::Impl::drop_connection() {
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

bool Client::Impl::wait_connected(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return stop_ || (authenticated_ && synced_); }) &&
         !stop_;
}

std::optional<v1::Goodbye> Client::Impl::last_goodbye() const {
  std::lock_guard lock(mu_);
  return goodbye_;
}

// A connection on which Hello was answered. Caller holds connect_mu_.
ClientResult<void> Client::Impl::ensure_open(Clock::time_point until) {
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

void Client::Impl::close_connection(std::uint64_t gen, std::string reason) {
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
void Client::Impl::on_closed(std::uint64_t gen, const std::string& reason) {
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

void Client::Impl::arm_heartbeat(std::uint64_t gen) {
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

void Client::Impl::write_locked(const v1::ClientFrame& frame) {
  if (!conn_) return;
  asio::post(
      io_, [t = conn_, bytes = frame.SerializeAsString()]() mutable { t->send(std::move(bytes)); });
  last_write_ = Clock::now();
}

// Sends `frame` (a fresh id is set) and waits for its answer; error answers become ClientError.
ClientResult<v1::ServerFrame> Client::Impl::call(v1::ClientFrame frame, Clock::time_point until,
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

// Io thread: one frame from the connection of generation `gen`.
void Client::Impl::on_frame(std::uint64_t gen, std::string payload) {
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
      auto pending = it->second;
      pending_.erase(it);
      if (!pending->client_msg_id.empty()) {
        settle_send_locked(pending->client_msg_id, frame);
      } else {
        pending->reply = std::move(frame);
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
      on_event_locked(std::move(frame));
    } else if (frame.has_goodbye()) {
      goodbye_ = frame.goodbye();
      if (frame.goodbye().reason() == v1::TOKEN_INVALID) {
        want_session_ = false;
        auth_.token.clear();
        state_changed_locked();
      }
      close_connection(gen, "goodbye: " + v1::ErrorCode_Name(frame.goodbye().reason()));
    }
  }
  if (delivered) drain_to_callback();
}

}  // namespace parley::client
