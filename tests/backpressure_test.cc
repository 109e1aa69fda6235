// Output and input back-pressure over real sockets: a reader is judged by what it fails to drain
// over time, not by the size of one answer; a client that pipelines is slowed, not cut or
// buffered without bound; a device that never acknowledges is cut by bytes held for it.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <set>
#include <thread>

#include "gateway/native/frame_codec.h"
#include "process_stats.h"
#include "raw_client.h"
#include "server_process.h"

namespace parley::testing {
namespace {

std::string ping_frames(std::uint64_t first_id, std::uint64_t count) {
  std::string out;
  for (std::uint64_t id = first_id; id < first_id + count; ++id) {
    v1::ClientFrame f;
    f.set_id(id);
    f.mutable_ping();
    const std::string body = f.SerializeAsString();
    out += native::length_prefix(body.size());
    out += body;
  }
  return out;
}

std::unique_ptr<RawClient> greeted(const ServerProcess& server, const ConnectOptions& o = {}) {
  auto c = RawClient::connect(server.ports().native_tcp, o);
  if (!c) return nullptr;
  auto ok = c->hello();
  if (!ok || !ok->has_hello_ok()) return nullptr;
  return c;
}

std::unique_ptr<RawClient> user(const ServerProcess& server, const std::string& name,
                                const ConnectOptions& o = {}) {
  auto c = greeted(server, o);
  if (!c) return nullptr;
  auto r = c->register_account(name, "password-" + name);
  if (!r || !r->has_auth_ok()) return nullptr;
  return c;
}

void expect_ping_works(RawClient& c) {
  v1::ClientFrame ping;
  ping.mutable_ping();
  auto pong = c.request(ping);
  ASSERT_TRUE(pong);
  EXPECT_TRUE(pong->has_pong());
}

// Issue 8 item 1: a history answer larger than the soft mark reaches a reader that reads; before,
// the answer alone exceeded the bound and cut the reader every time. Pages are bounded by bytes
// (512 KiB), so the soft mark is lowered below one page here; the reader pages back through all
// 20 messages of 64 KiB.
TEST(Backpressure, AnAnswerLargerThanTheSoftMarkReachesAReader) {
  TempDir dir;
  constexpr std::size_t kSoftMark = 128 * 1024;
  ServerProcess server(dir.path(),
                       "[limits]\nmax_outbound_bytes = " + std::to_string(kSoftMark) + "\n");
  ASSERT_TRUE(server.ready()) << server.error();
  ASSERT_TRUE(user(server, "bob"));  // then offline: only the history answers are large
  auto alice = user(server, "alice");
  ASSERT_TRUE(alice);
  std::int64_t conversation = 0;
  for (int i = 0; i < 20; ++i) {
    auto ack = alice->send_text("bob", std::string(64 * 1024, 'a' + i), "big-" + std::to_string(i));
    ASSERT_TRUE(ack && ack->has_send_ack()) << i;
    conversation = ack->send_ack().conversation_id();
  }
  auto bob = greeted(server);
  ASSERT_TRUE(bob);
  ASSERT_TRUE(bob->login("bob", "password-bob")->has_auth_ok());
  std::vector<v1::Message> all;
  std::size_t largest_answer = 0;
  std::int64_t before = 0;
  for (int pages = 0; pages < 20 && all.size() < 20; ++pages) {
    v1::ClientFrame history;
    history.mutable_history()->set_conversation_id(conversation);
    history.mutable_history()->set_before_seq(before);
    history.mutable_history()->set_limit(20);
    auto page = bob->request(history, 30s);
    ASSERT_TRUE(page) << "the reader was cut";
    ASSERT_TRUE(page->has_history()) << page->DebugString();
    ASSERT_GT(page->history().messages_size(), 0);
    largest_answer = std::max(largest_answer, page->ByteSizeLong());
    all.insert(all.begin(), page->history().messages().begin(), page->history().messages().end());
    before = page->history().messages(0).seq();
  }
  EXPECT_GT(largest_answer, kSoftMark);
  ASSERT_EQ(all.size(), 20u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(all[i].seq(), i + 1);
    EXPECT_EQ(all[i].text(), std::string(64 * 1024, 'a' + i));
  }
  expect_ping_works(*bob);
}

// A client pipelines 1,000,000 pings (11 MB of answers, more than the kernel's buffers hold)
// through a small receive window and
// starts reading only once it cannot write any more (the server stopped reading it) or has
// written everything: every ping is answered, in order, and a bystander is served meanwhile.
TEST(Backpressure, PipelinedPingsFromALateReaderAreAllAnswered) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_TRUE(server.ready()) << server.error();
  auto bystander = greeted(server);
  ASSERT_TRUE(bystander);
  auto c = greeted(server, {.receive_buffer = 4096});
  ASSERT_TRUE(c);
  constexpr std::uint64_t kPings = 1'000'000;
  constexpr std::uint64_t kBatch = 1'000;
  std::atomic<bool> writer_done{false};
  std::atomic<std::uint64_t> sent{0};
  std::thread writer([&] {
    for (std::uint64_t first = 1; first <= kPings; first += kBatch) {
      if (!c->send_bytes(ping_frames(first, kBatch))) break;
      sent += kBatch;
    }
    writer_done = true;
  });
  // Late: nothing is read until the writer is done or blocked (its socket is no longer writable
  // because the server has stopped reading it) or the connection failed.
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!writer_done && std::chrono::steady_clock::now() < deadline) {
    pollfd p{c->fd(), POLLOUT, 0};
    if (poll(&p, 1, 0) == 0) break;  // not writable: the server has stopped reading
    if (p.revents & (POLLERR | POLLHUP)) break;
    std::this_thread::sleep_for(10ms);
  }
  expect_ping_works(*bystander);
  std::uint64_t expected = 1;
  while (expected <= kPings) {
    auto pong = c->read_frame(30s);
    if (!pong) break;
    ASSERT_TRUE(pong->has_pong()) << pong->DebugString();
    ASSERT_EQ(pong->id(), expected);
    ++expected;
  }
  writer.join();
  EXPECT_EQ(sent.load(), kPings);
  EXPECT_EQ(expected - 1, kPings) << "answers missing: the late reader was cut";
  expect_ping_works(*bystander);
}

// A reader that never reads is cut once its queue has stayed above the soft mark for the grace
// period (1 s here; checked once a second), not at once, and with a reset, so the kernel frees
// what it held. Its ten history pages of 1.3 MB are more than the kernel's buffers take and less
// than the (raised) hard cap.
TEST(Backpressure, AReaderThatNeverReadsIsCutAfterTheGrace) {
  TempDir dir;
  ServerProcess server(dir.path(),
                       "[limits]\nmax_outbound_bytes = 65536\nslow_consumer_grace_ms = 1000\n"
                       "max_outbound_hard_bytes = 67108864\n");
  ASSERT_TRUE(server.ready()) << server.error();
  ASSERT_TRUE(user(server, "bob"));
  auto alice = user(server, "alice");
  ASSERT_TRUE(alice);
  std::int64_t conversation = 0;
  for (int i = 0; i < 20; ++i) {
    auto ack = alice->send_text("bob", std::string(64 * 1024, 'n'), "n-" + std::to_string(i));
    ASSERT_TRUE(ack && ack->has_send_ack()) << i;
    conversation = ack->send_ack().conversation_id();
  }
  auto bystander = greeted(server);
  ASSERT_TRUE(bystander);
  auto bob = greeted(server, {.receive_buffer = 4096});
  ASSERT_TRUE(bob && bob->login("bob", "password-bob")->has_auth_ok());
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    v1::ClientFrame history;
    history.set_id(static_cast<std::uint64_t>(100 + i));
    history.mutable_history()->set_conversation_id(conversation);
    history.mutable_history()->set_limit(20);
    ASSERT_TRUE(bob->send_frame(history));
  }
  // Observed without reading: the reset shows as an error or hang-up on the socket.
  pollfd p{bob->fd(), POLLRDHUP, 0};
  const int ready = poll(&p, 1, 15'000);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(ready, 1) << "not cut within 15 s";
  EXPECT_NE(p.revents & (POLLERR | POLLHUP | POLLRDHUP), 0);
  EXPECT_GE(elapsed, 1s) << "cut before the grace period";
  expect_ping_works(*bystander);
}

// Issue 8 item 8: one client pipelining 2,000 sends of 64 KiB. Every one is answered, and the
// server holds a bounded number of them at a time (requests in flight per session), so its
// memory does not grow with the pipeline.
TEST(InputBackpressure, PipelinedSendsAreAllAnsweredWithBoundedMemory) {
  TempDir dir;
  ServerProcess server(dir.path(), "durability = \"os\"\n");
  ASSERT_TRUE(server.ready()) << server.error();
  ASSERT_TRUE(user(server, "bob"));
  auto alice = user(server, "alice");
  ASSERT_TRUE(alice);
  ASSERT_TRUE(alice->send_text("bob", "warm-up", "warm-up")->has_send_ack());
  const std::int64_t rss_before = rss_kib(server.pid());
  constexpr int kSends = 2'000;
  const std::string text(64 * 1024, 'p');
  std::thread writer([&] {
    for (int i = 1; i <= kSends; ++i) {
      v1::ClientFrame f;
      f.set_id(static_cast<std::uint64_t>(i));
      f.mutable_send()->set_to_user("bob");
      f.mutable_send()->set_client_msg_id("p-" + std::to_string(i));
      f.mutable_send()->set_text(text);
      if (!alice->send_frame(f)) break;
    }
  });
  std::set<std::uint64_t> acked;
  std::int64_t rss_peak = rss_before;
  while (acked.size() < kSends) {
    auto reply = alice->read_frame(60s);
    if (!reply) break;
    ASSERT_TRUE(reply->has_send_ack()) << reply->DebugString();
    acked.insert(reply->id());
    if (acked.size() % 50 == 0) rss_peak = std::max(rss_peak, rss_kib(server.pid()));
  }
  writer.join();
  EXPECT_EQ(acked.size(), static_cast<std::size_t>(kSends));
  const std::int64_t growth_mib = (rss_peak - rss_before) / 1024;
  // Before the cap it grew by ~220 MiB (every send read and held at once); now by ~20. Under
  // ASan freed memory sits in its quarantine (256 MiB by default) and counts in the RSS; under
  // TSan every byte the server touches has shadow memory beside it, and its allocator keeps
  // freed blocks (it reached 101 MiB there): the bound scales with it, and an uncapped server
  // (~220 MiB unsanitized, several times that under TSan) still exceeds it.
#if defined(__SANITIZE_ADDRESS__)
  constexpr std::int64_t kBoundMib = 100 + 256;
#elif defined(__SANITIZE_THREAD__)
  constexpr std::int64_t kBoundMib = 4 * 100;
#else
  constexpr std::int64_t kBoundMib = 100;
#endif
  EXPECT_LT(growth_mib, kBoundMib) << "RSS grew by " << growth_mib << " MiB";
}

// A device that reads its events but never acknowledges them is cut by the bytes held for it
// (1 MiB here) long before the count bound (8,192) or the resend limit would end it.
TEST(InputBackpressure, ADeviceThatNeverAcknowledgesIsCutByBytes) {
  TempDir dir;
  ServerProcess server(dir.path(),
                       "[delivery]\nmax_unacked_bytes = 1048576\nresend_timeout_ms = 60000\n");
  ASSERT_TRUE(server.ready()) << server.error();
  auto bob = user(server, "bob");
  ASSERT_TRUE(bob);
  auto alice = user(server, "alice");
  ASSERT_TRUE(alice);
  for (int i = 0; i < 40; ++i) {
    auto ack = alice->send_text("bob", std::string(64 * 1024, 'u'), "u-" + std::to_string(i));
    ASSERT_TRUE(ack && ack->has_send_ack()) << i;
  }
  EXPECT_TRUE(bob->wait_closed(8s));
  ASSERT_TRUE(bob->last_goodbye());
  EXPECT_EQ(bob->last_goodbye()->reason(), v1::SLOW_CONSUMER);
  expect_ping_works(*alice);
}

}  // namespace
}  // namespace parley::testing
