#include "transport/stream_connection.h"

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <vector>

#include "transport/connection_base.h"

namespace parley::transport {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using TlsStream = asio::ssl::stream<tcp::socket>;

tcp::socket& lowest(tcp::socket& s) { return s; }
tcp::socket& lowest(TlsStream& s) { return s.next_layer(); }

// Plain TCP reads into one buffer per shard thread instead of one per connection: the socket is
// waited on for readability and then drained, so an idle connection holds no read buffer.
thread_local std::array<char, 64 * 1024> shard_read_buffer;

// A TLS connection always has a read pending inside its TLS stream, so it owns its buffer; a small
// one, because most connections are idle: a 16 KB record then takes a few completions.
constexpr std::size_t kTlsReadChunk = 2048;

template <class Stream>
class StreamConnection final : public ConnectionBase {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  StreamConnection(Stream stream, const ShardContext& shard, std::string remote,
                   UnauthenticatedSlot slot)
      : ConnectionBase(shard.io, shard.shard, shard.registry, shard.limits, std::move(remote),
                       std::move(slot)),
        stream_(std::move(stream)),
        starttls_(kTls ? nullptr : shard.starttls) {}

  void start(const SessionFactory& factory) {
    attach(factory);
    read();
  }

  // The session starts only after the handshake, which is bounded so that a peer that never
  // finishes it (slowloris) costs nothing for long.
  void handshake_then_start(asio::io_context& io, const SessionFactory& factory) {
    auto timer = std::make_shared<asio::steady_timer>(io, limits().handshake_timeout);
    timer->async_wait([self = shared(), this](const boost::system::error_code& ec) {
      if (!ec) abort_transport(false);
    });
    stream_.async_handshake(
        asio::ssl::stream_base::server,
        [self = shared(), this, timer, &factory](const boost::system::error_code& ec) {
          timer->cancel();
          if (ec || aborted()) return abort_transport(false);
          start(factory);
        });
  }

  Framing framing() const override { return Framing::stream; }

  Result<void> start_tls() override {
    if (!starttls_) return fail(Errc::invalid_argument, "STARTTLS is not offered on this listener");
    if (upgrade_ != Upgrade::none) return fail(Errc::invalid_argument, "TLS is already on");
    if (closing() || finalized()) return fail(Errc::invalid_argument, "the connection is closing");
    upgrade_ = Upgrade::draining;
    hold_input(true);  // not one more plain byte is read: the next ones are the TLS handshake
    // Posted: this runs inside on_bytes, and the reply it follows may not even be queued yet.
    asio::post(stream_.get_executor(), [self = shared(), this] { begin_handshake(); });
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
      asio::post(stream_.get_executor(), [self = shared(), this] {
        write_posted_ = false;
        if (!writing_) write();
        begin_handshake();  // when a STARTTLS waits for this write (no-op otherwise)
      });
    }
    return true;
  }

 private:
  // STARTTLS: none; asked for, waiting for the plain queue to drain; handshaking; on TLS.
  enum class Upgrade : std::uint8_t { none, draining, handshaking, done };

  // Starts the server handshake over the same socket once every plain byte queued is written.
  void begin_handshake() {
    if constexpr (!kTls) {
      if (upgrade_ != Upgrade::draining || writing_ || write_posted_ ||
          queue_head_ != queue_.size())
        return;
      if (closing() || aborted() || finalized()) return;  // the read loop (resumed) ends it
      upgrade_ = Upgrade::handshaking;
      upgraded_ = std::make_unique<UpgradedStream>(stream_, *starttls_);
      auto timer =
          std::make_shared<asio::steady_timer>(stream_.get_executor(), limits().handshake_timeout);
      timer->async_wait([self = shared(), this](const boost::system::error_code& ec) {
        if (!ec) abort();
      });
      upgraded_->async_handshake(
          asio::ssl::stream_base::server,
          [self = shared(), this, timer](const boost::system::error_code& ec) {
            timer->cancel();
            if (finalized()) return;
            if (ec || aborted()) {
              abort();
              return finalize();
            }
            upgrade_ = Upgrade::done;
            hold_input(false);  // the read loop goes on, over TLS
            if (!writing_) write();
          });
    }
  }

  // The loop stops while input is paused (may_read); start_reading() picks it up again.
  void read() {
    if (!may_read()) return;
    if constexpr (kTls) {
      read_tls(stream_);
    } else if (upgraded_) {
      read_tls(*upgraded_);
    } else {
      stream_.async_wait(tcp::socket::wait_read,
                         [self = shared(), this](const boost::system::error_code& ec) {
                           if (ec) return finalize();
                           drain_socket();
                         });
    }
  }

  template <class Tls>
  void read_tls(Tls& tls) {
    if (!tls_buffer_) tls_buffer_ = std::make_unique<std::array<char, kTlsReadChunk>>();
    tls.async_read_some(
        asio::buffer(*tls_buffer_),
        [self = shared(), this](const boost::system::error_code& ec, std::size_t n) {
          if (ec || n == 0) return finalize();
          deliver(std::string_view(tls_buffer_->data(), n));
        });
  }

  void drain_socket() {
    if (!may_read()) return;  // e.g. a STARTTLS began while the wait was pending
    for (int rounds = 0; rounds < 4; ++rounds) {
      boost::system::error_code ec;
      const std::size_t n = stream_.read_some(asio::buffer(shard_read_buffer), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) break;
      if (ec || n == 0) return finalize();
      if (!deliver_bytes(std::string_view(shard_read_buffer.data(), n))) return;
      if (n < shard_read_buffer.size() || !may_read()) break;
    }
    read();
  }

  void start_reading() override { read(); }

  void deliver(std::string_view bytes) {
    if (deliver_bytes(bytes)) read();
  }

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

  // Gathers as many queued frames as allowed into one write: one syscall for many frames.
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
    auto written = [self = shared(), this](const boost::system::error_code& ec, std::size_t) {
      on_written(ec);
    };
    if constexpr (!kTls) {
      if (upgraded_) return asio::async_write(*upgraded_, buffers_, std::move(written));
    }
    asio::async_write(stream_, buffers_, std::move(written));
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
    begin_handshake();  // a STARTTLS waiting for the plain bytes to go
  }

  void shutdown_transport() override {
    // Half-close: the peer reads everything we sent, then its EOF ends our read loop.
    boost::system::error_code ec;
    lowest(stream_).shutdown(tcp::socket::shutdown_send, ec);
  }

  void abort_transport(bool reset) override {
    boost::system::error_code ec;
    if (reset) set_reset_on_close(lowest(stream_));
    lowest(stream_).close(ec);
  }

  std::shared_ptr<StreamConnection> shared() {
    return std::static_pointer_cast<StreamConnection>(shared_from_this());
  }

  using UpgradedStream = asio::ssl::stream<tcp::socket&>;

  Stream stream_;
  asio::ssl::context* starttls_;              // plain streams: STARTTLS offered with this context
  std::unique_ptr<UpgradedStream> upgraded_;  // after STARTTLS: TLS over stream_
  Upgrade upgrade_ = Upgrade::none;
  // Vectors, not a deque: an empty std::deque still holds ~600 bytes, a fifth of an idle
  // connection's memory; these hold nothing while the connection is idle.
  std::vector<Outbound> queue_;  // waiting for the next write, from queue_head_ on
  std::size_t queue_head_ = 0;
  std::vector<Outbound> writing_frames_;  // in the write in flight
  std::vector<asio::const_buffer> buffers_;
  bool writing_ = false;
  bool write_posted_ = false;
  std::unique_ptr<std::array<char, kTlsReadChunk>> tls_buffer_;
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
  auto c = std::make_shared<StreamConnection<tcp::socket>>(std::move(socket), shard,
                                                           std::move(remote), std::move(slot));
  c->start(factory);
}

void start_tls_connection(tcp::socket socket, const ShardContext& shard, asio::ssl::context& tls,
                          const SessionFactory& factory, UnauthenticatedSlot slot) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  std::string remote = peer_of(socket);
  auto c = std::make_shared<StreamConnection<TlsStream>>(TlsStream(std::move(socket), tls), shard,
                                                         std::move(remote), std::move(slot));
  c->handshake_then_start(shard.io, factory);
}

}  // namespace parley::transport
