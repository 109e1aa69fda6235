// TLS over a connection's own non-blocking TCP socket, with OpenSSL driven directly
// (SSL_set_fd) instead of through asio::ssl::stream. The point is memory: asio's stream keeps
// two zero-filled 17 KB buffers and a 2 x 17 KB BIO pair per connection for its whole life
// (≈ 70 KB of an idle TLS connection's 92 KB, docs/benchmarks.md). Here a connection holds only
// the SSL object: decrypted bytes are read into the caller's buffer (the shard's, shared by its
// connections), plaintext to send is staged in a per-thread buffer, and OpenSSL's own record
// buffers are released whenever they are empty (SSL_MODE_RELEASE_BUFFERS).
//
// The calls never block: each says what it needs (readable, writable) and the caller waits for
// that with the socket's async_wait, then calls again. Thread contract: the socket's thread only;
// one read and one write may be outstanding at once (OpenSSL allows SSL_read and SSL_write to
// interleave on one thread, and a write retried after want_write passes the same bytes again).
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <memory>
#include <span>
#include <string>

namespace parley::transport {

class TlsSession {
 public:
  enum class Status : std::uint8_t {
    done,        // the call did what it was asked (n bytes read / written)
    want_read,   // wait for the socket to be readable, then call again
    want_write,  // wait for the socket to be writable, then call again
    closed,      // the peer ended TLS (close_notify) or the TCP stream
    failed,      // a protocol or socket error: the connection is over
  };
  struct Outcome {
    Status status = Status::failed;
    std::size_t bytes = 0;
  };

  // Server side of TLS over `socket`, which must outlive this object. Null when OpenSSL could
  // not make the session (out of memory).
  static std::unique_ptr<TlsSession> accept(boost::asio::ip::tcp::socket& socket, SSL_CTX* context);
  ~TlsSession();
  TlsSession(const TlsSession&) = delete;
  TlsSession& operator=(const TlsSession&) = delete;

  // Drives the handshake: done once it is complete.
  Outcome handshake();
  // Decrypted bytes into `buffer` (done with bytes > 0), or what to wait for.
  Outcome read(std::span<char> buffer);
  // Encrypts and sends up to kMaxChunk bytes of `bytes` as one record (done: all of them sent).
  // After want_write, call again with the same bytes (at the same or another address).
  Outcome write(std::span<const char> bytes);
  // Sends close_notify, without waiting for the peer's (the TCP half-close follows it). Does
  // nothing once the session has failed (an EOF without close_notify, a protocol error).
  void close_notify();
  // What the last failure was, for the log ("" when none).
  std::string last_error() const { return last_error_; }
  // True when TLS resumed an earlier session (a ticket) instead of a full handshake.
  bool resumed() const;

  // The largest plaintext of one TLS record: what write() takes at most per call.
  static constexpr std::size_t kMaxChunk = 16 * 1024;
  // The calling thread's buffer for staging plaintext to write: a writer copies up to kMaxChunk
  // bytes of what it sends here and calls write() on them; after want_write it stages the same
  // bytes again, so no connection keeps a copy while it waits.
  static std::span<char, kMaxChunk> staging();

 private:
  explicit TlsSession(SSL* ssl) : ssl_(ssl) {}
  Outcome outcome_of(int result, std::size_t bytes);

  SSL* ssl_;
  std::string last_error_;
  // False after SSL_ERROR_SYSCALL or SSL_ERROR_SSL: OpenSSL's documentation forbids SSL_shutdown
  // then (the session is broken; nothing more may be written on it).
  bool may_shut_down_ = true;
};

// Sets what every TLS session of `context` relies on: record buffers released while empty,
// partial writes and moving write buffers (write() retries from a per-thread buffer), no TLS 1.2
// renegotiation (a client-initiated one is refused).
void prepare_server_context(SSL_CTX* context);

}  // namespace parley::transport
