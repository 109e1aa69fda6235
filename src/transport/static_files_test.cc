// The web client's static files: path decoding, traversal, symlinks, types and headers, without
// sockets (tests/static_files_test.cc covers the same through a real parleyd).
#include "transport/static_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.h"

namespace parley::transport {
namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string body_of(const StaticReply& reply) {
  return std::string(reply.response.body().data(), reply.response.body().size());
}

TEST(StaticPath, DecodesAndMapsTheRootToIndex) {
  EXPECT_EQ(static_path_of("/").value(), "index.html");
  EXPECT_EQ(static_path_of("/?x=1").value(), "index.html");
  EXPECT_EQ(static_path_of("/assets/app-AB12.js?v=2#f").value(), "assets/app-AB12.js");
  EXPECT_EQ(static_path_of("/a%20b.txt").value(), "a b.txt");
  EXPECT_EQ(static_path_of("/docs/").value(), "docs/index.html");
}

TEST(StaticPath, RefusesTraversalAndBadEscapes) {
  for (const char* bad : {"/../etc/passwd", "/assets/../../x", "/%2e%2e/x", "/%2E%2e%2fetc",
                          "/a/%2e/b", "/.git/config", "/a//b", "/a%2fb", "/a%00b", "/a%zz", "/a%2",
                          "/a%", "/a\\..\\b", "relative", "", "/assets/.hidden"}) {
    EXPECT_FALSE(static_path_of(bad).has_value()) << bad;
  }
}

TEST(StaticPath, ContentTypes) {
  EXPECT_EQ(content_type_for("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("assets/app-X.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("assets/app-X.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("icon.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("blob.bin"), "application/octet-stream");
}

class StaticSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(dir_.path()) / "dist";
    write(root_ / "index.html", "<!doctype html><title>x</title>");
    write(root_ / "assets" / "app-ABCDEF12.js", "console.log(1)");
    write(root_ / ".secret", "hidden");
    write(fs::path(dir_.path()) / "outside.txt", "outside the root");
    fs::create_symlink(fs::path(dir_.path()) / "outside.txt", root_ / "escape.txt");
    fs::create_symlink(fs::path(dir_.path()), root_ / "up");
    fs::create_symlink(root_ / "index.html", root_ / "alias.html");
    site_ = StaticSite::load(root_.string());
  }
  StaticReply get(std::string_view target, http::verb method = http::verb::get) {
    return site_->respond(method, target, 11);
  }

  testing::TempDir dir_;
  fs::path root_;
  std::shared_ptr<const StaticSite> site_;
};

TEST_F(StaticSiteTest, ServesIndexWithStrictHeaders) {
  const auto reply = get("/");
  EXPECT_EQ(reply.response.result(), http::status::ok);
  EXPECT_EQ(body_of(reply), "<!doctype html><title>x</title>");
  EXPECT_EQ(reply.response[http::field::content_type], "text/html; charset=utf-8");
  EXPECT_EQ(reply.response[http::field::cache_control], "no-cache");
  EXPECT_EQ(reply.response["Content-Security-Policy"], kContentSecurityPolicy);
  EXPECT_EQ(reply.response["X-Content-Type-Options"], "nosniff");
  EXPECT_NE(kContentSecurityPolicy.find("default-src 'self'"), std::string_view::npos);
  EXPECT_EQ(kContentSecurityPolicy.find("unsafe-inline"), std::string_view::npos);
}

TEST_F(StaticSiteTest, HashedAssetsAreImmutable) {
  const auto reply = get("/assets/app-ABCDEF12.js");
  EXPECT_EQ(reply.response.result(), http::status::ok);
  EXPECT_EQ(reply.response[http::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_EQ(reply.response[http::field::cache_control], "public, max-age=31536000, immutable");
}

TEST_F(StaticSiteTest, HeadHasTheLengthButNoBody) {
  const auto reply = get("/assets/app-ABCDEF12.js", http::verb::head);
  EXPECT_EQ(reply.response.result(), http::status::ok);
  EXPECT_EQ(reply.response[http::field::content_length], "14");
  EXPECT_EQ(reply.response.body().size(), 0u);
}

TEST_F(StaticSiteTest, RefusesTraversalSymlinkEscapesAndDotfiles) {
  EXPECT_EQ(get("/../outside.txt").response.result(), http::status::bad_request);
  EXPECT_EQ(get("/%2e%2e/outside.txt").response.result(), http::status::bad_request);
  EXPECT_EQ(get("/.secret").response.result(), http::status::bad_request);
  EXPECT_EQ(get("/escape.txt").response.result(), http::status::not_found);
  EXPECT_EQ(get("/up/outside.txt").response.result(), http::status::not_found);
  EXPECT_EQ(get("/alias.html").response.result(), http::status::ok);  // stays inside
  EXPECT_EQ(get("/nope.js").response.result(), http::status::not_found);
  // Errors carry the security headers too.
  EXPECT_EQ(get("/nope.js").response["X-Content-Type-Options"], "nosniff");
}

TEST_F(StaticSiteTest, OnlyGetAndHead) {
  const auto reply = get("/", http::verb::post);
  EXPECT_EQ(reply.response.result(), http::status::method_not_allowed);
  EXPECT_EQ(reply.response[http::field::allow], "GET, HEAD");
}

TEST(StaticSite, AbsentRootAnswers404) {
  testing::TempDir dir;
  const auto site = StaticSite::load(dir.path() + "/missing");
  EXPECT_TRUE(site->empty());
  EXPECT_EQ(site->respond(http::verb::get, "/", 11).response.result(), http::status::not_found);
  EXPECT_TRUE(StaticSite::load("")->empty());
}

TEST(StaticSite, SkipsFilesOverTheSizeBound) {
  testing::TempDir dir;
  write(fs::path(dir.path()) / "index.html", "ok");
  write(fs::path(dir.path()) / "big.bin", std::string(kMaxStaticFileBytes + 1, 'x'));
  const auto site = StaticSite::load(dir.path());
  EXPECT_EQ(site->size(), 1u);
  EXPECT_EQ(site->respond(http::verb::get, "/big.bin", 11).response.result(),
            http::status::not_found);
}

}  // namespace
}  // namespace parley::transport
