#include "transport/http_connection.h"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <deque>
#include <optional>
#include <type_traits>

#include "transport/connection_base.h"
#include "transport/static_files.h"
#include "transport/tls_stream.h"

namespace parley::transport {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using PlainStream = beast::tcp_stream;
using TlsStream = TlsSocketStream;  // OpenSSL on the socket itself (tls_stream.h)

websocket::close_code close_code_for(CloseReason reason) {
  switch (reason) {
    case CloseReason::normal:
      return websocket::close_code::normal;
    case CloseReason::going_away:
      return websocket::close_code::going_away;
    case CloseReason::policy:
      return websocket::close_code::policy_error;
    case CloseReason::too_big:
      return websocket::close_code::too_big;
  }
  return websocket::close_code::normal;
}

// Message bytes read per completion. The read loop sees a message grow chunk by chunk, so it can
// stop one that passes the size limit after at most this much more, and time one left unfinished.
constexpr std::size_t kReadChunk = 4 * 1024;

// One upgraded WebSocket. Beast allows one write in flight, so messages queue here and go out
// one per write; the read loop hands each whole message to the session.
template <class Stream>
class WebSocketConnection final : public ConnectionBase {
 public:
  WebSocketConnection(Stream stream, const ShardContext& shard, std::string remote,
                      UnauthenticatedSlot slot)
      : ConnectionBase(shard.io, shard.shard, shard.registry, shard.limits, std::move(remote),
                       std::move(slot)),
        ws_(std::move(stream)) {}

  // `subprotocol`: named in the 101 when not empty (the route's, which the client offered).
  void accept(http::request<http::string_body> request, const SessionFactory& factory,
              const std::string& subprotocol) {
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = limits().handshake_timeout;
    timeouts.idle_timeout = websocket::stream_base::none();  // the session's heartbeat decides
    timeouts.keep_alive_pings = false;
    ws_.set_option(timeouts);
    // The size limit is ours (read()): Beast's own would close with 1009 before the session
    // could say goodbye.
    ws_.read_message_max(0);
    ws_.auto_fragment(false);
    if (!subprotocol.empty()) {
      ws_.set_option(
          websocket::stream_base::decorator([&subprotocol](websocket::response_type& response) {
            response.set(http::field::sec_websocket_protocol, subprotocol);
          }));
    }
    ws_.async_accept(request, [self = shared(), this, &factory](const beast::error_code& ec) {
      if (ec || aborted()) return abort_transport(false);
      attach(factory);
      read();
    });
  }

  Framing framing() const override { return Framing::messages; }
  // WSS: the WebSocket runs over TlsSocketStream; WS over the plain socket.
  bool encrypted() const override {
    return !std::is_same_v<std::remove_cvref_t<decltype(beast::get_lowest_layer(ws_))>,
                           boost::asio::ip::tcp::socket>;
  }

  bool send(Outbound out) override {
    if (closing() || finalized()) return false;
    if (!reserve_outbound(queued_cost(out))) return false;
    queue_.push_back(std::move(out));
    if (!writing_) write();
    return true;
  }

 private:
  // Reads a message chunk by chunk (at most one byte past the limit), so that a message too
  // large is delivered cut short for the session to refuse, and one left unfinished is timed
  // (set_partial_frame). The loop stops while input is paused (may_read).
  void read() {
    if (!may_read()) return;
    const std::size_t room =
        limits().max_message_bytes + 1 - std::min(buffer_.size(), limits().max_message_bytes);
    ws_.async_read_some(buffer_, std::min(room, kReadChunk),
                        [self = shared(), this](const beast::error_code& ec, std::size_t) {
                          if (ec) return finalize();
                          note_activity();
                          on_read();
                          if (aborted()) return finalize();
                          read();
                        });
  }

  void on_read() {
    const bool done = ws_.is_message_done();
    if (discarding_) {  // the rest of a message already refused
      buffer_.clear();
      discarding_ = !done;
      return;
    }
    const bool too_large = buffer_.size() > limits().max_message_bytes;
    if (!done && !too_large) return set_partial_frame(true);
    set_partial_frame(false);
    const auto data = buffer_.cdata();
    const std::string_view payload(static_cast<const char*>(data.data()), data.size());
    if (accepting_input()) {
      session()->on_message(payload, ws_.got_text() ? MessageType::text : MessageType::binary);
    }
    buffer_.clear();
    if (buffer_.capacity() > 64 * 1024) buffer_.shrink_to_fit();
    if (too_large) {
      discarding_ = !done;
      close(CloseReason::too_big);  // no-op when the session closed already
    }
  }

  void start_reading() override { read(); }

  void write() {
    if (queue_.empty() || aborted() || finalized()) return;
    writing_ = true;
    const Outbound& out = queue_.front();
    ws_.text(out.type == MessageType::text);
    ws_.async_write(asio::buffer(out.bytes.data(), out.bytes.size()),
                    [self = shared(), this](const beast::error_code& ec, std::size_t) {
                      writing_ = false;
                      release_outbound(queued_cost(queue_.front()));
                      queue_.pop_front();
                      if (ec) return abort();
                      if (!queue_.empty()) return write();
                      on_queue_drained();
                    });
  }

  void shutdown_transport() override {
    ws_.async_close(close_code_for(close_reason()), [self = shared()](const beast::error_code&) {});
  }

  void abort_transport(bool reset) override {
    beast::error_code ec;
    auto& socket = beast::get_lowest_layer(ws_).socket();
    if (reset) set_reset_on_close(socket);
    socket.close(ec);
  }

  std::shared_ptr<WebSocketConnection> shared() {
    return std::static_pointer_cast<WebSocketConnection>(shared_from_this());
  }

  websocket::stream<Stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<Outbound> queue_;
  bool writing_ = false;
  bool discarding_ = false;
};

// Reads HTTP requests until one upgrades or the peer leaves. Not registered as a connection:
// it is short-lived and bounded by the handshake timeout.
template <class Stream>
class HttpSession : public std::enable_shared_from_this<HttpSession<Stream>> {
 public:
  HttpSession(Stream stream, const ShardContext& shard, const std::vector<WebSocketRoute>& routes,
              std::string remote, UnauthenticatedSlot slot)
      : stream_(std::move(stream)),
        shard_(shard),
        routes_(routes),
        remote_(std::move(remote)),
        slot_(std::move(slot)) {}

  void start() {
    if constexpr (std::is_same_v<Stream, TlsStream>) {
      stream_.expires_after(shard_.limits.handshake_timeout);
      stream_.async_handshake([self = this->shared_from_this()](const beast::error_code& ec) {
        if (!ec) self->read_request();
      });
    } else {
      read_request();
    }
  }

 private:
  void read_request() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(shard_.limits.max_http_header_bytes));
    parser_->body_limit(4096);
    beast::get_lowest_layer(stream_).expires_after(shard_.limits.handshake_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](const beast::error_code& ec, std::size_t) {
                       if (ec) return self->close();
                       self->handle(self->parser_->release());
                     });
  }

  void handle(http::request<http::string_body> request) {
    const std::string_view target(request.target().data(), request.target().size());
    if (websocket::is_upgrade(request)) {
      std::vector<std::string_view> offered;
      const auto [begin, end] = request.equal_range(http::field::sec_websocket_protocol);
      for (auto field = begin; field != end; ++field) {
        offered.emplace_back(field->value().data(), field->value().size());
      }
      const RouteChoice choice = choose_websocket_route(routes_, target, offered);
      if (!choice.route) {
        if (choice.status == 400) {
          return respond(request, http::status::bad_request,
                         "this path needs a WebSocket subprotocol the request did not offer\n");
        }
        return respond(request, http::status::not_found, "not found\n");
      }
      auto ws = std::make_shared<WebSocketConnection<Stream>>(std::move(stream_), shard_,
                                                              std::move(remote_), std::move(slot_));
      ws->accept(std::move(request), choice.route->factory, choice.route->subprotocol);
      return;
    }
    if (target == kHealthPath &&
        (request.method() == http::verb::get || request.method() == http::verb::head)) {
      return respond(request, http::status::ok, "ok\n");
    }
    if (shard_.site) return respond_static(request);
    respond(request, http::status::not_found, "not found\n");
  }

  // The web client's files (static_files.h): the reply's owner keeps the body alive.
  void respond_static(const http::request<http::string_body>& request) {
    auto reply = std::make_shared<StaticReply>(shard_.site->respond(
        request.method(), std::string_view(request.target().data(), request.target().size()),
        request.version()));
    reply->response.keep_alive(request.keep_alive());
    http::async_write(
        stream_, reply->response,
        [self = this->shared_from_this(), reply](const beast::error_code& ec, std::size_t) {
          if (ec || !reply->response.keep_alive()) return self->close();
          self->read_request();
        });
  }

  void respond(const http::request<http::string_body>& request, http::status status,
               std::string body) {
    auto response = std::make_shared<http::response<http::string_body>>(status, request.version());
    response->set(http::field::server, "parleyd");
    response->set(http::field::content_type, "text/plain; charset=utf-8");
    response->keep_alive(request.keep_alive());
    response->body() = std::move(body);
    response->prepare_payload();
    http::async_write(
        stream_, *response,
        [self = this->shared_from_this(), response](const beast::error_code& ec, std::size_t) {
          if (ec || !response->keep_alive()) return self->close();
          self->read_request();
        });
  }

  void close() {
    beast::error_code ec;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_send, ec);
    beast::get_lowest_layer(stream_).close();
  }

  Stream stream_;
  ShardContext shard_;
  const std::vector<WebSocketRoute>& routes_;
  std::string remote_;
  UnauthenticatedSlot slot_;  // an HTTP connection counts as unauthenticated until it upgrades
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

// The tokens of comma-separated lists, without the optional whitespace around them.
bool offers(const std::vector<std::string_view>& offered, std::string_view wanted) {
  for (std::string_view list : offered) {
    while (!list.empty()) {
      const auto comma = list.find(',');
      std::string_view token = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) {
        token.remove_prefix(1);
      }
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) {
        token.remove_suffix(1);
      }
      if (token == wanted) return true;
    }
  }
  return false;
}

}  // namespace

RouteChoice choose_websocket_route(const std::vector<WebSocketRoute>& routes,
                                   std::string_view target,
                                   const std::vector<std::string_view>& offered) {
  const WebSocketRoute* any = nullptr;
  bool path_known = false;
  for (const WebSocketRoute& route : routes) {
    if (route.path != target) continue;  // exact: a query string is another path
    path_known = true;
    if (route.subprotocol.empty()) {
      if (!any) any = &route;
    } else if (offers(offered, route.subprotocol)) {
      return {&route, 0};  // a subprotocol the client asked for beats a route that takes any
    }
  }
  if (any) return {any, 0};
  return {nullptr, path_known ? 400u : 404u};
}

void start_http_connection(tcp::socket socket, const ShardContext& shard, asio::ssl::context* tls,
                           const std::vector<WebSocketRoute>& routes, UnauthenticatedSlot slot) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  std::string remote = peer_of(socket);
  if (tls) {
    auto s =
        std::make_shared<HttpSession<TlsStream>>(TlsStream(std::move(socket), tls->native_handle()),
                                                 shard, routes, std::move(remote), std::move(slot));
    s->start();
  } else {
    auto s = std::make_shared<HttpSession<PlainStream>>(PlainStream(std::move(socket)), shard,
                                                        routes, std::move(remote), std::move(slot));
    s->start();
  }
}

}  // namespace parley::transport
