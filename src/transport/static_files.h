// The web client's built files, loaded once at start and served at `/` by the HTTP(S) listeners:
// safe path decoding, content types, cache and security headers (docs/web.md).
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/span_body.hpp>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "common/errors.h"

namespace parley::transport {

// Bounds on what is loaded: a web root is a build output, never a file share.
inline constexpr std::size_t kMaxStaticFileBytes = 8 * 1024 * 1024;
inline constexpr std::size_t kMaxStaticTotalBytes = 64 * 1024 * 1024;
inline constexpr std::size_t kMaxStaticFiles = 2'000;

// Sent with every static response: scripts, styles and sockets from this origin only, no inline
// code, no framing. 'self' covers ws:/wss: to the same host and port (CSP level 3).
inline constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

struct StaticFile {
  std::string bytes;
  std::string content_type;
  bool immutable = false;  // under assets/: content-hashed names, cached for a year
};

using StaticResponse = boost::beast::http::response<boost::beast::http::span_body<const char>>;

// A response plus what keeps its body alive until written.
struct StaticReply {
  std::shared_ptr<const void> owner;
  StaticResponse response;
};

class StaticSite {
 public:
  // Loads every regular file under `root` (dotfiles skipped; a symlink only when it resolves
  // inside root). An absent or empty root gives a site that answers 404 to everything.
  // Start-up only (blocking file I/O).
  static std::shared_ptr<const StaticSite> load(const std::string& root);

  // Answers GET or HEAD of `target` (e.g. "/assets/app-X.js?v=1"); other methods get 405.
  // Thread contract: any thread; the site is immutable after load.
  StaticReply respond(boost::beast::http::verb method, std::string_view target,
                      unsigned http_version) const;

  bool empty() const { return files_.empty(); }
  std::size_t size() const { return files_.size(); }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
  std::map<std::string, std::shared_ptr<const StaticFile>, std::less<>> files_;
};

// "/a/b%20c.js?x" -> "a/b c.js"; "/" -> "index.html". Rejects (invalid_argument) bad or
// encoded-slash escapes, NUL, backslashes, and any "." / ".." / dotfile segment.
Result<std::string> static_path_of(std::string_view target);

// By file extension; application/octet-stream when unknown.
std::string_view content_type_for(std::string_view path);

// The `web/dist` directory of the source tree: tried next to the working directory, then above
// the running binary (build/<preset>/src/app/parleyd). Empty when none holds an index.html.
std::string find_default_web_root();

}  // namespace parley::transport
