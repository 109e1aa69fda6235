#include "raw_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gateway/native/frame_codec.h"

namespace parley::testing {

std::unique_ptr<RawClient> RawClient::connect(std::uint16_t port, const ConnectOptions& options) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  if (options.receive_buffer != 0) {
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &options.receive_buffer, sizeof options.receive_buffer);
  }
  if (!options.source_address.empty()) {
    sockaddr_in source{};
    source.sin_family = AF_INET;
    if (inet_pton(AF_INET, options.source_address.c_str(), &source.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
      ::close(fd);
      return nullptr;
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return nullptr;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return std::unique_ptr<RawClient>(new RawClient(fd));
}

RawClient::~RawClient() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawClient::send_bytes(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool RawClient::send_frame(const v1::ClientFrame& frame) {
  std::string payload;
  frame.SerializeToString(&payload);
  return send_bytes(native::length_prefix(payload.size()) + payload);
}

void RawClient::consume(std::size_t n) {
  inpos_ += n;
  if (inpos_ == inbuf_.size()) {
    inbuf_.clear();
    inpos_ = 0;
  } else if (inpos_ > 64 * 1024) {
    inbuf_.erase(0, inpos_);
    inpos_ = 0;
  }
}

bool RawClient::read_one(v1::ServerFrame& out, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto parsed = native::parse_frame(unread(), 1 << 30);
    if (parsed.status == native::ParseStatus::ok) {
      const bool ok =
          out.ParseFromArray(parsed.payload.data(), static_cast<int>(parsed.payload.size()));
      consume(parsed.consumed);
      if (ok && out.has_goodbye()) goodbye_ = out.goodbye();
      return ok;
    }
    if (eof_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      continue;  // parse what is left, then report EOF
    }
    inbuf_.append(buf, static_cast<std::size_t>(n));
  }
}

std::optional<v1::ServerFrame> RawClient::read_frame(std::chrono::milliseconds timeout) {
  v1::ServerFrame frame;
  if (!read_one(frame, timeout)) return std::nullopt;
  return frame;
}

std::optional<v1::ServerFrame> RawClient::request(v1::ClientFrame frame,
                                                  std::chrono::milliseconds timeout) {
  const std::uint64_t id = next_id_++;
  frame.set_id(id);
  if (!send_frame(frame)) return std::nullopt;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    auto reply = read_frame(std::max(left, std::chrono::milliseconds(0)));
    if (!reply) return std::nullopt;
    if (reply->id() == id) return reply;
    if (reply->id() == 0 && !reply->has_error()) events_.push_back(std::move(*reply));
    if (reply->id() == 0 && reply->has_error()) return reply;  // connection-level error
  }
}

std::optional<v1::ServerFrame> RawClient::next_event(std::chrono::milliseconds timeout) {
  if (!events_.empty()) {
    auto e = std::move(events_.front());
    events_.pop_front();
    return e;
  }
  return read_frame(timeout);
}

bool RawClient::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  v1::ServerFrame ignored;
  while (std::chrono::steady_clock::now() < deadline) {
    if (read_one(ignored, std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now()))) {
      continue;
    }
    if (eof_ && native::parse_frame(unread(), 1 << 30).status != native::ParseStatus::ok) {
      return true;
    }
  }
  return eof_;
}

std::optional<v1::ServerFrame> RawClient::hello(std::uint32_t heartbeat_ms) {
  v1::ClientFrame f;
  f.mutable_hello()->set_min_version(1);
  f.mutable_hello()->set_max_version(1);
  f.mutable_hello()->set_client_name("raw-test");
  f.mutable_hello()->set_heartbeat_interval_ms(heartbeat_ms);
  return request(f);
}

std::optional<v1::ServerFrame> RawClient::register_account(const std::string& user,
                                                           const std::string& password) {
  v1::ClientFrame f;
  f.mutable_register_account()->set_username(user);
  f.mutable_register_account()->set_password(password);
  f.mutable_register_account()->set_device_name("raw");
  return request(f);
}

std::optional<v1::ServerFrame> RawClient::login(const std::string& user,
                                                const std::string& password) {
  v1::ClientFrame f;
  f.mutable_login()->set_username(user);
  f.mutable_login()->set_password(password);
  f.mutable_login()->set_device_name("raw");
  return request(f);
}

std::optional<v1::ServerFrame> RawClient::send_text(const std::string& to_user,
                                                    const std::string& text,
                                                    const std::string& client_msg_id) {
  v1::ClientFrame f;
  f.mutable_send()->set_to_user(to_user);
  f.mutable_send()->set_text(text);
  f.mutable_send()->set_client_msg_id(client_msg_id);
  return request(f);
}

}  // namespace parley::testing
