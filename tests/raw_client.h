// A deliberately minimal native-protocol client over a plain TCP socket, for tests that must send
// exactly the bytes they choose (malformed frames, silence, never reading).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "parley_proto/parley.pb.h"

namespace parley::testing {

using namespace std::chrono_literals;

struct ConnectOptions {
  std::string source_address;  // e.g. "127.0.0.2"; empty: the kernel's choice
  int receive_buffer = 0;  // nonzero: SO_RCVBUF before connecting (a reader with a small window)
};

class RawClient {
 public:
  // nullptr when the connection fails.
  static std::unique_ptr<RawClient> connect(std::uint16_t port, const ConnectOptions& options = {});
  ~RawClient();

  bool send_bytes(std::string_view bytes);
  bool send_frame(const v1::ClientFrame& frame);  // adds the length prefix
  // The next frame within `timeout`; nullopt on timeout, EOF or an undecodable frame.
  std::optional<v1::ServerFrame> read_frame(std::chrono::milliseconds timeout = 10s);
  // Sends `frame` with a fresh id and returns the frame answering it; events read meanwhile are
  // kept for next_event.
  std::optional<v1::ServerFrame> request(v1::ClientFrame frame,
                                         std::chrono::milliseconds timeout = 10s);
  // The next pushed frame (id 0), including ones read while waiting for an answer.
  std::optional<v1::ServerFrame> next_event(std::chrono::milliseconds timeout = 10s);
  // True when the server closes the connection within `timeout` (frames read meanwhile are
  // dropped; the last Goodbye is kept in last_goodbye()).
  bool wait_closed(std::chrono::milliseconds timeout = 10s);
  std::optional<v1::Goodbye> last_goodbye() const { return goodbye_; }

  // Conveniences that return the answering frame.
  std::optional<v1::ServerFrame> hello(std::uint32_t heartbeat_ms = 0);
  std::optional<v1::ServerFrame> register_account(const std::string& user,
                                                  const std::string& password);
  std::optional<v1::ServerFrame> login(const std::string& user, const std::string& password);
  std::optional<v1::ServerFrame> send_text(const std::string& to_user, const std::string& text,
                                           const std::string& client_msg_id);
  int fd() const { return fd_; }

 private:
  explicit RawClient(int fd) : fd_(fd) {}
  // Reads one frame from the socket into `out`; false on timeout/EOF/garbage.
  bool read_one(v1::ServerFrame& out, std::chrono::milliseconds timeout);

  // Received bytes not yet parsed start at inbuf_[inpos_]; consumed bytes are dropped in bulk, so
  // reading many small frames costs no copy per frame.
  std::string_view unread() const { return std::string_view(inbuf_).substr(inpos_); }
  void consume(std::size_t n);

  int fd_ = -1;
  std::string inbuf_;
  std::size_t inpos_ = 0;
  std::deque<v1::ServerFrame> events_;
  std::uint64_t next_id_ = 1;
  std::optional<v1::Goodbye> goodbye_;
  bool eof_ = false;
};

}  // namespace parley::testing
