// One client connection of the load generator: writes coalesced into one syscall per batch, a
// callback per received native frame (length-prefixed protobuf), or, with set_consumer, the raw
// bytes for another protocol's parser (MQTT). Thread contract: used only on its io_context's
// thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "parley_proto/parley.pb.h"

namespace parley::bench {

class BenchConnection : public std::enable_shared_from_this<BenchConnection> {
 public:
  using FrameHandler = std::function<void(const v1::ServerFrame&)>;
  using Done = std::function<void(bool ok)>;

  BenchConnection(boost::asio::io_context& io, FrameHandler on_frame);
  // Connects from `source` (empty: any) to `server`, then calls done.
  void connect(const boost::asio::ip::tcp::endpoint& server, const std::string& source, Done done);
  // Queues a frame; written with the others queued before the next flush().
  void queue(const v1::ClientFrame& frame);
  // Starts writing what is queued (one write in flight at a time).
  void flush();
  void close();
  // Queues bytes already encoded (another protocol's packets).
  void queue_bytes(std::string_view bytes) { pending_ += bytes; }
  void set_handler(FrameHandler on_frame) { on_frame_ = std::move(on_frame); }
  // Replaces native framing: received bytes go to `consume`, which returns how many it used
  // (whole packets); the rest waits for more.
  using Consumer = std::function<std::size_t(std::string_view)>;
  void set_consumer(Consumer consume) { consume_ = std::move(consume); }
  // Called after the frames of one read were handled, before their answers are flushed: lets a
  // handler batch (e.g. one delivery_ack for every message of the read).
  void set_after_read(std::function<void()> after_read) { after_read_ = std::move(after_read); }
  bool open() const { return open_; }

 private:
  void read();
  void write();

  boost::asio::ip::tcp::socket socket_;
  FrameHandler on_frame_;
  Consumer consume_;
  std::function<void()> after_read_;
  std::string inbuf_;
  std::string pending_;  // queued, not yet handed to the socket
  std::string writing_;  // being written
  bool write_in_flight_ = false;
  bool open_ = false;
  v1::ServerFrame scratch_;
};

}  // namespace parley::bench
