#include "transport/listener.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "transport/http_connection.h"
#include "transport/stream_connection.h"

namespace parley::transport {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Result<tcp::endpoint> parse_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos)
    return fail(Errc::invalid_argument, "expected host:port: " + text);
  std::string host = text.substr(0, colon);
  const std::string port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") host = "127.0.0.1";
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(port_text, &used);
    if (used != port_text.size() || port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    return fail(Errc::invalid_argument, "bad port in " + text);
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return fail(Errc::invalid_argument, "bad address in " + text);
  return tcp::endpoint(address, static_cast<std::uint16_t>(port));
}

Listener::Listener(ListenerSpec spec, runtime::ShardPool& pool, ConnectionRegistry& registry,
                   const TransportLimits& limits, asio::ssl::context* tls)
    : spec_(std::move(spec)), pool_(pool), registry_(registry), limits_(limits), tls_(tls) {
  asio::ssl::context* starttls = spec_.tls == TlsMode::starttls ? tls_ : nullptr;
  for (ShardId s = 0; s < pool.shard_count(); ++s) {
    shard_contexts_.push_back(std::make_unique<ShardContext>(
        ShardContext{pool.io(s), s, registry_, limits_, spec_.site, starttls}));
  }
}

Listener::~Listener() = default;

Result<std::uint16_t> Listener::open(asio::io_context& io, const std::string& endpoint_text) {
  if (spec_.tls != TlsMode::none && !tls_) {
    return fail(Errc::invalid_argument, "a TLS listener needs a TLS context: " + endpoint_text);
  }
  if (spec_.wire == ListenerWire::http && spec_.tls == TlsMode::starttls) {
    return fail(Errc::invalid_argument, "HTTP has no STARTTLS (use direct): " + endpoint_text);
  }
  auto endpoint = parse_endpoint(endpoint_text);
  if (!endpoint) return std::unexpected(endpoint.error());
  acceptor_ = std::make_unique<tcp::acceptor>(io);
  retry_timer_ = std::make_unique<asio::steady_timer>(io);
  boost::system::error_code ec;
  acceptor_->open(endpoint->protocol(), ec);
  if (!ec) acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_->bind(*endpoint, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(Errc::unavailable, "cannot listen on " + endpoint_text + ": " + ec.message());
  return acceptor_->local_endpoint().port();
}

void Listener::start() { accept(); }

void Listener::stop() {
  if (!acceptor_) return;
  boost::system::error_code ec;
  acceptor_->close(ec);
  retry_timer_->cancel();
}

void Listener::accept() {
  target_ = pool_.next_shard_for_connection();
  // The socket is created on the target shard's io_context: it belongs to that shard from birth.
  acceptor_->async_accept(
      pool_.io(target_), [this](const boost::system::error_code& ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor_->is_open()) return;
        if (ec) return on_accept_error(ec);
        backoff_ = std::chrono::milliseconds(0);
        boost::system::error_code peer_error;
        const auto peer = socket.remote_endpoint(peer_error);
        const std::string address = peer_error ? "unknown" : peer.address().to_string();
        // Counted from accept, so TLS and HTTP handshakes in progress count too.
        if (registry_.try_add_unauthenticated(address, limits_)) {
          hand_over(std::move(socket), target_, UnauthenticatedSlot(registry_, address));
        } else {
          refuse(socket);
        }
        accept();
      });
}

void Listener::on_accept_error(const boost::system::error_code& ec) {
  using E = boost::system::errc::errc_t;
  const int value = ec.value();
  const bool out_of_resources =
      ec.category() == boost::system::system_category() &&
      (value == E::too_many_files_open || value == E::too_many_files_open_in_system ||
       value == E::no_buffer_space || value == E::not_enough_memory);
  // Waiting does not make a descriptor free, but re-accepting at once only spins: the pending
  // connection stays in the backlog and the same error comes back immediately.
  if (out_of_resources) {
    backoff_ =
        std::clamp(backoff_ * 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1'000));
  }
  ++unlogged_errors_;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_error_log_ >= std::chrono::seconds(1)) {
    spdlog::warn("accept failed: {} ({} time{} since the last report); next attempt in {} ms",
                 ec.message(), unlogged_errors_, unlogged_errors_ == 1 ? "" : "s",
                 backoff_.count());
    last_error_log_ = now;
    unlogged_errors_ = 0;
  }
  if (!out_of_resources) return accept();
  retry_timer_->expires_after(backoff_);
  retry_timer_->async_wait([this](const boost::system::error_code& wait_error) {
    if (wait_error || !acceptor_->is_open()) return;
    accept();
  });
}

// On the accept thread, in one non-blocking write: a fresh socket's send buffer is empty, so the
// bytes go out whole or not at all, and refusing costs nothing more.
void Listener::refuse(tcp::socket& socket) {
  static constexpr std::string_view kHttpRefusal =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  std::string_view bytes;
  if (spec_.tls != TlsMode::direct) {
    bytes = spec_.wire == ListenerWire::http ? kHttpRefusal : std::string_view(spec_.refusal);
  }
  if (!bytes.empty()) {
    (void)::send(socket.native_handle(), bytes.data(), bytes.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  }
  boost::system::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  socket.close(ec);
  ++unlogged_refusals_;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_refusal_log_ >= std::chrono::seconds(10)) {
    spdlog::info("refused {} connection{} over the caps on unauthenticated connections",
                 unlogged_refusals_, unlogged_refusals_ == 1 ? "" : "s");
    last_refusal_log_ = now;
    unlogged_refusals_ = 0;
  }
}

void Listener::hand_over(tcp::socket socket, ShardId shard, UnauthenticatedSlot slot) {
  const ShardContext& context = *shard_contexts_[shard];
  asio::post(pool_.io(shard), [this, &context, socket = std::move(socket),
                               slot = std::move(slot)]() mutable {
    const bool direct_tls = spec_.tls == TlsMode::direct;
    if (spec_.wire == ListenerWire::http) {
      return start_http_connection(std::move(socket), context, direct_tls ? tls_ : nullptr,
                                   spec_.routes, std::move(slot));
    }
    if (direct_tls) {
      return start_tls_connection(std::move(socket), context, *tls_, spec_.factory,
                                  std::move(slot));
    }
    start_tcp_connection(std::move(socket), context, spec_.factory, std::move(slot));
  });
}

}  // namespace parley::transport
