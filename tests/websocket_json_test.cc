// A browser's view: WebSocket text frames carrying the protobuf JSON mapping, no protobuf at all
// on the client side; plus the HTTP health check.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include "server_process.h"

namespace parley::testing {
namespace {

namespace beast = boost::beast;
namespace json = boost::json;
using tcp = boost::asio::ip::tcp;

class JsonSocket {
 public:
  explicit JsonSocket(std::uint16_t port) : ws_(io_) {
    tcp::resolver resolver(io_);
    boost::asio::connect(ws_.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws_.handshake("127.0.0.1", "/ws");
    ws_.text(true);
  }
  void send(const std::string& text) { ws_.write(boost::asio::buffer(text)); }
  json::object receive() {
    beast::flat_buffer buffer;
    ws_.read(buffer);
    EXPECT_TRUE(ws_.got_text());
    return json::parse(beast::buffers_to_string(buffer.data())).as_object();
  }
  // The answer to request `id`, skipping pushed events.
  json::object answer(const std::string& id) {
    while (true) {
      auto frame = receive();
      if (frame.contains("id") && frame["id"].as_string() == id) return frame;
    }
  }

 private:
  boost::asio::io_context io_;
  beast::websocket::stream<tcp::socket> ws_;
};

TEST(WebSocketJson, BrowserFlowWithTextFrames) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_TRUE(server.ready()) << server.error();
  JsonSocket alice(server.ports().http);
  JsonSocket bob(server.ports().http);
  for (auto* s : {&alice, &bob}) {
    s->send(R"({"id":"1","hello":{"min_version":1,"max_version":1,"client_name":"browser"}})");
    auto hello = s->answer("1");
    ASSERT_TRUE(hello.contains("hello_ok"));
    EXPECT_EQ(hello["hello_ok"].as_object()["version"].as_int64(), 1);
  }
  alice.send(R"({"id":"2","register_account":{"username":"alice","password":"password-alice"}})");
  auto a = alice.answer("2");
  ASSERT_TRUE(a.contains("auth_ok")) << json::serialize(a);
  EXPECT_FALSE(a["auth_ok"].as_object()["token"].as_string().empty());
  bob.send(R"({"id":"2","register_account":{"username":"bob","password":"password-bob"}})");
  ASSERT_TRUE(bob.answer("2").contains("auth_ok"));

  alice.send(R"({"id":"3","send":{"to_user":"bob","client_msg_id":"web-1","text":"héllo 👍"}})");
  auto ack = alice.answer("3");
  ASSERT_TRUE(ack.contains("send_ack")) << json::serialize(ack);
  EXPECT_EQ(ack["send_ack"].as_object()["seq"].as_string(), "1");  // int64 is a JSON string

  auto event = bob.receive();
  ASSERT_TRUE(event.contains("message")) << json::serialize(event);
  auto& message = event["message"].as_object()["message"].as_object();
  EXPECT_EQ(message["text"].as_string(), "héllo 👍");
  EXPECT_EQ(message["sender"].as_string(), "alice");
  EXPECT_EQ(message["seq"].as_string(), "1");

  // Malformed JSON gets BAD_FRAME and the socket keeps working.
  bob.send("{this is not json");
  auto bad = bob.receive();
  ASSERT_TRUE(bad.contains("error"));
  EXPECT_EQ(bad["error"].as_object()["code"].as_string(), "BAD_FRAME");
  bob.send(R"({"id":"9","ping":{}})");
  EXPECT_TRUE(bob.answer("9").contains("pong"));
}

// The chat features are the same frames in JSON: a browser creates a group, reacts, marks read
// and lists its conversations with text frames only.
TEST(WebSocketJson, ChatFeaturesFromABrowser) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_TRUE(server.ready()) << server.error();
  JsonSocket alice(server.ports().http);
  JsonSocket bob(server.ports().http);
  for (auto* s : {&alice, &bob}) {
    s->send(R"({"id":"1","hello":{"min_version":1,"max_version":1}})");
    ASSERT_TRUE(s->answer("1").contains("hello_ok"));
  }
  alice.send(R"({"id":"2","register_account":{"username":"alice","password":"password-alice"}})");
  ASSERT_TRUE(alice.answer("2").contains("auth_ok"));
  bob.send(R"({"id":"2","register_account":{"username":"bob","password":"password-bob"}})");
  ASSERT_TRUE(bob.answer("2").contains("auth_ok"));

  alice.send(R"({"id":"3","create_group":{"title":"Web team","members":["bob"]}})");
  auto group = alice.answer("3");
  ASSERT_TRUE(group.contains("conversation")) << json::serialize(group);
  const std::string id(group["conversation"].as_object()["conversation_id"].as_string());
  EXPECT_EQ(group["conversation"].as_object()["kind"].as_string(), "GROUP");

  alice.send(R"({"id":"4","send":{"conversation_id":")" + id +
             R"(","client_msg_id":"w1","text":"welcome"}})");
  ASSERT_TRUE(alice.answer("4").contains("send_ack"));
  bob.send(R"({"id":"5","react":{"conversation_id":")" + id + R"(","seq":"2","emoji":"🎉"}})");
  auto reacted = bob.answer("5");
  ASSERT_TRUE(reacted.contains("send_ack")) << json::serialize(reacted);
  bob.send(R"({"id":"6","mark_read":{"conversation_id":")" + id + R"(","seq":"3"}})");
  ASSERT_TRUE(bob.answer("6").contains("ok"));
  bob.send(R"({"id":"7","list_conversations":{}})");
  auto list = bob.answer("7");
  ASSERT_TRUE(list.contains("conversations")) << json::serialize(list);
  auto& first = list["conversations"].as_object()["conversations"].as_array()[0].as_object();
  EXPECT_EQ(first["title"].as_string(), "Web team");
  EXPECT_EQ(first["read_seq"].as_string(), "3");
  EXPECT_FALSE(first.contains("unread"));  // 0 is the default: left out of proto3 JSON

  // Alice sees the reaction entry and bob's read position, as JSON events.
  bool saw_reaction = false;
  bool saw_read = false;
  while (!saw_reaction || !saw_read) {
    auto event = alice.receive();
    if (event.contains("message")) {
      auto& m = event["message"].as_object()["message"].as_object();
      if (m["kind"].as_string() == "REACTION") {
        saw_reaction = true;
        EXPECT_EQ(m["text"].as_string(), "🎉");
        EXPECT_EQ(m["target_seq"].as_string(), "2");
      }
    }
    if (event.contains("read")) {
      saw_read = true;
      EXPECT_EQ(event["read"].as_object()["username"].as_string(), "bob");
    }
  }
}

TEST(Http, HealthzAnswers200) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_TRUE(server.ready()) << server.error();
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  tcp::resolver resolver(io);
  stream.connect(resolver.resolve("127.0.0.1", std::to_string(server.ports().http)));
  beast::http::request<beast::http::empty_body> request{beast::http::verb::get, "/healthz", 11};
  request.set(beast::http::field::host, "127.0.0.1");
  beast::http::write(stream, request);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> response;
  beast::http::read(stream, buffer, response);
  EXPECT_EQ(response.result_int(), 200);
}

}  // namespace
}  // namespace parley::testing
