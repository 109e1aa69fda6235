// Where the server disagreed with docs/protocol.md at the edges of the transport: the goodbye
// before a WebSocket close, the id of a request that could not be mapped, the format of what is
// sent before the client's first frame, and the close codes.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include "gateway/native/frame_codec.h"
#include "raw_client.h"
#include "server_process.h"

namespace parley::testing {
namespace {

namespace beast = boost::beast;
namespace json = boost::json;
using tcp = boost::asio::ip::tcp;

class WebSocketClient {
 public:
  explicit WebSocketClient(std::uint16_t port) : ws_(io_) {
    tcp::resolver resolver(io_);
    boost::asio::connect(ws_.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws_.handshake("127.0.0.1", "/ws");
    ws_.text(true);
  }
  void send(const std::string& text) { ws_.write(boost::asio::buffer(text)); }
  // The next message; nullopt once the socket closed (then close_code() says how).
  std::optional<std::string> receive() {
    beast::flat_buffer buffer;
    boost::system::error_code ec;
    ws_.read(buffer, ec);
    if (ec) return std::nullopt;
    last_was_text_ = ws_.got_text();
    return beast::buffers_to_string(buffer.data());
  }
  json::object receive_json() {
    auto text = receive();
    if (!text) return {};
    EXPECT_TRUE(last_was_text_) << "a binary frame to a JSON client";
    boost::system::error_code ec;
    auto value = json::parse(*text, ec);
    if (ec || !value.is_object()) return {};
    return value.as_object();
  }
  json::object answer(const std::string& id) {
    while (true) {
      auto frame = receive_json();
      if (frame.empty()) return frame;
      if (frame.contains("id") && frame["id"].as_string() == id) return frame;
    }
  }
  std::uint16_t close_code() const { return ws_.reason().code; }
  bool last_was_text() const { return last_was_text_; }

 private:
  boost::asio::io_context io_;
  beast::websocket::stream<tcp::socket> ws_;
  bool last_was_text_ = false;
};

std::string error_code_of(json::object& frame) {
  if (!frame.contains("error")) return "";
  return std::string(frame["error"].as_object()["code"].as_string());
}

TEST(ProtocolEdges, OversizedWebSocketFrameGetsAGoodbyeThenClose1009) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_TRUE(server.ready()) << server.error();
  WebSocketClient c(server.ports().http);
  c.send(R"({"id":"1","hello":{"min_version":1}})");
  ASSERT_TRUE(c.answer("1").contains("hello_ok"));
  c.send(R"({"id":"2","ping":{},"pad":")" + std::string(300 * 1024, 'x') + "\"}");
  auto goodbye = c.receive_json();
  ASSERT_TRUE(goodbye.contains("goodbye")) << json::serialize(goodbye);
  EXPECT_EQ(goodbye["goodbye"].as_object()["reason"].as_string(), "FRAME_TOO_LARGE");
  EXPECT_FALSE(c.receive());
  EXPECT_EQ(c.close_code(), beast::websocket::close_code::too_big);
}

TEST(ProtocolEdges, AnUnmappableJsonRequestIsAnsweredWithItsId) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_TRUE(server.ready()) << server.error();
  WebSocketClient c(server.ports().http);
  c.send(R"({"id":"1","hello":{"min_version":1}})");
  ASSERT_TRUE(c.answer("1").contains("hello_ok"));
  // Nothing else is sent to this client, so each frame read is the answer.
  auto id_of = [](json::object& frame) {
    return frame.contains("id") ? std::string(frame["id"].as_string()) : std::string("0");
  };
  c.send(R"({"id":"5","ping":{},"logout":{}})");  // two members of the body oneof
  auto two = c.receive_json();
  EXPECT_EQ(error_code_of(two), "BAD_FRAME") << json::serialize(two);
  EXPECT_EQ(id_of(two), "5");
  c.send(R"({"id":"6","ping":{},"no_such_field":1})");
  auto unknown = c.receive_json();
  EXPECT_EQ(error_code_of(unknown), "BAD_FRAME") << json::serialize(unknown);
  EXPECT_EQ(id_of(unknown), "6");
  c.send(R"({"id":7,"ping":"not an object"})");  // a number id is read too
  auto numeric = c.receive_json();
  EXPECT_EQ(error_code_of(numeric), "BAD_FRAME") << json::serialize(numeric);
  EXPECT_EQ(id_of(numeric), "7");
  c.send(R"({"ping":{}, "id":"8")");  // not JSON at all: id 0
  auto broken = c.receive_json();
  EXPECT_EQ(error_code_of(broken), "BAD_FRAME") << json::serialize(broken);
  EXPECT_FALSE(broken.contains("id"));
  c.send(R"({"id":"9","ping":{}})");
  EXPECT_TRUE(c.answer("9").contains("pong"));
}

TEST(ProtocolEdges, AnUndecodableProtobufRequestIsAnsweredWithItsId) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_TRUE(server.ready()) << server.error();
  auto c = RawClient::connect(server.ports().native_tcp);
  ASSERT_TRUE(c && c->hello());
  // id = 77, then a ping field whose length runs past the end of the frame.
  const std::string payload = std::string("\x08\x4D", 2) + std::string("\xF2\x01\x05", 3);
  ASSERT_TRUE(c->send_bytes(native::length_prefix(payload.size()) + payload));
  auto reply = c->read_frame();
  ASSERT_TRUE(reply && reply->has_error());
  EXPECT_EQ(reply->error().code(), v1::BAD_FRAME);
  EXPECT_EQ(reply->id(), 77u);
}

// Before the client's first frame the server cannot know its format; on WebSocket it writes
// JSON text, which every client can read, and closes with 1008 for a protocol violation.
TEST(ProtocolEdges, TheHelloTimeoutGoodbyeOnAWebSocketIsJsonText) {
  TempDir dir;
  ServerProcess server(dir.path(), "[connections]\nhello_timeout_ms = 1000\n");
  ASSERT_TRUE(server.ready()) << server.error();
  WebSocketClient c(server.ports().http);
  auto goodbye = c.receive_json();
  EXPECT_TRUE(c.last_was_text());
  ASSERT_TRUE(goodbye.contains("goodbye")) << json::serialize(goodbye);
  EXPECT_EQ(goodbye["goodbye"].as_object()["reason"].as_string(), "HELLO_REQUIRED");
  EXPECT_FALSE(c.receive());
  EXPECT_EQ(c.close_code(), beast::websocket::close_code::policy_error);
}

}  // namespace
}  // namespace parley::testing
