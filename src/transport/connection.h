// The seam between transports (bytes, TLS, WebSocket framing, back-pressure, time limits) and
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

// Why the server ends a connection. Message transports send it as the WebSocket close code
// (docs/protocol.md, "WebSocket close codes"); a stream has nowhere to carry it.
enum class CloseReason : std::uint8_t {
  normal,      // 1000
  going_away,  // 1001: the server is stopping
  policy,      // 1008: the peer broke the protocol or a limit (the goodbye before says which)
  too_big,     // 1009: a message over the size limit
};

// Which time limit passed (ProtocolSession::on_timeout). All are checked by a per-shard sweep
// once a second, so each may be noticed up to a second late.
enum class Timeout : std::uint8_t {
  idle,           // nothing received for set_idle_timeout's span
  deadline,       // the time given to set_deadline came, whatever was received meanwhile
  partial_frame,  // a frame begun was not completed within TransportLimits::partial_frame_timeout
};

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
  // Queues bytes; at most one write is in flight. The queue has a soft mark
  // (TransportLimits::max_outbound_bytes): above it the transport stops reading from the peer,
  // and a connection whose queue stays above it for slow_consumer_grace is cut. A frame that
  // would take a queue already above the mark past max_outbound_hard_bytes cuts it at once; then
  // false is returned (on_closed follows). A frame into a queue below the mark is always taken.
  virtual bool send(Outbound out) = 0;
  // Closes after what is already queued has been written (bounded by a short grace timer).
  virtual void close(CloseReason reason) = 0;
  // Calls ProtocolSession::on_timeout(idle) when nothing has been received for `timeout`
  // (0 disables). Every received byte restarts the clock.
  virtual void set_idle_timeout(std::chrono::milliseconds timeout) = 0;
  // Calls ProtocolSession::on_timeout(deadline) once `when` has come; received bytes do not move
  // it (a time limit for hello or login). time_point::max() cancels.
  virtual void set_deadline(std::chrono::steady_clock::time_point when) = 0;
  // Stream transports: the session keeps the start of a frame not yet complete (true), or has
  // just completed one or holds none (false). One left incomplete for longer than
  // TransportLimits::partial_frame_timeout ends in on_timeout(partial_frame). Message transports
  // track their partial messages themselves.
  virtual void set_partial_frame(bool pending) = 0;
  // Input flow control: while paused, nothing more is read from the peer (bytes already read
  // have been delivered). The transport also stops reading while its queue is above the soft mark.
  virtual void pause_input() = 0;
  virtual void resume_input() = 0;
  // A connection counts against the caps on unauthenticated connections
  // (TransportLimits::max_unauthenticated...) from accept until mark_authenticated, and again
  // from mark_unauthenticated (after a logout).
  virtual void mark_authenticated() = 0;
  virtual void mark_unauthenticated() = 0;
  // Bytes queued but not yet written, each frame counted with its queue entry's memory (what the
  // soft mark and hard cap compare against; for tests and metrics).
  virtual std::size_t queued_bytes() const = 0;
  // Whether the bytes of this connection are encrypted now (a TLS listener, after STARTTLS, or
  // WSS), and whether start_tls() would be taken now: what a session offers STARTTLS and
  // requires TLS by.
  virtual bool encrypted() const { return false; }
  virtual bool starttls_available() const { return false; }
  // STARTTLS (XMPP, RFC 6120 §5.4.3.3): turns this plain stream into TLS in place. Call from
  // on_bytes right after queuing the reply that tells the peer to begin TLS ("proceed"). The
  // transport reads nothing more in plain, writes what is queued, then runs the server handshake
  // (bounded by TransportLimits::handshake_timeout; a failure closes the connection, on_closed
  // follows); bytes received after that come decrypted through on_bytes, and send() goes over TLS.
  // Send nothing more until TLS is up: anything queued before the handshake starts goes in plain.
  // The peer must send nothing after its request until the handshake: bytes the session already
  // holds beyond the request are a protocol error it answers itself (in plain, then close)
  // instead of calling this. Fails (invalid_argument) on a message transport, a listener not
  // configured for STARTTLS, a connection already on TLS or upgrading, or one closing.
  virtual Result<void> start_tls() {
    return fail(Errc::invalid_argument, "STARTTLS is not offered on this connection");
  }
};

// Implemented by gateways. Thread contract: the transport calls these only on the connection's
// shard, never after on_closed.
class ProtocolSession {
 public:
  virtual ~ProtocolSession() = default;
  // Stream transports: newly received bytes, in order. The session keeps what it cannot parse yet.
  virtual void on_bytes(std::string_view bytes) = 0;
  // Message transports: one whole received message. A message longer than
  // TransportLimits::max_message_bytes arrives cut short (still longer than the limit) so that
  // the session can refuse it in its own protocol; the transport then closes with
  // CloseReason::too_big unless the session closed first, and delivers nothing more.
  virtual void on_message(std::string_view payload, MessageType type) = 0;
  // A time limit passed; the session decides (e.g. queue a goodbye, then close()).
  virtual void on_timeout(Timeout which) = 0;
  // The server is stopping: the session says goodbye in its protocol and closes (with
  // CloseReason::going_away). If it does not close, the transport does right after.
  virtual void on_shutdown() = 0;
  // The connection is gone (peer closed, error, close() finished, overflow). Last call.
  virtual void on_closed() = 0;
};

// Creates the protocol session for a new connection, on the connection's shard. The transport
// keeps the returned session alive until after on_closed; the session may keep `connection` (a
// reference valid until on_closed returns).
using SessionFactory = std::function<std::unique_ptr<ProtocolSession>(Connection& connection)>;

}  // namespace parley::transport
