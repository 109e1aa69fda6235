// Idle connections over TLS for the `connections` scenario: connect, handshake (no certificate
// check: the server's certificate is self-signed), hello and resume, then only heartbeats. Over
// native TLS (length-prefixed frames) or WSS (one binary WebSocket message per frame, on /ws).
// Thread contract: used only on its io_context's thread.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "parley_proto/parley.pb.h"

namespace parley::bench {

class TlsIdleConnection : public std::enable_shared_from_this<TlsIdleConnection> {
 public:
  using Done = std::function<void(bool authenticated)>;

  TlsIdleConnection(boost::asio::io_context& io, boost::asio::ssl::context& tls,
                    bool websocket = false);
  // Connects from `source`, resumes with `token`; `done` once, with the outcome. A non-null
  // `ticket` is offered for TLS session resumption (the server may still do a full handshake).
  void start(const boost::asio::ip::tcp::endpoint& server, const std::string& source,
             const std::string& token, SSL_SESSION* ticket, Done done);
  void ping();
  bool open() const { return open_; }
  // After the handshake: whether TLS resumed the offered session, and this connection's session
  // (a new reference, for SSL_SESSION_free; null before the server's ticket has arrived).
  bool resumed() { return SSL_session_reused(stream_.native_handle()) == 1; }
  SSL_SESSION* session() { return SSL_get1_session(stream_.native_handle()); }

 private:
  using Tls = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;
  void authenticate(const std::string& token);
  void send(const v1::ClientFrame& frame);
  void write();
  void read();
  void read_message();
  void on_frame(std::string_view payload);
  void finish(bool ok);

  Tls stream_;
  std::optional<boost::beast::websocket::stream<Tls&>> ws_;  // WSS: over stream_
  boost::beast::flat_buffer message_;                        // WSS: the message being read
  Done done_;
  std::string inbuf_, pending_, writing_;
  std::array<char, 4096> buffer_{};
  bool open_ = false, writing_now_ = false;
};

}  // namespace parley::bench
