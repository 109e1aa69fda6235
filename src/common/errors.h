// The closed set of failures the server can report, and the Result type used on the data path.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace parley {

// Every failure a core command (or a store, or start-up) can end in: core's vocabulary only.
// A gateway's own failures (framing, handshake, liveness) are its own codes. Gateways map both to
// wire codes in exactly one place each (native: gateway/native/error_mapping.cc).
enum class Errc : std::uint8_t {
  message_too_large,
  invalid_utf8,
  token_invalid,
  invalid_credentials,
  rate_limited,
  user_not_found,
  username_taken,
  invalid_username,
  weak_password,
  registration_closed,
  not_found,
  forbidden,
  invalid_argument,
  internal,
  unavailable,
};

std::string_view errc_name(Errc code);

struct Error {
  Errc code;
  std::string message;  // detail for logs and humans; may be empty
  // For unavailable and rate_limited: when a retry may succeed (0: no hint).
  std::uint32_t retry_after_ms = 0;
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(Errc code, std::string message = {},
                                   std::uint32_t retry_after_ms = 0) {
  return std::unexpected<Error>(Error{code, std::move(message), retry_after_ms});
}

}  // namespace parley
