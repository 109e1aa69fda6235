#include "parley_bench/enroll.h"

#include <sys/resource.h>

#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <random>

#include "parley_bench/frames.h"
#include "parley_bench/open_loop.h"
#include "parley_bench/scenarios.h"

namespace parley::bench {

namespace asio = boost::asio;
constexpr double kEnrollSeconds = 120;  // registering 10,000 users takes a few seconds

std::string run_tag() {
  std::random_device rd;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06x", static_cast<unsigned>(rd()) & 0xffffffu);
  return buf;
}

void raise_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

namespace {

// Connects users 0..N-1, each sending `auth_frame(i)` after hello, and waits for every answer.
EnrollResult connect_all(Workers& workers, const asio::ip::tcp::endpoint& server,
                         const std::vector<std::string>& names, int sources,
                         std::function<v1::ClientFrame(std::size_t)> auth_frame,
                         std::function<void(std::size_t, const v1::ServerFrame&)> after_auth) {
  EnrollResult result;
  result.users.resize(names.size());
  // Counted down once per user (in, refused or unreachable). Shared with the handlers, which
  // outlive this call.
  auto done = std::make_shared<std::atomic<std::int64_t>>(static_cast<std::int64_t>(names.size()));
  auto failed = std::make_shared<std::atomic<int>>(0);
  // Outlives this call: the handlers keep forwarding frames to after_auth. `authenticated[i]` is
  // touched only on user i's connection thread.
  struct Shared {
    std::vector<char> authenticated;
    std::function<void(std::size_t, const v1::ServerFrame&)> after_auth;
  };
  auto shared =
      std::make_shared<Shared>(Shared{std::vector<char>(names.size(), 0), std::move(after_auth)});
  const std::int64_t start = now_ns();
  for (std::size_t i = 0; i < names.size(); ++i) {
    Enrolled& user = result.users[i];
    user.name = names[i];
    auto& io = workers.io(i);
    user.connection = std::make_shared<BenchConnection>(io, nullptr);
    user.connection->set_handler([i, &user, &io, done, failed, shared, auth = auth_frame(i),
                                  weak = std::weak_ptr(user.connection)](const v1::ServerFrame& f) {
      auto& authenticated = shared->authenticated;
      // `user` is touched only before this user's count down, while enroll still waits.
      if (authenticated[i]) return shared->after_auth(i, f);
      if (f.has_error() &&
          (f.error().code() == v1::UNAVAILABLE || f.error().code() == v1::RATE_LIMITED)) {
        // A busy server (its hashing queue is bounded) asks to retry: do so after the hint.
        auto timer = std::make_shared<asio::steady_timer>(
            io, std::chrono::milliseconds(std::max<std::uint32_t>(50, f.error().retry_after_ms())));
        timer->async_wait([timer, weak, auth](const boost::system::error_code& ec) {
          auto c = weak.lock();
          if (ec || !c || !c->open()) return;
          c->queue(auth);
          c->flush();
        });
        return;
      }
      if (f.has_auth_ok()) {
        user.token = f.auth_ok().token();
        user.user_id = f.auth_ok().user_id();
        authenticated[i] = 1;
        done->fetch_sub(1);
      } else if (f.has_error() || f.has_goodbye()) {
        failed->fetch_add(1);
        authenticated[i] = 1;  // nothing more is expected of it
        done->fetch_sub(1);
      }
    });
    const std::string source = "127.0.0." + std::to_string(1 + i % std::max(1, sources));
    asio::post(io, [c = user.connection, server, source, auth = auth_frame(i), done, failed] {
      c->connect(server, source, [c, auth, done, failed](bool ok) {
        if (!ok) {
          failed->fetch_add(1);
          done->fetch_sub(1);
          return;
        }
        c->queue(hello_frame(kQuietHeartbeatMs));
        c->queue(auth);
        c->flush();
      });
    });
  }
  // A server that stops answering leaves users uncounted: they count as failed.
  if (!await_until([&] { return done->load() == 0; }, kEnrollSeconds)) {
    failed->fetch_add(static_cast<int>(done->load()));
  }
  result.failed = failed->load();
  result.seconds = static_cast<double>(now_ns() - start) / 1e9;
  return result;
}

// One chain of registrations: user i on a fresh connection, closed once in, then i + stride.
struct RegistrationChain : std::enable_shared_from_this<RegistrationChain> {
  asio::io_context& io;
  asio::ip::tcp::endpoint server;
  const std::vector<std::string>& names;  // the caller's; it stops the workers before they go
  std::shared_ptr<std::vector<std::string>> tokens;
  std::size_t next, stride;
  std::shared_ptr<std::atomic<std::int64_t>> done;

  RegistrationChain(asio::io_context& io, asio::ip::tcp::endpoint server,
                    const std::vector<std::string>& names,
                    std::shared_ptr<std::vector<std::string>> tokens, std::size_t first,
                    std::size_t stride, std::shared_ptr<std::atomic<std::int64_t>> done)
      : io(io),
        server(server),
        names(names),
        tokens(tokens),
        next(first),
        stride(stride),
        done(done) {}

  void start() {
    if (next >= names.size()) return void(done->fetch_sub(1));
    const std::size_t i = next;
    next += stride;
    auto self = shared_from_this();
    auto connection = std::make_shared<BenchConnection>(io, nullptr);
    // A weak reference: the connection owns this handler.
    connection->set_handler([self, weak = std::weak_ptr(connection), i](const v1::ServerFrame& f) {
      if (!f.has_auth_ok() && !f.has_error() && !f.has_goodbye()) return;
      if (f.has_error() && f.error().code() == v1::UNAVAILABLE) {
        // Busy (bounded hashing queue): this user again on a fresh connection.
        self->next -= self->stride;
        if (auto c = weak.lock(); c && c->open()) c->close();
        auto timer = std::make_shared<asio::steady_timer>(self->io, std::chrono::milliseconds(50));
        timer->async_wait([self, timer](const boost::system::error_code&) { self->start(); });
        return;
      }
      if (f.has_auth_ok()) (*self->tokens)[i] = f.auth_ok().token();
      if (auto c = weak.lock(); c && c->open()) {
        c->close();
        self->start();
      }
    });
    connection->connect(server, "", [self, connection, i](bool ok) {
      if (!ok) return self->start();
      connection->queue(hello_frame(kQuietHeartbeatMs));
      connection->queue(register_frame(self->names[i]));
      connection->flush();
    });
  }
};

}  // namespace

EnrollResult enroll(Workers& workers, const asio::ip::tcp::endpoint& server,
                    const std::vector<std::string>& names, int sources,
                    std::function<void(std::size_t, const v1::ServerFrame&)> after_auth) {
  return connect_all(
      workers, server, names, sources, [&names](std::size_t i) { return register_frame(names[i]); },
      std::move(after_auth));
}

EnrollResult resume_all(Workers& workers, const asio::ip::tcp::endpoint& server,
                        const std::vector<std::string>& tokens, int sources,
                        std::function<void(std::size_t, const v1::ServerFrame&)> after_auth) {
  return connect_all(
      workers, server, std::vector<std::string>(tokens.size()), sources,
      [&tokens](std::size_t i) { return resume_frame(tokens[i]); }, std::move(after_auth));
}

std::vector<std::string> register_accounts(Workers& workers, const asio::ip::tcp::endpoint& server,
                                           const std::vector<std::string>& names, int concurrency) {
  const auto chains = static_cast<std::size_t>(std::max(1, concurrency));
  auto done = std::make_shared<std::atomic<std::int64_t>>(static_cast<std::int64_t>(chains));
  auto tokens_out = std::make_shared<std::vector<std::string>>(names.size());
  for (std::size_t c = 0; c < chains; ++c) {
    auto chain = std::make_shared<RegistrationChain>(workers.io(c), server, names, tokens_out, c,
                                                     chains, done);
    asio::post(workers.io(c), [chain] { chain->start(); });
  }
  // On timeout the missing tokens stay empty: those users count as failed.
  await_until([&] { return done->load() == 0; }, kEnrollSeconds);
  return *tokens_out;
}

}  // namespace parley::bench
