// The closed set of failures the server can report, and the Result type used on the data path.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace parley {

// Every failure a command can end in. Gateways map these to wire codes in exactly one place each
// (for the native protocol: gateway/native/error_mapping.cc).
enum class Errc : std::uint8_t {
  bad_frame,
  unknown_frame,
  frame_too_large,
  message_too_large,
  invalid_utf8,
  not_authenticated,
  token_invalid,
  invalid_credentials,
  rate_limited,
  user_not_found,
  username_taken,
  invalid_username,
  weak_password,
  registration_closed,
  version_unsupported,
  not_found,
  forbidden,
  invalid_argument,
  internal,
  slow_consumer,
  heartbeat_timeout,
  already_authenticated,
  shutting_down,
  hello_required,
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
