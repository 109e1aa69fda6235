#include "transport/tls_session.h"

#include <openssl/err.h>

#include <array>

namespace parley::transport {
namespace {

std::string drain_error_queue() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text;
}

}  // namespace

void prepare_server_context(SSL_CTX* context) {
  SSL_CTX_set_mode(context, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                                SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION);
}

std::unique_ptr<TlsSession> TlsSession::accept(boost::asio::ip::tcp::socket& socket,
                                               SSL_CTX* context) {
  SSL* ssl = SSL_new(context);
  if (ssl == nullptr) return nullptr;
  if (SSL_set_fd(ssl, socket.native_handle()) != 1) {
    SSL_free(ssl);
    return nullptr;
  }
  SSL_set_accept_state(ssl);
  return std::unique_ptr<TlsSession>(new TlsSession(ssl));
}

TlsSession::~TlsSession() { SSL_free(ssl_); }

TlsSession::Outcome TlsSession::outcome_of(int result, std::size_t bytes) {
  if (result == 1) return {Status::done, bytes};
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ:
      return {Status::want_read, 0};
    case SSL_ERROR_WANT_WRITE:
      return {Status::want_write, 0};
    case SSL_ERROR_ZERO_RETURN:
      return {Status::closed, 0};
    case SSL_ERROR_SYSCALL:
      // An EOF without close_notify, or a socket error: either way the stream is over.
      may_shut_down_ = false;
      last_error_ = drain_error_queue();
      return {last_error_.empty() ? Status::closed : Status::failed, 0};
    default:
      may_shut_down_ = false;
      last_error_ = drain_error_queue();
      return {Status::failed, 0};
  }
}

TlsSession::Outcome TlsSession::handshake() {
  ERR_clear_error();
  return outcome_of(SSL_do_handshake(ssl_), 0);
}

TlsSession::Outcome TlsSession::read(std::span<char> buffer) {
  ERR_clear_error();
  std::size_t n = 0;
  const int result = SSL_read_ex(ssl_, buffer.data(), buffer.size(), &n);
  return outcome_of(result, n);
}

TlsSession::Outcome TlsSession::write(std::span<const char> bytes) {
  ERR_clear_error();
  std::size_t n = 0;
  const int result = SSL_write_ex(ssl_, bytes.data(), std::min(bytes.size(), kMaxChunk), &n);
  return outcome_of(result, n);
}

void TlsSession::close_notify() {
  if (!may_shut_down_) return;
  ERR_clear_error();
  // One attempt: if the socket cannot take it now, the TCP half-close that follows still ends
  // the stream, and a peer that insists on close_notify sees a truncation it can log.
  (void)SSL_shutdown(ssl_);
  ERR_clear_error();
}

std::span<char, TlsSession::kMaxChunk> TlsSession::staging() {
  thread_local std::array<char, kMaxChunk> buffer;
  return buffer;
}

bool TlsSession::resumed() const { return SSL_session_reused(ssl_) == 1; }

}  // namespace parley::transport
