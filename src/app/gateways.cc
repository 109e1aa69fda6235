#include "app/gateways.h"

#include <cstdio>
#include <cstdlib>

#include "gateway/native/native_gateway.h"
#include "gateway/xmpp/session/xmpp_gateway.h"

namespace parley::app {
namespace {

// Built-in names never clash: a clash is a programming error, found by every test run.
void must(Result<void> added) {
  if (added) return;
  std::fprintf(stderr, "parleyd: %s\n", added.error().message.c_str());
  std::abort();
}

}  // namespace

gateway::GatewayRegistry builtin_gateways() {
  gateway::GatewayRegistry registry;
  // One line per gateway.
  must(registry.add(native::native_gateway()));
  must(registry.add(xmpp::xmpp_gateway()));
  return registry;
}

}  // namespace parley::app
