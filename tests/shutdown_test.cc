// SIGTERM: every session is told (Goodbye SHUTTING_DOWN; WebSocket close 1001), every acked
// message survives the restart, and stuck peers do not hold the stop up.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "gateway/native/frame_codec.h"
#include "raw_client.h"
#include "server_process.h"

namespace parley::testing {
namespace {

namespace beast = boost::beast;
namespace json = boost::json;
using tcp = boost::asio::ip::tcp;

struct JsonWebSocket {
  explicit JsonWebSocket(std::uint16_t port) : ws(io) {
    tcp::resolver resolver(io);
    boost::asio::connect(ws.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws.handshake("127.0.0.1", "/ws");
    ws.text(true);
  }
  // The next message as JSON; an empty object when the socket failed or closed.
  json::object receive() {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    ws.read(buffer, ec);
    if (ec) return {};
    return json::parse(beast::buffers_to_string(buffer.data())).as_object();
  }
  boost::asio::io_context io;
  beast::websocket::stream<tcp::socket> ws;
};

// A connection that registered the new account `name` (password "password-" + name); null, with
// the failure reported, when that did not work.
std::unique_ptr<RawClient> new_account(const ServerProcess& server, const std::string& name) {
  auto client = RawClient::connect(server.ports().native_tcp);
  if (!client || !client->hello()) {
    ADD_FAILURE() << name << ": no connection";
    return nullptr;
  }
  auto auth = client->register_account(name, "password-" + name);
  if (!auth || !auth->has_auth_ok()) {
    ADD_FAILURE() << name << ": not registered";
    return nullptr;
  }
  return client;
}

TEST(Shutdown, SigtermSaysGoodbyeOverTcpAndWebSocket) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_TRUE(server.ready()) << server.error();
  auto greeted = RawClient::connect(server.ports().native_tcp);
  ASSERT_TRUE(greeted && greeted->hello());
  auto member = RawClient::connect(server.ports().native_tcp);
  ASSERT_TRUE(member && member->hello());
  ASSERT_TRUE(member->register_account("alice", "password-alice")->has_auth_ok());
  JsonWebSocket browser(server.ports().http);
  browser.ws.write(boost::asio::buffer(std::string(R"({"id":"1","hello":{"min_version":1}})")));
  ASSERT_TRUE(browser.receive().contains("hello_ok"));

  server.send_sigterm();
  for (RawClient* c : {greeted.get(), member.get()}) {
    EXPECT_TRUE(c->wait_closed(10s));
    ASSERT_TRUE(c->last_goodbye()) << "closed without a goodbye";
    EXPECT_EQ(c->last_goodbye()->reason(), v1::SHUTTING_DOWN);
  }
  auto goodbye = browser.receive();
  ASSERT_TRUE(goodbye.contains("goodbye")) << json::serialize(goodbye);
  EXPECT_EQ(goodbye["goodbye"].as_object()["reason"].as_string(), "SHUTTING_DOWN");
  EXPECT_TRUE(browser.ws.got_text());
  EXPECT_TRUE(browser.receive().empty());  // then the close frame
  EXPECT_EQ(browser.ws.reason().code, beast::websocket::close_code::going_away);
  EXPECT_EQ(server.wait_exit(20s), 0);
}

// Four devices of alice send to bob as fast as acks come back; SIGTERM in the middle. After a
// restart every acked message is in the history at its acked seq, once, without gaps.
TEST(Shutdown, EveryAckedMessageSurvivesASigtermUnderLoad) {
  TempDir dir;
  auto server = std::make_unique<ServerProcess>(dir.path());
  ASSERT_TRUE(server->ready()) << server->error();
  ASSERT_TRUE(new_account(*server, "bob"));
  ASSERT_TRUE(new_account(*server, "alice"));
  std::mutex mutex;
  std::map<std::string, std::int64_t> acked;  // client_msg_id -> seq
  std::atomic<int> ack_count{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    auto device = RawClient::connect(server->ports().native_tcp);
    ASSERT_TRUE(device && device->hello());
    ASSERT_TRUE(device->login("alice", "password-alice")->has_auth_ok());
    senders.emplace_back([&, t, device = std::shared_ptr<RawClient>(std::move(device))] {
      for (int i = 0;; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto ack = device->send_text("bob", "message " + id, id);
        if (!ack || !ack->has_send_ack()) return;  // the server is stopping
        std::lock_guard lock(mutex);
        acked[id] = ack->send_ack().seq();
        ++ack_count;
        ack_count.notify_all();
      }
    });
  }
  for (int seen = ack_count.load(); seen < 300; seen = ack_count.load()) ack_count.wait(seen);
  server->send_sigterm();
  for (auto& s : senders) s.join();
  EXPECT_EQ(server->wait_exit(20s), 0);
  ASSERT_GE(acked.size(), 300u);

  server = std::make_unique<ServerProcess>(dir.path());
  ASSERT_TRUE(server->ready()) << server->error();
  auto bob = RawClient::connect(server->ports().native_tcp);
  ASSERT_TRUE(bob && bob->hello());
  ASSERT_TRUE(bob->login("bob", "password-bob")->has_auth_ok());
  v1::ClientFrame open;
  open.mutable_open_direct()->set_username("alice");
  auto conversation = bob->request(open);
  ASSERT_TRUE(conversation && conversation->has_conversation());
  std::map<std::string, std::int64_t> stored;
  std::int64_t expected_seq = 1;
  std::int64_t after = 0;
  while (true) {
    v1::ClientFrame history;
    history.mutable_history()->set_conversation_id(conversation->conversation().conversation_id());
    history.mutable_history()->set_after_seq(after);
    history.mutable_history()->set_limit(200);
    auto page = bob->request(history);
    ASSERT_TRUE(page && page->has_history());
    for (const auto& m : page->history().messages()) {
      EXPECT_EQ(m.seq(), expected_seq++) << "gap or reorder in seq";
      EXPECT_TRUE(stored.emplace(m.client_msg_id(), m.seq()).second) << m.client_msg_id();
      after = m.seq();
    }
    if (!page->history().has_more()) break;
  }
  for (const auto& [id, seq] : acked) {
    auto it = stored.find(id);
    ASSERT_NE(it, stored.end()) << "acked but lost: " << id;
    EXPECT_EQ(it->second, seq) << "acked seq changed: " << id;
  }
}

// Peers that do nothing useful (a TLS handshake never started, a connection that never says
// hello, a reader that never reads a queue far above the soft mark) do not keep the server from
// stopping, nor make it stop uncleanly.
TEST(Shutdown, StuckPeersDoNotHoldTheStopUp) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_TRUE(server.ready()) << server.error();
  auto handshake = RawClient::connect(server.ports().native_tls);
  auto silent = RawClient::connect(server.ports().native_tcp);
  auto stuck = RawClient::connect(server.ports().native_tcp, {.receive_buffer = 4096});
  ASSERT_TRUE(handshake && silent && stuck && stuck->hello());
  std::string pings;
  for (int i = 1; i <= 100'000; ++i) {
    v1::ClientFrame f;
    f.set_id(static_cast<std::uint64_t>(i));
    f.mutable_ping();
    const std::string body = f.SerializeAsString();
    pings += native::length_prefix(body.size()) + body;
  }
  std::thread writer([&] { stuck->send_bytes(pings); });
  JsonWebSocket browser(server.ports().http);
  const auto start = std::chrono::steady_clock::now();
  server.send_sigterm();
  EXPECT_EQ(server.wait_exit(30s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 15s);
  ::shutdown(stuck->fd(), SHUT_RDWR);
  writer.join();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The last log lines say where the appends spent their time inside the store (queued, statements,
// commit): the latency decomposition bench/ab-direct reads.
TEST(Shutdown, TheLogSaysWhereAppendsSpentTheirTimeInTheStore) {
  TempDir dir;
  const std::string log = dir.path() + "/parleyd.log";
  auto server = std::make_unique<ServerProcess>(dir.path() + "/server", std::string{},
                                                std::vector<std::string>{},
                                                ChildOptions{.log_file = log, .log_level = "info"});
  ASSERT_TRUE(server->ready()) << server->error() << "\n" << read_file(log);
  {
    ASSERT_TRUE(new_account(*server, "bob"));
    auto alice = new_account(*server, "alice");
    ASSERT_TRUE(alice);
    for (int i = 0; i < 5; ++i) {
      auto ack = alice->send_text("bob", "hello", "m-" + std::to_string(i));
      ASSERT_TRUE(ack && ack->has_send_ack());
    }
  }
  server->send_sigterm();
  EXPECT_EQ(server->wait_exit(20s), 0);
  server.reset();

  std::ifstream in(log);
  std::string line, stats;
  while (std::getline(in, line)) {
    if (auto at = line.find("store stats "); at != std::string::npos) stats = line.substr(at + 12);
  }
  ASSERT_FALSE(stats.empty()) << "no store stats line in the log";
  const boost::json::object parsed = boost::json::parse(stats).as_object();
  EXPECT_EQ(parsed.at("appends").as_int64(), 5);  // one per message sent, none per system entry
  const std::int64_t batches = parsed.at("batches").as_int64();
  EXPECT_GE(batches, 1);
  EXPECT_LE(batches, 5);
  EXPECT_EQ(parsed.at("queued").at("count").as_int64(), 5);
  EXPECT_EQ(parsed.at("statements").at("count").as_int64(), batches);
  EXPECT_EQ(parsed.at("commit").at("count").as_int64(), batches);
  EXPECT_GT(parsed.at("commit").at("max_us").as_int64(), 0) << "a durable commit takes time";
}

}  // namespace
}  // namespace parley::testing
