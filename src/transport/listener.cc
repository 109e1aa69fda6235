#include "transport/listener.h"

#include <spdlog/spdlog.h>

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

Listener::Listener(ListenerKind kind, runtime::ShardPool& pool, ConnectionRegistry& registry,
                   const TransportLimits& limits, SessionFactory factory, asio::ssl::context* tls,
                   const StaticSite* site)
    : kind_(kind),
      pool_(pool),
      registry_(registry),
      limits_(limits),
      factory_(std::move(factory)),
      tls_(tls) {
  for (ShardId s = 0; s < pool.shard_count(); ++s) {
    shard_contexts_.push_back(
        std::make_unique<ShardContext>(ShardContext{pool.io(s), s, registry_, limits_, site}));
  }
}

Listener::~Listener() = default;

Result<std::uint16_t> Listener::open(asio::io_context& io, const std::string& endpoint_text) {
  auto endpoint = parse_endpoint(endpoint_text);
  if (!endpoint) return std::unexpected(endpoint.error());
  acceptor_ = std::make_unique<tcp::acceptor>(io);
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
}

void Listener::accept() {
  target_ = pool_.next_shard_for_connection();
  // The socket is created on the target shard's io_context: it belongs to that shard from birth.
  acceptor_->async_accept(pool_.io(target_),
                          [this](const boost::system::error_code& ec, tcp::socket socket) {
                            if (ec == asio::error::operation_aborted || !acceptor_->is_open())
                              return;
                            if (!ec) {
                              hand_over(std::move(socket), target_);
                            } else {
                              // e.g. EMFILE: log and keep accepting; the error is transient once
                              // descriptors free up.
                              spdlog::warn("accept failed: {}", ec.message());
                            }
                            accept();
                          });
}

void Listener::hand_over(tcp::socket socket, ShardId shard) {
  const ShardContext& context = *shard_contexts_[shard];
  asio::post(pool_.io(shard), [this, &context, socket = std::move(socket)]() mutable {
    switch (kind_) {
      case ListenerKind::native_tcp:
        return start_tcp_connection(std::move(socket), context, factory_);
      case ListenerKind::native_tls:
        return start_tls_connection(std::move(socket), context, *tls_, factory_);
      case ListenerKind::http:
        return start_http_connection(std::move(socket), context, nullptr, factory_);
      case ListenerKind::https:
        return start_http_connection(std::move(socket), context, tls_, factory_);
    }
  });
}

}  // namespace parley::transport
