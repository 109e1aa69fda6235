#include "parley_bench/tls_idle.h"

#include <boost/asio/write.hpp>

#include "gateway/native/frame_codec.h"
#include "parley_bench/frames.h"

namespace parley::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

TlsIdleConnection::TlsIdleConnection(asio::io_context& io, asio::ssl::context& tls, bool websocket)
    : stream_(io, tls) {
  if (websocket) {
    ws_.emplace(stream_);
    ws_->binary(true);
  }
}

void TlsIdleConnection::start(const tcp::endpoint& server, const std::string& source,
                              const std::string& token, SSL_SESSION* ticket, Done done) {
  done_ = std::move(done);
  if (ticket) SSL_set_session(stream_.native_handle(), ticket);
  boost::system::error_code ec;
  auto& socket = stream_.next_layer();
  socket.open(server.protocol(), ec);
  if (!ec && !source.empty()) socket.bind(tcp::endpoint(asio::ip::make_address(source), 0), ec);
  if (ec) return finish(false);
  socket.async_connect(
      server, [self = shared_from_this(), token](const boost::system::error_code& e) {
        if (e) return self->finish(false);
        self->stream_.async_handshake(
            asio::ssl::stream_base::client, [self, token](const boost::system::error_code& h) {
              if (h) return self->finish(false);
              if (!self->ws_) return self->authenticate(token);
              self->ws_->async_handshake("127.0.0.1", "/ws",
                                         [self, token](const boost::system::error_code& w) {
                                           if (w) return self->finish(false);
                                           self->authenticate(token);
                                         });
            });
      });
}

void TlsIdleConnection::authenticate(const std::string& token) {
  open_ = true;
  send(hello_frame(kQuietHeartbeatMs));
  send(resume_frame(token));
  if (ws_) return read_message();
  read();
}

void TlsIdleConnection::ping() {
  if (!open_) return;
  v1::ClientFrame f;
  f.set_id(3);
  f.mutable_ping();
  send(f);
}

// TLS: frames accumulate in pending_ and go out together. WSS: one message per frame, so the
// queue holds length-prefixed frames and write() sends the first of them.
void TlsIdleConnection::send(const v1::ClientFrame& frame) {
  const std::string body = frame.SerializeAsString();
  pending_ += native::length_prefix(body.size());
  pending_ += body;
  if (!writing_now_) write();
}

void TlsIdleConnection::write() {
  if (pending_.empty() || !open_) return;
  writing_now_ = true;
  auto done = [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
    self->writing_now_ = false;
    self->writing_.clear();
    if (ec) return self->finish(false);
    self->write();
  };
  if (!ws_) {
    writing_.swap(pending_);
    return asio::async_write(stream_, asio::buffer(writing_), std::move(done));
  }
  const auto parsed = native::parse_frame(pending_, native::kDefaultMaxFrameBytes);
  writing_.assign(parsed.payload);
  pending_.erase(0, parsed.consumed);
  ws_->async_write(asio::buffer(writing_), std::move(done));
}

void TlsIdleConnection::read() {
  stream_.async_read_some(
      asio::buffer(buffer_),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        if (ec) {
          self->open_ = false;
          return self->finish(false);
        }
        self->inbuf_.append(self->buffer_.data(), n);
        std::size_t offset = 0;
        while (true) {
          auto parsed = native::parse_frame(std::string_view(self->inbuf_).substr(offset),
                                            native::kDefaultMaxFrameBytes);
          if (parsed.status != native::ParseStatus::ok) break;
          offset += parsed.consumed;
          self->on_frame(parsed.payload);
        }
        self->inbuf_.erase(0, offset);
        self->read();
      });
}

void TlsIdleConnection::read_message() {
  ws_->async_read(message_,
                  [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                    if (ec) {
                      self->open_ = false;
                      return self->finish(false);
                    }
                    const auto data = self->message_.cdata();
                    self->on_frame({static_cast<const char*>(data.data()), data.size()});
                    self->message_.clear();
                    self->read_message();
                  });
}

void TlsIdleConnection::on_frame(std::string_view payload) {
  v1::ServerFrame frame;
  if (!frame.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return;
  if (frame.has_auth_ok()) finish(true);
  if (frame.has_error() || frame.has_goodbye()) finish(false);
}

void TlsIdleConnection::finish(bool ok) {
  if (!done_) return;  // once
  auto done = std::move(done_);
  done_ = nullptr;
  done(ok);
}

}  // namespace parley::bench
