#include "transport/tls_stream.h"

namespace parley::transport {

TlsSocketStream::TlsSocketStream(tcp::socket socket, SSL_CTX* context)
    : impl_(std::make_shared<Impl>(std::move(socket))) {
  error_code ec;
  impl_->socket.non_blocking(true, ec);  // OpenSSL reads and writes the descriptor itself
  impl_->tls = TlsSession::accept(impl_->socket, context);
}

void TlsSocketStream::expires_after(std::chrono::steady_clock::duration after) {
  Impl& impl = *impl_;
  if (!impl.expiry) impl.expiry.emplace(impl.socket.get_executor());
  const std::uint32_t generation = ++impl.expiry_generation;
  impl.expiry->expires_after(after);  // a wait of the previous setting ends as cancelled
  impl.expiry->async_wait([weak = std::weak_ptr<Impl>(impl_), generation](const error_code& ec) {
    const auto alive = weak.lock();
    if (ec || !alive || alive->expiry_generation != generation) return;
    alive->timed_out = true;
    error_code ignored;
    alive->socket.close(ignored);  // what is pending ends, with beast::error::timeout
  });
}

void TlsSocketStream::expires_never() {
  ++impl_->expiry_generation;
  impl_->expiry.reset();
}

void TlsSocketStream::close() {
  error_code ignored;
  impl_->socket.close(ignored);
}

void TlsSocketStream::end_tls(Impl& impl, error_code& ec) {
  if (impl.tls) impl.tls->close_notify();
  impl.socket.shutdown(tcp::socket::shutdown_send, ec);
}

TlsSocketStream::error_code TlsSocketStream::drain(Impl& impl) {
  const std::span<char> sink = TlsSession::staging();  // free: nothing is being staged now
  while (true) {
    error_code ec;
    const std::size_t n = impl.socket.read_some(boost::asio::buffer(sink.data(), sink.size()), ec);
    if (ec == boost::asio::error::try_again) return boost::asio::error::would_block;
    if (ec) return ec;
    if (n == 0) return boost::asio::error::eof;
  }
}

}  // namespace parley::transport
