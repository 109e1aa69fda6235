#include "transport/stream_connection.h"

#include <algorithm>
#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <span>
#include <vector>

#include "transport/connection_base.h"
#include "transport/tls_session.h"

namespace parley::transport {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Reads go into one buffer per shard thread instead of one per connection: the socket is waited
// on for readability and then drained (TLS: decrypted) into it, so an idle connection holds no
// read buffer, over TCP or TLS.
thread_local std::array<char, 64 * 1024> shard_read_buffer;

class StreamConnection final : public ConnectionBase {
 public:
  // tls: TLS from the first byte (the handshake comes before the session); null: plain TCP,
  // upgraded in place when the session asks and `starttls` is set.
  StreamConnection(tcp::socket socket, const ShardContext& shard, std::string remote,
                   UnauthenticatedSlot slot, asio::ssl::context* tls)
      : ConnectionBase(shard.io, shard.shard, shard.registry, shard.limits, std::move(remote),
                       std::move(slot)),
        socket_(std::move(socket)),
        starttls_(tls ? nullptr : shard.starttls) {
    if (tls) {
      tls_ = TlsSession::accept(socket_, tls->native_handle());
      upgrade_ = Upgrade::handshaking;
    }
  }

  void start(const SessionFactory& factory) {
    attach(factory);
    read();
  }

  // The session starts only after the handshake, which is bounded so that a peer that never
  // finishes it (slowloris) costs nothing for long.
  void handshake_then_start(const SessionFactory& factory) {
    if (!tls_) return abort_transport(false);
    start_handshake([this, &factory] { start(factory); });
  }

  Framing framing() const override { return Framing::stream; }
  bool encrypted() const override { return upgrade_ == Upgrade::done; }
  bool starttls_available() const override {
    return starttls_ != nullptr && upgrade_ == Upgrade::none && !closing() && !finalized();
  }

  Result<void> start_tls() override {
    if (!starttls_) return fail(Errc::invalid_argument, "STARTTLS is not offered on this listener");
    if (upgrade_ != Upgrade::none) return fail(Errc::invalid_argument, "TLS is already on");
    if (closing() || finalized()) return fail(Errc::invalid_argument, "the connection is closing");
    upgrade_ = Upgrade::draining;
    hold_input(true);  // not one more plain byte is read: the next ones are the TLS handshake
    // Posted: this runs inside on_bytes, and the reply it follows may not even be queued yet.
    asio::post(socket_.get_executor(), [self = shared(), this] { begin_starttls(); });
    return {};
  }

  bool send(Outbound out) override {
    if (closing() || finalized()) return false;
    if (!reserve_outbound(queued_cost(out))) return false;
    queue_.push_back(std::move(out));
    // The write starts from a task posted behind whatever the shard has queued, not at once: when
    // the shard is busy (a burst of deliveries, a backlog) every frame queued for this connection
    // meanwhile goes out in the same syscall. An idle shard runs the task next, so it costs one
    // post per write there, and nothing in latency.
    if (!writing_ && !write_posted_) {
      write_posted_ = true;
      asio::post(socket_.get_executor(), [self = shared(), this] {
        write_posted_ = false;
        if (!writing_) write();
        begin_starttls();  // when a STARTTLS waits for this write (no-op otherwise)
      });
    }
    return true;
  }

 private:
  // STARTTLS: none; asked for, waiting for the plain queue to drain; handshaking; on TLS. A TLS
  // listener's connections start at handshaking.
  enum class Upgrade : std::uint8_t { none, draining, handshaking, done };

  // Waits until the socket is ready for what TLS asked, then runs `next(ec)`: ec is set when the
  // wait failed (the socket was closed, by an abort or at shutdown), and each chain (read, write,
  // handshake) must then end as a failed Asio operation would have ended it.
  template <class Next>
  void wait_for(TlsSession::Status wanted, Next next) {
    const auto which =
        wanted == TlsSession::Status::want_write ? tcp::socket::wait_write : tcp::socket::wait_read;
    socket_.async_wait(which, [self = shared(), next = std::move(next)](
                                  const boost::system::error_code& ec) mutable { next(ec); });
  }

  // Bounded by limits.handshake_timeout; `then` runs once TLS is up.
  template <class Then>
  void start_handshake(Then then) {
    auto timer =
        std::make_shared<asio::steady_timer>(socket_.get_executor(), limits().handshake_timeout);
    timer->async_wait([self = shared(), this](const boost::system::error_code& ec) {
      if (!ec && upgrade_ == Upgrade::handshaking) fail_handshake();
    });
    handshake_step(std::move(timer), std::move(then));
  }

  // Before the session exists (a TLS listener) only the socket goes; after STARTTLS the session
  // is told the connection ended.
  void fail_handshake() {
    if (!session()) return abort_transport(false);
    abort();
    finalize();
  }

  template <class Then>
  void handshake_step(std::shared_ptr<asio::steady_timer> timer, Then then) {
    if (finalized() || aborted()) {
      timer->cancel();  // it holds the connection until it fires
      if (session() && !finalized()) finalize();
      return;
    }
    const TlsSession::Outcome r = tls_->handshake();
    switch (r.status) {
      case TlsSession::Status::done:
        timer->cancel();
        upgrade_ = Upgrade::done;
        return then();
      case TlsSession::Status::want_read:
      case TlsSession::Status::want_write:
        return wait_for(r.status, [this, timer = std::move(timer),
                                   then = std::move(then)](const boost::system::error_code& ec) {
          if (!ec) return handshake_step(timer, then);
          timer->cancel();
          if (session()) return finalize();
          abort_transport(false);
        });
      case TlsSession::Status::closed:
      case TlsSession::Status::failed:
        timer->cancel();
        return fail_handshake();
    }
  }

  // STARTTLS: the server handshake over the same socket once every plain byte queued is written.
  void begin_starttls() {
    if (upgrade_ != Upgrade::draining || writing_ || write_posted_ || queue_head_ != queue_.size())
      return;
    if (closing() || aborted() || finalized()) return;  // the read loop (resumed) ends it
    tls_ = TlsSession::accept(socket_, starttls_->native_handle());
    if (!tls_) {
      abort();
      return finalize();
    }
    upgrade_ = Upgrade::handshaking;
    start_handshake([this] {
      hold_input(false);  // the read loop goes on, over TLS
      if (!writing_) write();
    });
  }

  // The loop stops while input is paused (may_read); start_reading() picks it up again.
  void read() {
    if (!may_read()) return;
    if (upgrade_ == Upgrade::handshaking) return;  // the handshake's end starts it
    if (tls_) return drain_tls();
    socket_.async_wait(tcp::socket::wait_read,
                       [self = shared(), this](const boost::system::error_code& ec) {
                         if (ec) return finalize();
                         drain_socket();
                       });
  }

  void drain_socket() {
    if (!may_read()) return;  // e.g. a STARTTLS began while the wait was pending
    for (int rounds = 0; rounds < 4; ++rounds) {
      boost::system::error_code ec;
      const std::size_t n = socket_.read_some(asio::buffer(shard_read_buffer), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) break;
      if (ec || n == 0) return finalize();
      if (!deliver_bytes(std::string_view(shard_read_buffer.data(), n))) return;
      if (n < shard_read_buffer.size() || !may_read() || tls_) break;
    }
    read();
  }

  // Decrypts what has arrived into the shard's buffer, a few rounds at a time; then waits for
  // what TLS needs next. OpenSSL may hold decrypted bytes the socket no longer signals, so a
  // connection that used up its rounds is picked up again by a post, not by a wait.
  void drain_tls() {
    if (!may_read() || finalized()) return;
    for (int rounds = 0; rounds < 4; ++rounds) {
      const TlsSession::Outcome r = tls_->read(shard_read_buffer);
      switch (r.status) {
        case TlsSession::Status::done:
          if (!deliver_bytes(std::string_view(shard_read_buffer.data(), r.bytes))) return;
          if (!may_read()) return;
          continue;
        case TlsSession::Status::want_read:
        case TlsSession::Status::want_write:
          return wait_for(r.status, [this](const boost::system::error_code& ec) {
            if (ec) return finalize();
            drain_tls();
          });
        case TlsSession::Status::closed:
          tls_->close_notify();  // answers the peer's, which a clean TLS close waits for
          return finalize();
        case TlsSession::Status::failed:
          return finalize();
      }
    }
    asio::post(socket_.get_executor(), [self = shared(), this] { drain_tls(); });
  }

  void start_reading() override { read(); }

  // False when the connection ended while the session handled the bytes.
  bool deliver_bytes(std::string_view bytes) {
    note_activity();
    if (accepting_input()) session()->on_bytes(bytes);
    if (aborted()) {
      finalize();
      return false;
    }
    return true;
  }

  // Gathers as many queued frames as allowed into one write: one syscall for many frames (over
  // TLS, one record per 16 KB of them).
  void write() {
    if (queue_head_ == queue_.size() || aborted() || finalized()) return;
    if (upgrade_ == Upgrade::handshaking) return;  // resumed when the handshake ends
    writing_ = true;
    // The frames being written move out of queue_: the buffers point into them (a short prefix
    // lives inside its Outbound), and queue_ may reallocate while the write is in flight.
    // Taken from the front by moving queue_head_, not by erasing: a queue of many small frames
    // (up to the soft mark of pongs: ~100,000) would otherwise be moved up once per write.
    const std::size_t count = std::min(queue_.size() - queue_head_, limits().max_gather_frames);
    if (queue_head_ == 0 && count == queue_.size()) {
      writing_frames_.swap(queue_);
    } else {
      const auto begin = queue_.begin() + static_cast<std::ptrdiff_t>(queue_head_);
      const auto end = begin + static_cast<std::ptrdiff_t>(count);
      writing_frames_.assign(std::make_move_iterator(begin), std::make_move_iterator(end));
      queue_head_ += count;
      if (queue_head_ == queue_.size()) {
        queue_.clear();
        queue_head_ = 0;
      } else if (queue_head_ * 2 >= queue_.size()) {  // amortized: each frame moves once more
        queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(queue_head_));
        queue_head_ = 0;
      }
    }
    buffers_.clear();
    for (const Outbound& out : writing_frames_) {
      if (!out.prefix.empty()) buffers_.push_back(asio::buffer(out.prefix));
      buffers_.push_back(asio::buffer(out.bytes.data(), out.bytes.size()));
    }
    if (tls_) {
      tls_cursor_ = {};
      return write_tls();
    }
    asio::async_write(socket_, buffers_,
                      [self = shared(), this](const boost::system::error_code& ec, std::size_t) {
                        on_written(ec);
                      });
  }

  // Where the TLS write has got to in buffers_.
  struct Cursor {
    std::size_t buffer = 0;
    std::size_t offset = 0;
  };

  // Copies up to one record of plaintext from `from` into the shard's staging buffer.
  std::span<const char> stage(Cursor from) const {
    const std::span<char> staging = TlsSession::staging();
    std::size_t staged = 0;
    for (std::size_t i = from.buffer; i < buffers_.size() && staged < staging.size(); ++i) {
      const char* data = static_cast<const char*>(buffers_[i].data());
      std::size_t size = buffers_[i].size();
      if (i == from.buffer) data += from.offset, size -= from.offset;
      const std::size_t take = std::min(size, staging.size() - staged);
      std::copy_n(data, take, staging.data() + staged);
      staged += take;
    }
    return {staging.data(), staged};
  }

  void advance(Cursor& cursor, std::size_t bytes) const {
    while (bytes > 0 && cursor.buffer < buffers_.size()) {
      const std::size_t left = buffers_[cursor.buffer].size() - cursor.offset;
      if (bytes < left) {
        cursor.offset += bytes;
        return;
      }
      bytes -= left;
      ++cursor.buffer;
      cursor.offset = 0;
    }
  }

  void write_tls() {
    if (aborted() || finalized()) return on_written(asio::error::operation_aborted);
    while (true) {
      while (tls_cursor_.buffer < buffers_.size() &&
             buffers_[tls_cursor_.buffer].size() == tls_cursor_.offset) {
        ++tls_cursor_.buffer, tls_cursor_.offset = 0;
      }
      if (tls_cursor_.buffer == buffers_.size()) return on_written({});
      const TlsSession::Outcome r = tls_->write(stage(tls_cursor_));
      switch (r.status) {
        case TlsSession::Status::done:
          advance(tls_cursor_, r.bytes);
          continue;
        case TlsSession::Status::want_read:
        case TlsSession::Status::want_write:
          return wait_for(r.status, [this](const boost::system::error_code& ec) {
            if (ec) return on_written(ec);
            write_tls();
          });
        case TlsSession::Status::closed:
        case TlsSession::Status::failed:
          return on_written(asio::error::connection_reset);
      }
    }
  }

  void on_written(const boost::system::error_code& ec) {
    writing_ = false;
    std::size_t bytes = 0;
    for (const Outbound& out : writing_frames_) {
      bytes += queued_cost(out);
    }
    writing_frames_.clear();
    release_outbound(bytes);
    if (ec) return abort();
    if (queue_head_ != queue_.size()) return write();
    // Give idle connections their memory back.
    queue_ = {};
    writing_frames_ = {};
    buffers_ = {};
    on_queue_drained();
    begin_starttls();  // a STARTTLS waiting for the plain bytes to go
  }

  void shutdown_transport() override {
    if (tls_ && upgrade_ == Upgrade::done) tls_->close_notify();
    // Half-close: the peer reads everything we sent, then its EOF ends our read loop.
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
  }

  void abort_transport(bool reset) override {
    boost::system::error_code ec;
    if (reset) set_reset_on_close(socket_);
    socket_.close(ec);
  }

  std::shared_ptr<StreamConnection> shared() {
    return std::static_pointer_cast<StreamConnection>(shared_from_this());
  }

  tcp::socket socket_;
  asio::ssl::context* starttls_;     // plain streams: STARTTLS offered with this context
  std::unique_ptr<TlsSession> tls_;  // TLS from the start, or after STARTTLS
  Upgrade upgrade_ = Upgrade::none;
  // Vectors, not a deque: an empty std::deque still holds ~600 bytes, a fifth of an idle
  // connection's memory; these hold nothing while the connection is idle.
  std::vector<Outbound> queue_;  // waiting for the next write, from queue_head_ on
  std::size_t queue_head_ = 0;
  std::vector<Outbound> writing_frames_;  // in the write in flight
  std::vector<asio::const_buffer> buffers_;
  Cursor tls_cursor_;
  bool writing_ = false;
  bool write_posted_ = false;
};

}  // namespace

std::string peer_of(const tcp::socket& socket) {
  boost::system::error_code ec;
  const auto ep = socket.remote_endpoint(ec);
  if (ec) return "unknown";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

void set_reset_on_close(tcp::socket& socket) {
  boost::system::error_code ec;
  socket.set_option(asio::socket_base::linger(true, 0), ec);
}

void start_tcp_connection(tcp::socket socket, const ShardContext& shard,
                          const SessionFactory& factory, UnauthenticatedSlot slot) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  socket.non_blocking(true, ec);
  std::string remote = peer_of(socket);
  auto c = std::make_shared<StreamConnection>(std::move(socket), shard, std::move(remote),
                                              std::move(slot), nullptr);
  c->start(factory);
}

void start_tls_connection(tcp::socket socket, const ShardContext& shard, asio::ssl::context& tls,
                          const SessionFactory& factory, UnauthenticatedSlot slot) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  socket.non_blocking(true, ec);  // OpenSSL reads and writes the descriptor itself
  std::string remote = peer_of(socket);
  auto c = std::make_shared<StreamConnection>(std::move(socket), shard, std::move(remote),
                                              std::move(slot), &tls);
  c->handshake_then_start(factory);
}

}  // namespace parley::transport
