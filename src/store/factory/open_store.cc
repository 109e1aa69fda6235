#include "store/factory/open_store.h"

#include <array>
#include <utility>

#include "store/sqlite/sqlite_store.h"

namespace parley::store {
namespace {

Result<std::unique_ptr<Store>> open_sqlite(const StoreOptions& options) {
  auto opened = sqlite::SqliteStore::open({.path = options.data_dir + "/parley.db",
                                           .durability_fsync = options.durability_fsync,
                                           .max_bytes = options.max_bytes});
  if (!opened) return std::unexpected(opened.error());
  return std::unique_ptr<Store>(std::move(*opened));
}

struct Backend {
  std::string_view name;
  Result<std::unique_ptr<Store>> (*open)(const StoreOptions&);
};

constexpr std::array kBackends{Backend{"sqlite", &open_sqlite}};

}  // namespace

std::vector<std::string_view> store_backends() {
  std::vector<std::string_view> names;
  for (const Backend& b : kBackends) names.push_back(b.name);
  return names;
}

Result<std::unique_ptr<Store>> open_store(const StoreOptions& options) {
  for (const Backend& b : kBackends) {
    if (b.name == options.backend) return b.open(options);
  }
  std::string known;
  for (std::string_view name : store_backends()) {
    if (!known.empty()) known += ", ";
    known += name;
  }
  return fail(Errc::invalid_argument,
              "unknown store backend \"" + options.backend + "\" (known: " + known + ")");
}

}  // namespace parley::store
