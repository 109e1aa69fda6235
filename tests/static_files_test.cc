// The web client served by a real parleyd: GET / from --web-root with its security headers,
// traversal refused on the wire, HEAD, and a missing root answering 404 without harm.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>

#include "server_process.h"

namespace parley::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using tcp = boost::asio::ip::tcp;

struct Answer {
  int status = 0;
  http::response<http::string_body> response;
};

// Sends the request line as given (no client-side normalisation of the target) and reads one
// response; `method` HEAD reads headers only.
Answer fetch(std::uint16_t port, const std::string& target, const std::string& method = "GET") {
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  tcp::resolver resolver(io);
  stream.connect(resolver.resolve("127.0.0.1", std::to_string(port)));
  const std::string request =
      method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  boost::asio::write(stream, boost::asio::buffer(request));
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.skip(method == "HEAD");
  http::read(stream, buffer, parser);
  Answer answer;
  answer.response = parser.release();
  answer.status = answer.response.result_int();
  return answer;
}

class StaticServing : public ::testing::Test {
 protected:
  void SetUp() override {
    web_ = fs::path(dir_.path()) / "web";
    fs::create_directories(web_ / "assets");
    std::ofstream(web_ / "index.html") << "<!doctype html><script src=\"/assets/app-AB.js\">";
    std::ofstream(web_ / "assets" / "app-AB.js") << "console.log('parley')";
    std::ofstream(fs::path(dir_.path()) / "secret.txt") << "not for the web";
    server_ = std::make_unique<ServerProcess>(dir_.path() + "/data", "",
                                              std::vector<std::string>{"--web-root", web_});
    ASSERT_TRUE(server_->ready()) << server_->error();
  }
  std::uint16_t port() const { return server_->ports().http; }

  TempDir dir_;
  fs::path web_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(StaticServing, IndexWithContentTypeAndSecurityHeaders) {
  const Answer a = fetch(port(), "/");
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.response.body(), "<!doctype html><script src=\"/assets/app-AB.js\">");
  EXPECT_EQ(a.response[http::field::content_type], "text/html; charset=utf-8");
  EXPECT_EQ(a.response[http::field::cache_control], "no-cache");
  EXPECT_EQ(a.response["X-Content-Type-Options"], "nosniff");
  const std::string csp(a.response["Content-Security-Policy"]);
  EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;

  const Answer js = fetch(port(), "/assets/app-AB.js?v=1");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.response[http::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_EQ(js.response[http::field::cache_control], "public, max-age=31536000, immutable");
}

TEST_F(StaticServing, TraversalIsRefused) {
  for (const char* target : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                             "/assets/%2E%2E%2F%2E%2E%2Fsecret.txt", "/..%5csecret.txt"}) {
    const Answer a = fetch(port(), target);
    EXPECT_TRUE(a.status == 400 || a.status == 404) << target << " -> " << a.status;
    EXPECT_EQ(a.response.body().find("not for the web"), std::string::npos) << target;
  }
  // The server is unharmed and still serves.
  EXPECT_EQ(fetch(port(), "/healthz").status, 200);
  EXPECT_EQ(fetch(port(), "/").status, 200);
}

TEST_F(StaticServing, HeadAndMethods) {
  const Answer head = fetch(port(), "/assets/app-AB.js", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.response[http::field::content_length], "21");
  EXPECT_EQ(fetch(port(), "/", "POST").status, 405);
  EXPECT_EQ(fetch(port(), "/missing.js").status, 404);
}

TEST(StaticServingWithoutRoot, AnswersNotFound) {
  TempDir dir;
  ServerProcess server(dir.path() + "/data", "",
                       std::vector<std::string>{"--web-root", dir.path() + "/absent"});
  ASSERT_TRUE(server.ready()) << server.error();
  EXPECT_EQ(fetch(server.ports().http, "/").status, 404);
  EXPECT_EQ(fetch(server.ports().http, "/healthz").status, 200);
}

}  // namespace
}  // namespace parley::testing
