// The native session's own failure codes, and the one place they and core's Errc become native
// wire ErrorCodes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/errors.h"
#include "parley_proto/parley.pb.h"

namespace parley::native {

// Failures of the native session itself (framing, handshake, login state, liveness, delivery),
// which core never returns; a core command's failures are Errc.
enum class SessionCode : std::uint8_t {
  bad_frame,              // undecodable, or begun and not completed in time
  invalid_utf8,           // a frame's string field is not UTF-8 (the decoder's own check)
  unknown_frame,          // no body, or one this server does not know
  frame_too_large,        // over the max_frame_bytes the hello announced
  hello_required,         // first frame not a hello, or no hello in time
  version_unsupported,    // no protocol version in common
  not_authenticated,      // a request before login, or no login in time
  already_authenticated,  // a login on a session already logged in
  heartbeat_timeout,      // silent for 2.5 heartbeat intervals
  slow_consumer,          // message events not acknowledged (window full, or resends spent)
  shutting_down,          // the server is stopping
};

// A session failure with its detail for the client, as Error is for core's.
struct SessionError {
  SessionCode code;
  std::string message;
};

// The decoder's SessionCode::invalid_utf8 and core's Errc::invalid_utf8 (a command's text) are
// both INVALID_UTF8 on the wire; every other code has a wire code of its own.
v1::ErrorCode to_wire(Errc code);
v1::ErrorCode to_wire(SessionCode code);

std::string_view session_code_name(SessionCode code);

}  // namespace parley::native
