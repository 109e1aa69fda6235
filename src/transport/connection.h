// The seam between transports (bytes, TLS, WebSocket framing, back-pressure, idle timers) and
// protocol sessions (gateways). A transport owns the socket; a gateway owns protocol state.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/errors.h"

namespace parley::transport {

// Whether the transport delivers a byte stream (TCP, TLS) or whole messages (WebSocket).
enum class Framing : std::uint8_t { stream, messages };

// For message transports: WebSocket binary or text message. Streams always use binary.
enum class MessageType : std::uint8_t { binary, text };

// Bytes to send. `owner` keeps `bytes` alive until written, so one encoding can be shared by many
// connections without copies (e.g. owner = the shared Event). On a stream transport, `prefix`
// (at most 16 bytes, e.g. a length header) is written just before `bytes`, in the same syscall.
struct Outbound {
  std::shared_ptr<const void> owner;
  std::string_view bytes;
  MessageType type = MessageType::binary;
  std::string prefix;  // stream framing header; empty for message transports
};

// Implemented by transports. Thread contract: use only on the connection's shard thread.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual Framing framing() const = 0;
  // "ip:port" of the peer, for rate limits and logs.
  virtual const std::string& remote_address() const = 0;
  // Queues bytes; at most one write is in flight. When the queued bytes would exceed the
  // transport's bound, the connection is closed at once (slow consumer) and false is returned.
  virtual bool send(Outbound out) = 0;
  // Closes after what is already queued has been written (bounded by a short grace timer).
  virtual void close() = 0;
  // Calls ProtocolSession::on_idle when nothing has been received for `timeout` (0 disables).
  // The timer restarts on every received byte.
  virtual void set_idle_timeout(std::chrono::milliseconds timeout) = 0;
  // Bytes queued but not yet written (for tests and metrics).
  virtual std::size_t queued_bytes() const = 0;
};

// Implemented by gateways. Thread contract: the transport calls these only on the connection's
// shard, never after on_closed.
class ProtocolSession {
 public:
  virtual ~ProtocolSession() = default;
  // Stream transports: newly received bytes, in order. The session keeps what it cannot parse yet.
  virtual void on_bytes(std::string_view bytes) = 0;
  // Message transports: one whole received message.
  virtual void on_message(std::string_view payload, MessageType type) = 0;
  // The idle timer fired; the session decides (e.g. queue a goodbye, then close()).
  virtual void on_idle() = 0;
  // The connection is gone (peer closed, error, close() finished, overflow). Last call.
  virtual void on_closed() = 0;
};

// Creates the protocol session for a new connection, on the connection's shard. The transport
// keeps the returned session alive until after on_closed; the session may keep `connection` (a
// reference valid until on_closed returns).
using SessionFactory = std::function<std::unique_ptr<ProtocolSession>(Connection& connection)>;

}  // namespace parley::transport
