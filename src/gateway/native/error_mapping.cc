#include "gateway/native/error_mapping.h"

namespace parley::native {

v1::ErrorCode to_wire(Errc code) {
  switch (code) {
    case Errc::message_too_large:
      return v1::MESSAGE_TOO_LARGE;
    case Errc::invalid_utf8:
      return v1::INVALID_UTF8;
    case Errc::token_invalid:
      return v1::TOKEN_INVALID;
    case Errc::invalid_credentials:
      return v1::INVALID_CREDENTIALS;
    case Errc::rate_limited:
      return v1::RATE_LIMITED;
    case Errc::user_not_found:
      return v1::USER_NOT_FOUND;
    case Errc::username_taken:
      return v1::USERNAME_TAKEN;
    case Errc::invalid_username:
      return v1::INVALID_USERNAME;
    case Errc::weak_password:
      return v1::WEAK_PASSWORD;
    case Errc::registration_closed:
      return v1::REGISTRATION_CLOSED;
    case Errc::not_found:
      return v1::NOT_FOUND;
    case Errc::forbidden:
      return v1::FORBIDDEN;
    case Errc::invalid_argument:
      return v1::INVALID_ARGUMENT;
    case Errc::internal:
      return v1::INTERNAL;
    case Errc::unavailable:
      return v1::UNAVAILABLE;
  }
  return v1::INTERNAL;
}

v1::ErrorCode to_wire(SessionCode code) {
  switch (code) {
    case SessionCode::bad_frame:
      return v1::BAD_FRAME;
    case SessionCode::invalid_utf8:
      return v1::INVALID_UTF8;
    case SessionCode::unknown_frame:
      return v1::UNKNOWN_FRAME;
    case SessionCode::frame_too_large:
      return v1::FRAME_TOO_LARGE;
    case SessionCode::hello_required:
      return v1::HELLO_REQUIRED;
    case SessionCode::version_unsupported:
      return v1::VERSION_UNSUPPORTED;
    case SessionCode::not_authenticated:
      return v1::NOT_AUTHENTICATED;
    case SessionCode::already_authenticated:
      return v1::ALREADY_AUTHENTICATED;
    case SessionCode::heartbeat_timeout:
      return v1::HEARTBEAT_TIMEOUT;
    case SessionCode::slow_consumer:
      return v1::SLOW_CONSUMER;
    case SessionCode::shutting_down:
      return v1::SHUTTING_DOWN;
  }
  return v1::INTERNAL;
}

std::string_view session_code_name(SessionCode code) {
  switch (code) {
    case SessionCode::bad_frame:
      return "bad_frame";
    case SessionCode::invalid_utf8:
      return "invalid_utf8";
    case SessionCode::unknown_frame:
      return "unknown_frame";
    case SessionCode::frame_too_large:
      return "frame_too_large";
    case SessionCode::hello_required:
      return "hello_required";
    case SessionCode::version_unsupported:
      return "version_unsupported";
    case SessionCode::not_authenticated:
      return "not_authenticated";
    case SessionCode::already_authenticated:
      return "already_authenticated";
    case SessionCode::heartbeat_timeout:
      return "heartbeat_timeout";
    case SessionCode::slow_consumer:
      return "slow_consumer";
    case SessionCode::shutting_down:
      return "shutting_down";
  }
  return "unknown";
}

}  // namespace parley::native
