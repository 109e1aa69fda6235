#include "common/errors.h"

namespace parley {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::bad_frame:
      return "bad_frame";
    case Errc::unknown_frame:
      return "unknown_frame";
    case Errc::frame_too_large:
      return "frame_too_large";
    case Errc::message_too_large:
      return "message_too_large";
    case Errc::invalid_utf8:
      return "invalid_utf8";
    case Errc::not_authenticated:
      return "not_authenticated";
    case Errc::token_invalid:
      return "token_invalid";
    case Errc::invalid_credentials:
      return "invalid_credentials";
    case Errc::rate_limited:
      return "rate_limited";
    case Errc::user_not_found:
      return "user_not_found";
    case Errc::username_taken:
      return "username_taken";
    case Errc::invalid_username:
      return "invalid_username";
    case Errc::weak_password:
      return "weak_password";
    case Errc::registration_closed:
      return "registration_closed";
    case Errc::version_unsupported:
      return "version_unsupported";
    case Errc::not_found:
      return "not_found";
    case Errc::forbidden:
      return "forbidden";
    case Errc::invalid_argument:
      return "invalid_argument";
    case Errc::internal:
      return "internal";
    case Errc::slow_consumer:
      return "slow_consumer";
    case Errc::heartbeat_timeout:
      return "heartbeat_timeout";
    case Errc::already_authenticated:
      return "already_authenticated";
    case Errc::shutting_down:
      return "shutting_down";
    case Errc::hello_required:
      return "hello_required";
    case Errc::unavailable:
      return "unavailable";
  }
  return "unknown";
}

}  // namespace parley
