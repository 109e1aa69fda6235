// parley-ceiling: a relay with no storage and no logic beyond routing, speaking the native
// framing. `parley-bench direct` and `parley-bench group` against it measure what this machine's
// loopback and syscalls allow; Parley's figures are reported as a ratio to it. Groups: a
// create_group makes one whose members are those connected at that moment; a send to it is
// encoded once and written to every other member, one task per I/O thread per message.
//   parley-ceiling --listen 127.0.0.1:0 [--threads N]   prints {"port":N} when listening
#include <array>
#include <atomic>
#include <boost/asio.hpp>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "gateway/native/frame_codec.h"
#include "parley_proto/parley.pb.h"

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using parley::v1::ClientFrame;
using parley::v1::ServerFrame;

class Session;

// A group's members, split by the I/O thread that owns each one's socket, and its seq. The mutex
// orders seq and the posting of each entry's deliveries, so every member gets entries in seq
// order however many senders there are.
struct Group {
  std::mutex mutex;
  std::vector<std::vector<std::weak_ptr<Session>>> by_thread;  // weak: a closed one goes away
  std::int64_t seq = 0;
};

// Username -> session, conversation id -> group. Registration and group creation are rare
// (setup); routing reads them, hence the mutex.
struct Directory {
  std::mutex mutex;
  std::unordered_map<std::string, std::weak_ptr<Session>> by_name;
  std::unordered_map<std::int64_t, std::shared_ptr<Group>> groups;
  std::vector<asio::io_context*> threads;
  std::atomic<std::int64_t> next_user{1};
  std::atomic<std::int64_t> next_message{1};
  std::atomic<std::int64_t> next_group{1'000'000'000};
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Directory& directory, std::size_t thread)
      : socket_(std::move(socket)), directory_(directory), thread_(thread) {}

  std::size_t thread() const { return thread_; }

  // On this session's thread: queue bytes (flushed by the caller, or by the write in progress).
  void queue(const std::string& bytes) { pending_ += bytes; }
  void flush_now() { flush(); }

  void start_on_own_thread() {
    asio::post(socket_.get_executor(), [self = shared_from_this()] {
      boost::system::error_code ec;
      self->socket_.set_option(tcp::no_delay(true), ec);
      self->socket_.non_blocking(true, ec);
      self->read();
    });
  }

  // From any thread: queue bytes on this session's own thread.
  void deliver(std::shared_ptr<std::string> bytes) {
    asio::post(socket_.get_executor(), [self = shared_from_this(), bytes] {
      self->pending_ += *bytes;
      self->flush();
    });
  }

 private:
  // Readability first, then a synchronous drain into the thread's buffer (see parley-bench).
  void read() {
    socket_.async_wait(
        tcp::socket::wait_read, [self = shared_from_this()](const boost::system::error_code& ec) {
          if (ec) return;
          static thread_local std::array<char, 64 * 1024> buffer;
          while (true) {
            boost::system::error_code e;
            const std::size_t n = self->socket_.read_some(asio::buffer(buffer), e);
            if (e == asio::error::would_block || e == asio::error::try_again) break;
            if (e || n == 0) return;
            self->inbuf_.append(buffer.data(), n);
            if (n < buffer.size()) break;
          }
          std::size_t offset = 0;
          while (true) {
            auto parsed = parley::native::parse_frame(std::string_view(self->inbuf_).substr(offset),
                                                      parley::native::kDefaultMaxFrameBytes);
            if (parsed.status != parley::native::ParseStatus::ok) break;
            offset += parsed.consumed;
            if (self->frame_.ParseFromArray(parsed.payload.data(),
                                            static_cast<int>(parsed.payload.size()))) {
              self->handle(self->frame_);
            }
          }
          self->inbuf_.erase(0, offset);
          self->flush();
          self->read();
        });
  }

  void append(std::string& out, const ServerFrame& f) {
    const std::size_t size = f.ByteSizeLong();
    out += parley::native::length_prefix(size);
    const std::size_t at = out.size();
    out.resize(at + size);
    f.SerializeToArray(out.data() + at, static_cast<int>(size));
  }

  void handle(const ClientFrame& in) {
    ServerFrame out;
    out.set_id(in.id());
    if (in.has_hello()) {
      out.mutable_hello_ok()->set_version(1);
      out.mutable_hello_ok()->set_heartbeat_interval_ms(in.hello().heartbeat_interval_ms());
    } else if (in.has_register_account() || in.has_login()) {
      name_ = in.has_register_account() ? in.register_account().username() : in.login().username();
      user_id_ = directory_.next_user++;
      {
        std::lock_guard lock(directory_.mutex);
        directory_.by_name[name_] = weak_from_this();
      }
      out.mutable_auth_ok()->set_user_id(user_id_);
      out.mutable_auth_ok()->set_username(name_);
    } else if (in.has_create_group()) {
      create_group(in, out);
    } else if (in.has_send() && in.send().to_case() == parley::v1::SendRequest::kConversationId) {
      relay_to_group(in, out);
    } else if (in.has_send()) {
      relay(in, out);
    } else if (in.has_ping()) {
      out.mutable_pong();
    } else {
      return;  // delivery acks and the rest: nothing to answer
    }
    append(pending_, out);
  }

  void relay(const ClientFrame& in, ServerFrame& out) {
    const std::string& to = in.send().to_user();
    auto& route = routes_[to];
    if (!route.peer.lock()) {
      std::lock_guard lock(directory_.mutex);
      auto it = directory_.by_name.find(to);
      if (it != directory_.by_name.end()) route.peer = it->second;
      route.conversation =
          static_cast<std::int64_t>(std::hash<std::string>{}(name_ + ":" + to) >> 1);
    }
    const std::int64_t seq = ++route.seq;
    const std::int64_t id = directory_.next_message++;
    auto* ack = out.mutable_send_ack();
    ack->set_conversation_id(route.conversation);
    ack->set_seq(seq);
    ack->set_message_id(id);
    if (auto peer = route.peer.lock()) {
      ServerFrame event;
      auto* m = event.mutable_message()->mutable_message();
      m->set_conversation_id(route.conversation);
      m->set_seq(seq);
      m->set_message_id(id);
      m->set_sender(name_);
      m->set_sender_id(user_id_);
      m->set_client_msg_id(in.send().client_msg_id());
      m->set_text(in.send().text());
      auto bytes = std::make_shared<std::string>();
      append(*bytes, event);
      peer->deliver(std::move(bytes));
    }
  }

  void create_group(const ClientFrame& in, ServerFrame& out) {
    auto group = std::make_shared<Group>();
    group->by_thread.resize(directory_.threads.size());
    const std::int64_t id = directory_.next_group++;
    {
      std::lock_guard lock(directory_.mutex);
      std::vector<std::string> names(in.create_group().members().begin(),
                                     in.create_group().members().end());
      names.push_back(name_);
      for (const auto& name : names) {
        auto it = directory_.by_name.find(name);
        if (it == directory_.by_name.end()) continue;
        if (auto member = it->second.lock()) {
          group->by_thread[member->thread()].push_back(it->second);
        }
      }
      directory_.groups[id] = group;
    }
    auto* info = out.mutable_conversation();
    info->set_conversation_id(id);
    info->set_kind(parley::v1::GROUP);
    info->set_title(in.create_group().title());
    ServerFrame created;  // the group's first entry, seen by every member (the creator too)
    auto* m = created.mutable_message()->mutable_message();
    m->set_conversation_id(id);
    m->set_kind(parley::v1::SYSTEM);
    m->set_message_id(directory_.next_message++);
    fan_out(*group, created, nullptr);
  }

  void relay_to_group(const ClientFrame& in, ServerFrame& out) {
    std::shared_ptr<Group> group;
    {
      std::lock_guard lock(directory_.mutex);
      auto it = directory_.groups.find(in.send().conversation_id());
      if (it != directory_.groups.end()) group = it->second;
    }
    if (!group) return;
    ServerFrame event;
    auto* m = event.mutable_message()->mutable_message();
    m->set_conversation_id(in.send().conversation_id());
    m->set_message_id(directory_.next_message++);
    m->set_sender(name_);
    m->set_sender_id(user_id_);
    m->set_kind(parley::v1::TEXT);
    m->set_client_msg_id(in.send().client_msg_id());
    m->set_text(in.send().text());
    const std::int64_t seq = fan_out(*group, event, this);
    auto* ack = out.mutable_send_ack();
    ack->set_conversation_id(in.send().conversation_id());
    ack->set_seq(seq);
    ack->set_message_id(m->message_id());
  }

  // Gives `event` the group's next seq, encodes it once, and posts one task per I/O thread that
  // queues it for that thread's members (but `sender`) and flushes each. Returns the seq.
  std::int64_t fan_out(Group& group, ServerFrame& event, const Session* sender) {
    std::lock_guard lock(group.mutex);
    const std::int64_t seq = ++group.seq;
    event.mutable_message()->mutable_message()->set_seq(seq);
    auto bytes = std::make_shared<std::string>();
    append(*bytes, event);
    for (std::size_t t = 0; t < group.by_thread.size(); ++t) {
      if (group.by_thread[t].empty()) continue;
      asio::post(*directory_.threads[t], [members = &group.by_thread[t], bytes, sender] {
        for (const auto& weak : *members) {
          const auto member = weak.lock();
          if (!member || member.get() == sender) continue;
          member->queue(*bytes);
          member->flush_now();
        }
      });
    }
    return seq;
  }

  void flush() {
    if (writing_ || pending_.empty()) return;
    writing_ = true;
    in_flight_.swap(pending_);
    asio::async_write(
        socket_, asio::buffer(in_flight_),
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
          self->writing_ = false;
          self->in_flight_.clear();
          if (!ec) self->flush();
        });
  }

  struct Route {
    std::weak_ptr<Session> peer;
    std::int64_t conversation = 0;
    std::int64_t seq = 0;
  };

  tcp::socket socket_;
  Directory& directory_;
  std::size_t thread_;
  std::string inbuf_, pending_, in_flight_;
  bool writing_ = false;
  ClientFrame frame_;
  std::string name_;
  std::int64_t user_id_ = 0;
  std::map<std::string, Route> routes_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0";
  unsigned threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--listen")
      listen = argv[i + 1];
    else if (flag == "--threads")
      threads = static_cast<unsigned>(std::stoul(argv[i + 1]));
  }
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || threads == 0) {
    std::fprintf(stderr, "usage: parley-ceiling --listen HOST:PORT [--threads N]\n");
    return 2;
  }
  std::vector<std::unique_ptr<asio::io_context>> ios;
  for (unsigned i = 0; i < threads; ++i) ios.push_back(std::make_unique<asio::io_context>(1));
  tcp::acceptor acceptor(
      *ios[0], tcp::endpoint(asio::ip::make_address(listen.substr(0, colon)),
                             static_cast<std::uint16_t>(std::stoi(listen.substr(colon + 1)))));
  std::printf("{\"port\":%u}\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  Directory directory;
  for (auto& io : ios) directory.threads.push_back(io.get());
  std::size_t next = 0;
  std::function<void()> accept = [&] {
    const std::size_t thread = next++ % ios.size();
    acceptor.async_accept(
        *ios[thread], [&, thread](const boost::system::error_code& ec, tcp::socket socket) {
          if (!ec) {
            auto s = std::make_shared<Session>(std::move(socket), directory, thread);
            s->start_on_own_thread();
          }
          accept();
        });
  };
  accept();
  std::vector<std::thread> pool;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  for (auto& io : ios) guards.push_back(asio::make_work_guard(*io));
  for (std::size_t i = 1; i < ios.size(); ++i) pool.emplace_back([&, i] { ios[i]->run(); });
  ios[0]->run();
  for (auto& t : pool) t.join();
}
