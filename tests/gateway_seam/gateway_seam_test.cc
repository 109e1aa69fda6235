// The protocol seam, proven from outside: a gateway that lives only in this test registers through
// the same path as the built-in ones, gets listeners from the config's [[listener]] table (plain,
// STARTTLS) and a WebSocket route on the HTTP listener, and is reached over real sockets.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "app/config.h"
#include "app/gateways.h"
#include "app/server.h"
#include "temp_dir.h"
#include "tests/gateway_seam/line_echo_gateway.h"

namespace parley::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

constexpr const char* kConfig = R"(
server_name = "seam"
shards = 1
[listen]
native_tcp = "127.0.0.1:0"
native_tls = ""
http = "127.0.0.1:0"
https = ""
xmpp = ""
xmpp_tls = ""
[[listener]]
protocol = "line_echo"
address = "127.0.0.1:0"
[[listener]]
protocol = "line_echo"
address = "127.0.0.1:0"
tls = "starttls"
)";

// The built-in gateways plus the test's, as a parleyd with that gateway compiled in would have.
gateway::GatewayRegistry with_line_echo() {
  auto gateways = app::builtin_gateways();
  auto added = gateways.add(line_echo_gateway());
  EXPECT_TRUE(added) << added.error().message;
  return gateways;
}

class GatewaySeam : public ::testing::Test {
 protected:
  Result<std::unique_ptr<app::Server>> start(const std::string& toml) {
    app::ServerConfig config;
    config.data_dir = dir_.path() + "/data";
    auto parsed = app::apply_toml(toml, config);
    if (!parsed) return std::unexpected(parsed.error());
    return app::Server::start(config, with_line_echo());
  }
  TempDir dir_;
  asio::io_context io_;
};

template <class Stream>
std::string read_line(Stream& s, asio::streambuf& buffer) {
  boost::system::error_code ec;
  asio::read_until(s, buffer, '\n', ec);
  if (ec) return "<" + ec.message() + ">";
  std::istream in(&buffer);
  std::string line;
  std::getline(in, line);
  return line;
}

TEST_F(GatewaySeam, ATestOnlyGatewayIsReachedOnItsListeners) {
  auto server = start(kConfig);
  ASSERT_TRUE(server) << server.error().message;
  const app::BoundPorts& ports = (*server)->ports();
  ASSERT_NE(ports.port("line_echo"), 0);
  ASSERT_NE(ports.port("line_echo_starttls"), 0);
  EXPECT_NE(ports.json().find("\"line_echo\":" + std::to_string(ports.port("line_echo"))),
            std::string::npos)
      << ports.json();
  EXPECT_NE(ports.json().find("\"native_tls\":0"), std::string::npos) << ports.json();

  tcp::socket plain(io_);
  plain.connect({asio::ip::make_address("127.0.0.1"), ports.port("line_echo")});
  asio::streambuf in;
  asio::write(plain, asio::buffer(std::string("hello\n")));
  EXPECT_EQ(read_line(plain, in), "seam: hello");

  // The plain listener does not offer STARTTLS; the other one does.
  asio::write(plain, asio::buffer(std::string("STARTTLS\n")));
  EXPECT_EQ(read_line(plain, in), "PROCEED");
  EXPECT_EQ(read_line(plain, in), "ERROR STARTTLS is not offered on this listener");

  tcp::socket socket(io_);
  socket.connect({asio::ip::make_address("127.0.0.1"), ports.port("line_echo_starttls")});
  asio::streambuf before;
  asio::write(socket, asio::buffer(std::string("STARTTLS\n")));
  EXPECT_EQ(read_line(socket, before), "PROCEED");
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);
  asio::ssl::stream<tcp::socket&> tls(socket, ctx);
  tls.handshake(asio::ssl::stream_base::client);
  asio::streambuf after;
  asio::write(tls, asio::buffer(std::string("secret\n")));
  EXPECT_EQ(read_line(tls, after), "seam: secret");
}

TEST_F(GatewaySeam, ItsWebSocketRouteNeedsItsSubprotocol) {
  auto server = start(kConfig);
  ASSERT_TRUE(server) << server.error().message;
  const std::uint16_t http = (*server)->ports().port("http");

  beast::websocket::stream<tcp::socket> ws(io_);
  ws.set_option(beast::websocket::stream_base::decorator([](beast::websocket::request_type& req) {
    req.set(beast::http::field::sec_websocket_protocol, "echo");
  }));
  ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), http});
  beast::websocket::response_type response;
  ws.handshake(response, "127.0.0.1", "/echo");
  EXPECT_EQ(response[beast::http::field::sec_websocket_protocol], "echo");
  ws.text(true);
  ws.write(asio::buffer(std::string("over ws")));
  beast::flat_buffer buffer;
  ws.read(buffer);
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "seam: over ws");

  beast::websocket::stream<tcp::socket> bare(io_);
  bare.next_layer().connect({asio::ip::make_address("127.0.0.1"), http});
  beast::websocket::response_type refusal;
  boost::system::error_code ec;
  bare.handshake(refusal, "127.0.0.1", "/echo", ec);
  EXPECT_TRUE(ec);
  EXPECT_EQ(refusal.result_int(), 400);
}

// The store is a port too: the server opens the backend the config names, and nothing else.
TEST_F(GatewaySeam, TheStoreBackendIsChosenByName) {
  const std::string base =
      "[listen]\nnative_tcp = \"\"\nnative_tls = \"\"\nhttp = \"\"\nhttps = \"\"\nxmpp = "
      "\"\"\nxmpp_tls = \"\"\n";
  auto unknown = start(base + "[store]\nbackend = \"nope\"\n");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "unknown store backend \"nope\" (known: sqlite)");
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/data/parley.db"));
  auto sqlite = start(base + "[store]\nbackend = \"sqlite\"\n");
  ASSERT_TRUE(sqlite) << sqlite.error().message;
  EXPECT_TRUE(std::filesystem::exists(dir_.path() + "/data/parley.db"));
}

TEST_F(GatewaySeam, TableRowsAreCheckedAgainstTheRegistry) {
  const std::string base =
      "[listen]\nnative_tcp = \"\"\nnative_tls = \"\"\nhttp = \"\"\nhttps = \"\"\nxmpp = "
      "\"\"\nxmpp_tls = \"\"\n";
  auto unknown = start(base + "[[listener]]\nprotocol = \"nope\"\naddress = \"127.0.0.1:0\"\n");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find(
                "unknown protocol \"nope\" (known: native, xmpp, line_echo, http)"),
            std::string::npos)
      << unknown.error().message;
  auto native_starttls =
      start(base +
            "[[listener]]\nprotocol = \"native\"\naddress = \"127.0.0.1:0\"\ntls = \"starttls\"\n");
  ASSERT_FALSE(native_starttls);
  EXPECT_NE(native_starttls.error().message.find("native does not offer STARTTLS"),
            std::string::npos)
      << native_starttls.error().message;
  auto http_starttls = start(
      base + "[[listener]]\nprotocol = \"http\"\naddress = \"127.0.0.1:0\"\ntls = \"starttls\"\n");
  ASSERT_FALSE(http_starttls);
  EXPECT_NE(http_starttls.error().message.find("http has no STARTTLS"), std::string::npos);
}

TEST(GatewayRegistry, RefusesATakenNameOrPath) {
  auto gateways = with_line_echo();
  EXPECT_FALSE(gateways.add(line_echo_gateway()));
  auto http = line_echo_gateway();
  http.name = "http";
  EXPECT_FALSE(gateways.add(http));
  auto same_path = line_echo_gateway();
  same_path.name = "other";
  EXPECT_FALSE(gateways.add(same_path));
  same_path.websocket = {{.path = "/echo", .subprotocol = "other"}};
  EXPECT_TRUE(gateways.add(same_path));  // one path, two subprotocols
}

}  // namespace
}  // namespace parley::testing
