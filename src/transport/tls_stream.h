// A TLS stream for Beast (HTTPS and WSS) over TlsSession, in place of beast::ssl_stream: OpenSSL
// runs on the connection's own socket, decrypted bytes go straight into the caller's buffer and
// plaintext is staged per thread, so a WSS connection holds the SSL object and not ssl_stream's
// ~70 KB of buffers (docs/benchmarks.md), as the native TLS listener's connections do.
//
// It is an AsyncReadStream and AsyncWriteStream, and its own lowest layer with what Beast code
// written for beast::tcp_stream uses: socket(), expires_after() (the expiry closes the socket, and
// a pending operation ends with beast::error::timeout), expires_never(), close(); websocket
// teardown and close are provided for ADL. Movable (HttpSession hands it to the WebSocket): the
// state the pending operations use lives in one allocation that does not move.
//
// Thread contract: the socket's executor only; one read and one write may be pending at once.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "transport/tls_session.h"

namespace parley::transport {

class TlsSocketStream {
 public:
  using tcp = boost::asio::ip::tcp;
  using executor_type = tcp::socket::executor_type;
  using error_code = boost::beast::error_code;

  // Server side of TLS on `socket` with `context`'s settings (prepare_server_context).
  TlsSocketStream(tcp::socket socket, SSL_CTX* context);

  executor_type get_executor() { return impl_->socket.get_executor(); }
  tcp::socket& socket() { return impl_->socket; }
  // Bounds what is pending now and what starts before the next call (as beast::tcp_stream does).
  void expires_after(std::chrono::steady_clock::duration after);
  void expires_never();
  void close();

  // Completes with no error once the TLS handshake is done.
  template <class Token>
  auto async_handshake(Token&& token) {
    return boost::asio::async_compose<Token, void(error_code)>(Op<HandshakeStep>{impl_.get(), {}},
                                                               token, impl_->socket);
  }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(error_code, std::size_t)>(
        Op<ReadStep<MutableBuffers>>{impl_.get(), {buffers}}, token, impl_->socket);
  }

  // Writes at most one TLS record (TlsSession::kMaxChunk bytes) of `buffers` per call.
  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(error_code, std::size_t)>(
        Op<WriteStep<ConstBuffers>>{impl_.get(), {buffers}}, token, impl_->socket);
  }

  // WebSocket teardown (found by ADL from beast::websocket::stream), as Beast's own for TLS and
  // TCP: close_notify, the TCP half-close, then what the peer still sends (its close_notify) is
  // read and dropped until its FIN, so that closing never discards unread bytes (which would
  // reset the connection under the peer's own teardown). Beast closes the socket after. Bounded
  // by the connection's close grace, which closes the socket under the wait.
  friend void teardown(boost::beast::role_type, TlsSocketStream& stream, error_code& ec) {
    end_tls(*stream.impl_, ec);
  }
  template <class Handler>
  friend void async_teardown(boost::beast::role_type, TlsSocketStream& stream, Handler&& handler) {
    boost::asio::async_compose<Handler, void(error_code)>(DrainOp{stream.impl_.get()}, handler,
                                                          stream.impl_->socket);
  }
  friend void beast_close_socket(TlsSocketStream& stream) { stream.close(); }

 private:
  struct Impl {
    explicit Impl(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    std::unique_ptr<TlsSession> tls;  // null when OpenSSL could not make it: every call fails
    std::optional<boost::asio::steady_timer> expiry;  // only while an expiry is set
    std::uint32_t expiry_generation = 0;  // an expiry handler of an older setting does nothing
    bool timed_out = false;
  };

  // One attempt of each operation: the TLS call's outcome, and the bytes it moved.
  struct HandshakeStep {
    TlsSession::Outcome attempt(TlsSession& tls) { return tls.handshake(); }
  };
  template <class Buffers>
  struct ReadStep {
    Buffers buffers;
    TlsSession::Outcome attempt(TlsSession& tls) {
      for (auto it = boost::asio::buffer_sequence_begin(buffers);
           it != boost::asio::buffer_sequence_end(buffers); ++it) {
        const boost::asio::mutable_buffer b = *it;
        if (b.size() > 0) return tls.read({static_cast<char*>(b.data()), b.size()});
      }
      return {TlsSession::Status::done, 0};  // nothing asked: done at once, as Asio's are
    }
  };
  template <class Buffers>
  struct WriteStep {
    Buffers buffers;
    TlsSession::Outcome attempt(TlsSession& tls) {
      // Staged again on each attempt: after want_write OpenSSL wants the same bytes back.
      const std::span<char> staging = TlsSession::staging();
      const std::size_t n =
          boost::asio::buffer_copy(boost::asio::buffer(staging.data(), staging.size()), buffers);
      if (n == 0) return {TlsSession::Status::done, 0};
      return tls.write({staging.data(), n});
    }
  };

  // The composed operation: attempt, wait for what TLS asked, attempt again. A result on the
  // first attempt is delivered through a post, never from inside the initiating call.
  template <class Step>
  struct Op {
    Impl* impl;
    Step step;
    enum class Phase : std::uint8_t { starting, waiting, finishing } phase = Phase::starting;
    error_code result;
    std::size_t bytes = 0;

    template <class Self>
    void operator()(Self& self, error_code ec = {}) {
      if (phase == Phase::finishing) return complete(self);
      if (ec) {
        return finish(self, impl->timed_out ? error_code(boost::beast::error::timeout) : ec, 0);
      }
      if (!impl->tls) return finish(self, boost::asio::error::no_memory, 0);
      const TlsSession::Outcome outcome = step.attempt(*impl->tls);
      switch (outcome.status) {
        case TlsSession::Status::done:
          return finish(self, {}, outcome.bytes);
        case TlsSession::Status::want_read:
        case TlsSession::Status::want_write:
          phase = Phase::waiting;
          return impl->socket.async_wait(outcome.status == TlsSession::Status::want_read
                                             ? tcp::socket::wait_read
                                             : tcp::socket::wait_write,
                                         std::move(self));
        case TlsSession::Status::closed:
          return finish(self, boost::asio::error::eof, 0);
        case TlsSession::Status::failed:
          return finish(self, boost::asio::error::connection_aborted, 0);
      }
    }

    template <class Self>
    void finish(Self& self, error_code ec, std::size_t n) {
      result = ec;
      bytes = n;
      if (phase != Phase::starting) return complete(self);
      phase = Phase::finishing;
      boost::asio::post(impl->socket.get_executor(), std::move(self));
    }

    template <class Self>
    void complete(Self& self) {
      if constexpr (std::is_same_v<Step, HandshakeStep>) {
        self.complete(result);
      } else {
        self.complete(result, bytes);
      }
    }
  };

  static void end_tls(Impl& impl, error_code& ec);
  // Reads what is readable now into nothing: eof when the peer's FIN came, would_block when more
  // must be waited for, or the socket's error.
  static error_code drain(Impl& impl);

  struct DrainOp {
    Impl* impl;
    bool started = false;

    template <class Self>
    void operator()(Self& self, error_code ec = {}) {
      if (!started) {
        started = true;
        end_tls(*impl, ec);
        if (ec) {  // delivered through a post, never from inside the initiating call
          return boost::asio::post(impl->socket.get_executor(),
                                   boost::beast::bind_front_handler(std::move(self), ec));
        }
      } else if (ec) {
        return self.complete(ec);
      } else {
        ec = drain(*impl);
        if (ec == boost::asio::error::eof) return self.complete({});
        if (ec != boost::asio::error::would_block) return self.complete(ec);
      }
      impl->socket.async_wait(tcp::socket::wait_read, std::move(self));
    }
  };

  // Shared only with the expiry's handler (weakly), which may run after the stream is gone.
  std::shared_ptr<Impl> impl_;
};

}  // namespace parley::transport
