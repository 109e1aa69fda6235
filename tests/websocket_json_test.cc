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
