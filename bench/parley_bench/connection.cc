#include "parley_bench/connection.h"

#include <array>
#include <boost/asio/write.hpp>

#include "gateway/native/frame_codec.h"

namespace parley::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

BenchConnection::BenchConnection(asio::io_context& io, FrameHandler on_frame)
    : socket_(io), on_frame_(std::move(on_frame)) {}

void BenchConnection::connect(const tcp::endpoint& server, const std::string& source, Done done) {
  boost::system::error_code ec;
  socket_.open(server.protocol(), ec);
  if (!ec && !source.empty()) {
    // Several source addresses: each has its own ephemeral port range.
    socket_.bind(tcp::endpoint(asio::ip::make_address(source), 0), ec);
  }
  if (ec) return done(false);
  socket_.async_connect(server,
                        [self = shared_from_this(), done](const boost::system::error_code& e) {
                          if (e) return done(false);
                          self->open_ = true;
                          boost::system::error_code ignored;
                          self->socket_.set_option(tcp::no_delay(true), ignored);
                          self->socket_.non_blocking(true, ignored);
                          self->read();
                          done(true);
                        });
}

void BenchConnection::queue(const v1::ClientFrame& frame) {
  const std::size_t size = frame.ByteSizeLong();
  pending_ += native::length_prefix(size);
  const std::size_t at = pending_.size();
  pending_.resize(at + size);
  frame.SerializeToArray(pending_.data() + at, static_cast<int>(size));
}

void BenchConnection::flush() {
  if (!write_in_flight_ && !pending_.empty() && open_) write();
}

void BenchConnection::write() {
  write_in_flight_ = true;
  writing_.swap(pending_);
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
                      self->write_in_flight_ = false;
                      self->writing_.clear();
                      if (ec) return self->close();
                      self->flush();
                    });
}

// Waits for readability, then drains the socket into one buffer per thread: a buffer shared by
// the connections of a thread must only be read into synchronously, never by a pending async read.
void BenchConnection::read() {
  socket_.async_wait(
      tcp::socket::wait_read, [self = shared_from_this()](const boost::system::error_code& ec) {
        if (ec) return self->close();
        static thread_local std::array<char, 64 * 1024> buffer;
        while (true) {
          boost::system::error_code e;
          const std::size_t n = self->socket_.read_some(asio::buffer(buffer), e);
          if (e == asio::error::would_block || e == asio::error::try_again) break;
          if (e || n == 0) return self->close();
          self->inbuf_.append(buffer.data(), n);
          if (n < buffer.size()) break;
        }
        std::size_t offset = 0;
        if (self->consume_) offset = self->consume_(self->inbuf_);
        while (!self->consume_) {
          auto parsed = native::parse_frame(std::string_view(self->inbuf_).substr(offset),
                                            native::kDefaultMaxFrameBytes);
          if (parsed.status != native::ParseStatus::ok) break;
          offset += parsed.consumed;
          if (self->scratch_.ParseFromArray(parsed.payload.data(),
                                            static_cast<int>(parsed.payload.size()))) {
            if (self->on_frame_) self->on_frame_(self->scratch_);
          }
        }
        self->inbuf_.erase(0, offset);
        if (self->after_read_) self->after_read_();
        self->flush();  // answers queued by the handler go out in one write
        self->read();
      });
}

void BenchConnection::close() {
  open_ = false;
  boost::system::error_code ec;
  socket_.close(ec);
}

}  // namespace parley::bench
