#include "transport/static_files.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <system_error>
#include <utility>
#include <vector>

namespace parley::transport {
namespace {

namespace fs = std::filesystem;
namespace http = boost::beast::http;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A path segment that could climb out of the root or name a hidden file.
bool bad_segment(std::string_view segment) { return segment.empty() || segment.front() == '.'; }

bool inside(const fs::path& child, const fs::path& root) {
  auto [r, c] = std::mismatch(root.begin(), root.end(), child.begin(), child.end());
  return r == root.end();
}

std::optional<std::string> read_file(const fs::path& path, std::size_t size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::size_t>(in.gcount()) != size) return std::nullopt;
  return bytes;
}

std::shared_ptr<const std::string> plain_body(std::string_view text) {
  return std::make_shared<const std::string>(text);
}

}  // namespace

Result<std::string> static_path_of(std::string_view target) {
  const auto query = target.find_first_of("?#");
  if (query != std::string_view::npos) target = target.substr(0, query);
  if (target.empty() || target.front() != '/') {
    return fail(Errc::invalid_argument, "target must start with /");
  }
  std::string decoded;
  decoded.reserve(target.size());
  for (std::size_t i = 1; i < target.size(); ++i) {
    char c = target[i];
    if (c == '%') {
      if (i + 2 >= target.size()) {
        return fail(Errc::invalid_argument, "truncated percent escape");
      }
      const int hi = hex_value(target[i + 1]);
      const int lo = hex_value(target[i + 2]);
      if (hi < 0 || lo < 0) return fail(Errc::invalid_argument, "bad percent escape");
      c = static_cast<char>(hi * 16 + lo);
      // An encoded separator would let "a%2f..%2fb" pass the segment check below.
      if (c == '/') return fail(Errc::invalid_argument, "encoded slash");
      i += 2;
    }
    if (c == '\0' || c == '\\') return fail(Errc::invalid_argument, "NUL or backslash in path");
    decoded.push_back(c);
  }
  if (decoded.empty() || decoded.back() == '/') decoded += "index.html";
  std::string_view rest = decoded;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (bad_segment(segment)) return fail(Errc::invalid_argument, "bad path segment");
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return decoded;
}

std::string_view content_type_for(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 18> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
  }};
  for (const auto& [extension, type] : kTypes) {
    if (path.ends_with(extension)) return type;
  }
  return "application/octet-stream";
}

std::shared_ptr<const StaticSite> StaticSite::load(const std::string& root_text) {
  auto site = std::make_shared<StaticSite>();
  if (root_text.empty()) {
    spdlog::warn("web: no web root found (build web/ or set [web] root); GET / answers 404");
    return site;
  }
  std::error_code ec;
  const fs::path root = fs::canonical(root_text, ec);
  if (ec || !fs::is_directory(root, ec)) {
    spdlog::warn("web: root {} is not a directory; GET / answers 404", root_text);
    return site;
  }
  site->root_ = root.string();
  std::size_t total = 0;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& path = it->path();
    // Lexical: fs::relative would resolve a symlink's target first.
    const std::string relative = path.lexically_relative(root).generic_string();
    if (path.filename().string().front() == '.') {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    // Symlinks are followed only when their target stays under the root (a build output may
    // link a file in; it must never link /etc in).
    const fs::path real = fs::canonical(path, ec);
    if (ec || !inside(real, root)) {
      spdlog::warn("web: skipping {}: it resolves outside {}", relative, site->root_);
      if (it->is_directory(ec)) it.disable_recursion_pending();
      ec.clear();
      continue;
    }
    if (!fs::is_regular_file(real, ec)) continue;
    const std::size_t size = fs::file_size(real, ec);
    if (ec) break;
    if (size > kMaxStaticFileBytes || total + size > kMaxStaticTotalBytes ||
        site->files_.size() >= kMaxStaticFiles) {
      spdlog::warn("web: skipping {} ({} bytes): over the static file bounds", relative, size);
      continue;
    }
    auto bytes = read_file(real, size);
    if (!bytes) {
      spdlog::warn("web: cannot read {}", real.string());
      continue;
    }
    auto file = std::make_shared<StaticFile>();
    file->bytes = std::move(*bytes);
    file->content_type = std::string(content_type_for(relative));
    file->immutable = relative.starts_with("assets/");
    total += size;
    site->files_.emplace(relative, std::move(file));
  }
  if (ec) spdlog::warn("web: reading {} stopped: {}", site->root_, ec.message());
  if (!site->files_.contains("index.html")) {
    spdlog::warn("web: {} has no index.html (run npm run build in web/); GET / answers 404",
                 site->root_);
  }
  spdlog::info("web: serving {} files ({} bytes) from {}", site->files_.size(), total, site->root_);
  return site;
}

StaticReply StaticSite::respond(http::verb method, std::string_view target,
                                unsigned http_version) const {
  StaticReply reply;
  auto& response = reply.response;
  response.version(http_version);
  response.set(http::field::server, "parleyd");
  response.set("X-Content-Type-Options", "nosniff");
  response.set("Content-Security-Policy", kContentSecurityPolicy);
  response.set("Referrer-Policy", "no-referrer");
  response.set("Cross-Origin-Opener-Policy", "same-origin");

  const auto plain = [&](http::status status, std::string_view text) {
    auto body = plain_body(text);
    response.result(status);
    response.set(http::field::content_type, "text/plain; charset=utf-8");
    response.set(http::field::cache_control, "no-store");
    response.body() = {body->data(), body->size()};
    reply.owner = std::move(body);
  };

  const bool head = method == http::verb::head;
  if (method != http::verb::get && !head) {
    plain(http::status::method_not_allowed, "method not allowed\n");
    response.set(http::field::allow, "GET, HEAD");
  } else if (auto path = static_path_of(target); !path) {
    plain(http::status::bad_request, "bad path\n");
  } else if (auto found = files_.find(*path); found == files_.end()) {
    plain(http::status::not_found, "not found\n");
  } else {
    const StaticFile& file = *found->second;
    response.result(http::status::ok);
    response.set(http::field::content_type, file.content_type);
    response.set(http::field::cache_control,
                 file.immutable ? "public, max-age=31536000, immutable" : "no-cache");
    response.body() = {file.bytes.data(), file.bytes.size()};
    reply.owner = found->second;
  }
  // HEAD: the headers of the GET, no body (Content-Length stays the GET's).
  response.content_length(response.body().size());
  if (head) response.body() = {};
  return reply;
}

std::string find_default_web_root() {
  std::vector<fs::path> candidates;
  std::error_code ec;
  candidates.push_back(fs::current_path(ec) / "web" / "dist");
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path();
         dir = dir.parent_path()) {
      candidates.push_back(dir / "web" / "dist");
    }
  }
  for (const fs::path& candidate : candidates) {
    if (fs::is_regular_file(candidate / "index.html", ec)) return candidate.string();
  }
  return {};
}

}  // namespace parley::transport
