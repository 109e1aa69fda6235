#include "common/errors.h"

namespace parley {

std::string_view errc_name(Errc code) {
  switch (code) {
    case Errc::message_too_large:
      return "message_too_large";
    case Errc::invalid_utf8:
      return "invalid_utf8";
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
    case Errc::not_found:
      return "not_found";
    case Errc::forbidden:
      return "forbidden";
    case Errc::invalid_argument:
      return "invalid_argument";
    case Errc::internal:
      return "internal";
    case Errc::unavailable:
      return "unavailable";
  }
  return "unknown";
}

}  // namespace parley
