// Client side of the four native transports (tcp, tls, ws, wss): opens a connection and then
// moves whole protobuf frames in both directions. Everything here runs on the client's io thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace parley::client {

struct ServerUrl {
  std::string scheme;  // tcp, tls, ws, wss
  std::string host;
  std::string port;
  std::string path;  // WebSocket only; "/ws" by default
  bool tls() const { return scheme == "tls" || scheme == "wss"; }
  bool websocket() const { return scheme == "ws" || scheme == "wss"; }
};

// False (with `error`) when the URL is not one of the four forms.
bool parse_server_url(const std::string& url, ServerUrl& out, std::string& error);

class Transport {
 public:
  using FrameHandler = std::function<void(std::string payload)>;
  using CloseHandler = std::function<void(std::string reason)>;

  virtual ~Transport() = default;
  // Starts reading; on_frame gets each frame's protobuf bytes, on_close runs once when the
  // connection ends (not after close()). Io thread only, like every method here.
  virtual void start(FrameHandler on_frame, CloseHandler on_close) = 0;
  // Queues one frame; one write in flight at a time.
  virtual void send(std::string payload) = 0;
  // Closes the socket at once, without any goodbye; on_close does not run afterwards.
  virtual void close() = 0;
};

using OpenHandler = std::function<void(std::shared_ptr<Transport>, std::string error)>;

// Resolves, connects and handshakes (TLS, WebSocket); `done` runs on the io thread exactly once.
void open_transport(boost::asio::io_context& io, const ServerUrl& url, bool insecure_tls,
                    std::chrono::milliseconds timeout, OpenHandler done);

}  // namespace parley::client
