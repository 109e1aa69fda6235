#include "app/config.h"

#include <toml++/toml.h>

#include <CLI/CLI.hpp>
#include <cctype>
#include <fstream>
#include <iostream>
#include <limits>
#include <set>
#include <sstream>

namespace parley::app {
namespace {

// Reads table[key] into out, checking type and range; remembers the key as known.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string prefix) : table_(table), prefix_(prefix) {}

  Result<void> string(const char* key, std::string& out) {
    known_.insert(key);
    const toml::node* node = table_.get(key);
    if (!node) return {};
    if (!node->is_string()) return fail(Errc::invalid_argument, where(key) + " must be a string");
    out = node->value<std::string>().value();
    return {};
  }

  Result<void> number(const char* key, std::uint32_t& out, std::int64_t min = 0,
                      std::int64_t max = std::numeric_limits<std::uint32_t>::max()) {
    known_.insert(key);
    const toml::node* node = table_.get(key);
    if (!node) return {};
    if (!node->is_integer()) {
      return fail(Errc::invalid_argument, where(key) + " must be an integer");
    }
    const std::int64_t v = node->value<std::int64_t>().value();
    if (v < min || v > max) {
      return fail(Errc::invalid_argument,
                  where(key) + " must be in " + std::to_string(min) + ".." + std::to_string(max));
    }
    out = static_cast<std::uint32_t>(v);
    return {};
  }

  Result<void> choice(const char* key, bool& out, const char* if_true, const char* if_false) {
    std::string value;
    if (auto r = string(key, value); !r) return r;
    if (value.empty()) return {};
    if (value == if_true) {
      out = true;
    } else if (value == if_false) {
      out = false;
    } else {
      return fail(Errc::invalid_argument,
                  where(key) + " must be \"" + if_true + "\" or \"" + if_false + "\"");
    }
    return {};
  }

  Result<void> boolean(const char* key, bool& out) {
    known_.insert(key);
    const toml::node* node = table_.get(key);
    if (!node) return {};
    if (!node->is_boolean()) return fail(Errc::invalid_argument, where(key) + " must be a boolean");
    out = node->value<bool>().value();
    return {};
  }

  void table(const char* key) { known_.insert(key); }

  // Unknown keys are errors: a typo must not silently leave a default in force.
  Result<void> reject_unknown() const {
    for (const auto& [key, node] : table_) {
      (void)node;
      if (!known_.contains(std::string(key.str()))) {
        return fail(Errc::invalid_argument, "unknown setting " + where(std::string(key.str())));
      }
    }
    return {};
  }

 private:
  std::string where(const std::string& key) const { return prefix_ + key; }
  const toml::table& table_;
  std::string prefix_;
  std::set<std::string> known_;
};

const toml::table& sub_table(const toml::table& root, const char* key, Result<void>& error) {
  static const toml::table empty;
  const toml::node* node = root.get(key);
  if (!node) return empty;
  if (!node->is_table()) {
    error = fail(Errc::invalid_argument, std::string("[") + key + "] must be a table");
    return empty;
  }
  return *node->as_table();
}

#define PARLEY_TRY(expr)                  \
  do {                                    \
    if (auto r_ = (expr); !r_) return r_; \
  } while (0)

// The six [listen] shorthands take these names; [[listener]] entries may not.
constexpr std::string_view kShorthandNames[] = {"native_tcp", "native_tls", "http",
                                                "https",      "xmpp",       "xmpp_tls"};

// [[listener]]: protocol (required), address (required), tls (default "none"), name (default
// the protocol, with "_starttls" or "_tls" appended for those modes).
Result<void> read_listeners(const toml::table& root, std::vector<ListenerConfig>& out) {
  const toml::node* node = root.get("listener");
  if (!node) return {};
  const toml::array* entries = node->as_array();
  if (!entries || !entries->is_array_of_tables()) {
    return fail(Errc::invalid_argument, "listener must be an array of tables ([[listener]])");
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const std::string where = "listener[" + std::to_string(i) + "].";
    TableReader entry(*entries->get(i)->as_table(), where);
    ListenerConfig l;
    std::string tls = "none";
    PARLEY_TRY(entry.string("name", l.name));
    PARLEY_TRY(entry.string("protocol", l.protocol));
    PARLEY_TRY(entry.string("address", l.address));
    PARLEY_TRY(entry.string("tls", tls));
    PARLEY_TRY(entry.reject_unknown());
    if (l.protocol.empty()) return fail(Errc::invalid_argument, where + "protocol is required");
    if (l.address.empty()) return fail(Errc::invalid_argument, where + "address is required");
    if (tls == "none") {
      l.tls = ListenerTls::none;
    } else if (tls == "starttls") {
      l.tls = ListenerTls::starttls;
    } else if (tls == "direct") {
      l.tls = ListenerTls::direct;
    } else {
      return fail(Errc::invalid_argument,
                  where + "tls must be \"none\", \"starttls\" or \"direct\", not \"" + tls + "\"");
    }
    if (l.name.empty()) {
      l.name = l.protocol + (l.tls == ListenerTls::starttls ? "_starttls"
                             : l.tls == ListenerTls::direct ? "_tls"
                                                            : "");
    }
    // The name is a JSON key in the --ready-fd line, written without escaping.
    for (const char ch : l.name) {
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_') {
        return fail(Errc::invalid_argument,
                    where + "name may hold only letters, digits and _: \"" + l.name + "\"");
      }
    }
    for (std::string_view reserved : kShorthandNames) {
      if (l.name == reserved) {
        return fail(Errc::invalid_argument, where + "name \"" + l.name +
                                                "\" is taken by the [listen] key of that name; "
                                                "choose another name");
      }
    }
    if (!names.insert(l.name).second) {
      return fail(Errc::invalid_argument,
                  where + "name \"" + l.name + "\" is used by another listener; give each a name");
    }
    out.push_back(std::move(l));
  }
  return {};
}

}  // namespace

std::vector<ListenerConfig> listener_table(const ServerConfig& c) {
  std::vector<ListenerConfig> table;
  const ListenerConfig shorthands[] = {
      {"native_tcp", "native", c.listen.native_tcp, ListenerTls::none},
      {"native_tls", "native", c.listen.native_tls, ListenerTls::direct},
      {"http", "http", c.listen.http, ListenerTls::none},
      {"https", "http", c.listen.https, ListenerTls::direct},
      {"xmpp", "xmpp", c.listen.xmpp, ListenerTls::starttls},
      {"xmpp_tls", "xmpp", c.listen.xmpp_tls, ListenerTls::direct},
  };
  for (const ListenerConfig& l : shorthands) {
    if (!l.address.empty()) table.push_back(l);
  }
  table.insert(table.end(), c.listeners.begin(), c.listeners.end());
  return table;
}

std::string_view tls_mode_name(ListenerTls tls) {
  switch (tls) {
    case ListenerTls::none:
      return "none";
    case ListenerTls::starttls:
      return "starttls";
    case ListenerTls::direct:
      return "direct";
  }
  return "none";
}

Result<void> apply_toml(std::string_view toml_text, ServerConfig& c) {
  toml::table root;
  try {
    root = toml::parse(toml_text);
  } catch (const toml::parse_error& e) {
    std::ostringstream out;
    out << "config: " << e.description() << " at line " << e.source().begin.line;
    return fail(Errc::invalid_argument, out.str());
  }
  TableReader top(root, "");
  PARLEY_TRY(top.string("data_dir", c.data_dir));
  std::uint32_t shards = c.shards;
  PARLEY_TRY(top.number("shards", shards, 0, 256));
  c.shards = shards;
  PARLEY_TRY(top.string("server_name", c.server_name));
  PARLEY_TRY(top.choice("registration", c.open_registration, "open", "closed"));
  PARLEY_TRY(top.choice("durability", c.durability_fsync, "fsync", "os"));

  Result<void> table_error;
  auto section = [&](const char* name) -> const toml::table& {
    top.table(name);
    return sub_table(root, name, table_error);
  };

  TableReader listen(section("listen"), "listen.");
  PARLEY_TRY(table_error);
  PARLEY_TRY(listen.string("native_tcp", c.listen.native_tcp));
  PARLEY_TRY(listen.string("native_tls", c.listen.native_tls));
  PARLEY_TRY(listen.string("xmpp", c.listen.xmpp));
  PARLEY_TRY(listen.string("xmpp_tls", c.listen.xmpp_tls));
  PARLEY_TRY(listen.string("http", c.listen.http));
  PARLEY_TRY(listen.string("https", c.listen.https));
  PARLEY_TRY(listen.reject_unknown());

  top.table("listener");
  PARLEY_TRY(read_listeners(root, c.listeners));

  TableReader tls(section("tls"), "tls.");
  PARLEY_TRY(table_error);
  PARLEY_TRY(tls.string("cert_file", c.tls.cert_file));
  PARLEY_TRY(tls.string("key_file", c.tls.key_file));
  PARLEY_TRY(tls.reject_unknown());

  TableReader xmpp(section("xmpp"), "xmpp.");
  PARLEY_TRY(xmpp.string("domain", c.xmpp.domain));
  PARLEY_TRY(xmpp.boolean("require_tls", c.xmpp.require_tls));
  PARLEY_TRY(xmpp.number("idle_timeout_ms", c.xmpp.idle_timeout_ms, 1000, 86'400'000));
  PARLEY_TRY(xmpp.reject_unknown());

  TableReader web(section("web"), "web.");
  PARLEY_TRY(table_error);
  PARLEY_TRY(web.boolean("enabled", c.web.enabled));
  PARLEY_TRY(web.string("root", c.web.root));
  PARLEY_TRY(web.reject_unknown());

  TableReader limits(section("limits"), "limits.");
  PARLEY_TRY(table_error);
  PARLEY_TRY(limits.number("max_frame_bytes", c.limits.max_frame_bytes, 1024, 16 << 20));
  PARLEY_TRY(limits.number("max_message_bytes", c.limits.max_message_bytes, 1, 16 << 20));
  PARLEY_TRY(limits.number("max_outbound_bytes", c.limits.max_outbound_bytes, 64 << 10, 1 << 30));
  PARLEY_TRY(limits.number("max_outbound_hard_bytes", c.limits.max_outbound_hard_bytes, 64 << 10,
                           1 << 30));
  PARLEY_TRY(
      limits.number("slow_consumer_grace_ms", c.limits.slow_consumer_grace_ms, 100, 3'600'000));
  PARLEY_TRY(limits.number("max_group_members", c.limits.max_group_members, 2, 1'000'000));
  PARLEY_TRY(limits.reject_unknown());

  TableReader connections(section("connections"), "connections.");
  PARLEY_TRY(table_error);
  PARLEY_TRY(
      connections.number("hello_timeout_ms", c.connections.hello_timeout_ms, 100, 3'600'000));
  PARLEY_TRY(
      connections.number("login_timeout_ms", c.connections.login_timeout_ms, 100, 3'600'000));
  PARLEY_TRY(connections.number("partial_frame_timeout_ms", c.connections.partial_frame_timeout_ms,
                                100, 3'600'000));
  PARLEY_TRY(
      connections.number("max_unauthenticated", c.connections.max_unauthenticated, 1, 10'000'000));
  PARLEY_TRY(connections.number("max_unauthenticated_per_address",
                                c.connections.max_unauthenticated_per_address, 1, 10'000'000));
  PARLEY_TRY(connections.number("max_requests_in_flight", c.connections.max_requests_in_flight, 1,
                                100'000));
  PARLEY_TRY(connections.reject_unknown());

  TableReader chat(section("chat"), "chat.");
  PARLEY_TRY(table_error);
  PARLEY_TRY(chat.number("presence_coalesce_ms", c.chat.presence_coalesce_ms, 0, 60'000));
  PARLEY_TRY(chat.number("typing_interval_ms", c.chat.typing_interval_ms, 0, 60'000));
  PARLEY_TRY(chat.reject_unknown());

  TableReader heartbeat(section("heartbeat"), "heartbeat.");
  PARLEY_TRY(table_error);
  PARLEY_TRY(heartbeat.number("interval_ms", c.heartbeat.interval_ms, 100, 3'600'000));
  PARLEY_TRY(heartbeat.number("min_interval_ms", c.heartbeat.min_interval_ms, 100, 3'600'000));
  PARLEY_TRY(heartbeat.number("max_interval_ms", c.heartbeat.max_interval_ms, 100, 3'600'000));
  PARLEY_TRY(heartbeat.reject_unknown());

  TableReader delivery(section("delivery"), "delivery.");
  PARLEY_TRY(table_error);
  PARLEY_TRY(delivery.number("resend_timeout_ms", c.delivery.resend_timeout_ms, 100, 3'600'000));
  PARLEY_TRY(delivery.number("max_resends", c.delivery.max_resends, 0, 100));
  PARLEY_TRY(delivery.number("max_unacked", c.delivery.max_unacked, 16, 1'000'000));
  PARLEY_TRY(
      delivery.number("max_unacked_bytes", c.delivery.max_unacked_bytes, 64 << 10, 1u << 31));
  PARLEY_TRY(delivery.reject_unknown());

  TableReader store(section("store"), "store.");
  PARLEY_TRY(table_error);
  PARLEY_TRY(store.string("backend", c.store.backend));
  PARLEY_TRY(store.number("max_size_mb", c.store.max_size_mb, 0, 1u << 30));
  PARLEY_TRY(store.reject_unknown());

  TableReader security(section("security"), "security.");
  PARLEY_TRY(table_error);
  PARLEY_TRY(security.number("token_ttl_seconds", c.security.token_ttl_seconds, 1, 3650u * 86400u));
  PARLEY_TRY(security.number("argon2_ops", c.security.argon2_ops, 1, 100));
  PARLEY_TRY(security.number("argon2_mem_kib", c.security.argon2_mem_kib, 8, 4 << 20));
  PARLEY_TRY(security.number("login_failures_per_account", c.security.login_failures_per_account, 1,
                             1'000'000));
  PARLEY_TRY(security.number("login_failures_per_address", c.security.login_failures_per_address, 1,
                             1'000'000));
  PARLEY_TRY(
      security.number("login_failure_window_s", c.security.login_failure_window_s, 1, 86'400));
  PARLEY_TRY(security.number("registrations_per_address", c.security.registrations_per_address, 1,
                             100'000'000));
  PARLEY_TRY(
      security.number("registration_window_s", c.security.registration_window_s, 1, 86'400 * 30));
  PARLEY_TRY(security.number("hashing_threads", c.security.hashing_threads, 1, 64));
  PARLEY_TRY(security.number("max_hashing_queue", c.security.max_hashing_queue, 1, 100'000));
  PARLEY_TRY(security.reject_unknown());

  TableReader log(section("log"), "log.");
  PARLEY_TRY(table_error);
  PARLEY_TRY(log.string("level", c.log_level));
  PARLEY_TRY(log.reject_unknown());

  PARLEY_TRY(top.reject_unknown());
  if (c.heartbeat.min_interval_ms > c.heartbeat.max_interval_ms) {
    return fail(Errc::invalid_argument, "heartbeat.min_interval_ms exceeds max_interval_ms");
  }
  if (c.limits.max_outbound_bytes > c.limits.max_outbound_hard_bytes) {
    return fail(Errc::invalid_argument,
                "limits.max_outbound_bytes exceeds max_outbound_hard_bytes");
  }
  return {};
}

Result<std::optional<ServerConfig>> load_config(int argc, char** argv) {
  CLI::App cli{"parleyd: the Parley instant-messaging server"};
  std::string config_file;
  std::optional<std::string> data_dir, tcp, tls, http, https, xmpp, xmpps, log_level, durability,
      web_root;
  std::optional<unsigned> shards;
  int ready_fd = -1;
  cli.add_option("--config", config_file, "TOML configuration file")->check(CLI::ExistingFile);
  cli.add_option("--data-dir", data_dir, "data directory (SQLite database, TLS certificate)");
  cli.add_option("--shards", shards, "I/O shards (threads); 0 = one per core");
  cli.add_option("--listen-tcp", tcp, "native protocol over TCP, host:port ('' disables)");
  cli.add_option("--listen-tls", tls, "native protocol over TLS, host:port ('' disables)");
  cli.add_option("--listen-http", http, "HTTP + WebSocket, host:port ('' disables)");
  cli.add_option("--listen-https", https, "HTTPS + secure WebSocket, host:port ('' disables)");
  cli.add_option("--listen-xmpp", xmpp, "XMPP c2s with STARTTLS, host:port ('' disables)");
  cli.add_option("--listen-xmpps", xmpps, "XMPP c2s over direct TLS, host:port ('' disables)");
  cli.add_option("--web-root", web_root, "directory of the built web client served at /");
  cli.add_option("--durability", durability, "fsync (default) or os");
  cli.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  cli.add_option("--ready-fd", ready_fd,
                 "write {\"native_tcp\":PORT,...} and a newline to this fd once listening");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << cli.help();
    return std::nullopt;
  } catch (const CLI::ParseError& e) {
    return fail(Errc::invalid_argument, e.what());
  }

  ServerConfig config;
  if (!config_file.empty()) {
    std::ifstream in(config_file);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) return fail(Errc::invalid_argument, "cannot read " + config_file);
    if (auto r = apply_toml(text.str(), config); !r) return std::unexpected(r.error());
  }
  if (data_dir) config.data_dir = *data_dir;
  if (shards) config.shards = *shards;
  if (tcp) config.listen.native_tcp = *tcp;
  if (tls) config.listen.native_tls = *tls;
  if (http) config.listen.http = *http;
  if (https) config.listen.https = *https;
  if (xmpp) config.listen.xmpp = *xmpp;
  if (xmpps) config.listen.xmpp_tls = *xmpps;
  if (log_level) config.log_level = *log_level;
  if (web_root) config.web.root = *web_root;
  if (durability) {
    if (*durability != "fsync" && *durability != "os") {
      return fail(Errc::invalid_argument, "--durability must be fsync or os");
    }
    config.durability_fsync = *durability == "fsync";
  }
  config.ready_fd = ready_fd;
  return config;
}

}  // namespace parley::app
