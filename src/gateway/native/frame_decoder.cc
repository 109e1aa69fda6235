#include "gateway/native/frame_decoder.h"

#include <google/protobuf/stubs/logging.h>

#include <iostream>
#include <mutex>

#include "gateway/native/json_mapping.h"

namespace parley::native {
namespace {

// Protobuf reports invalid UTF-8 in a proto3 string only through its log, not its return value.
// This handler turns that report into a flag for the decode running on this thread, and keeps a
// client from writing to the server's log at will.
thread_local bool t_saw_invalid_utf8 = false;

void protobuf_log(google::protobuf::LogLevel level, const char* file, int line,
                  const std::string& message) {
  if (message.find("invalid UTF-8") != std::string::npos) {
    t_saw_invalid_utf8 = true;
    return;
  }
  if (level >= google::protobuf::LOGLEVEL_ERROR) {
    std::cerr << "protobuf " << file << ":" << line << ": " << message << "\n";
  }
}

void install_log_handler() {
  static std::once_flag once;
  std::call_once(once, [] { google::protobuf::SetLogHandler(&protobuf_log); });
}

}  // namespace

Result<void> decode_client_frame(std::string_view payload, bool json, v1::ClientFrame& out) {
  install_log_handler();
  if (json) {
    std::string error;
    if (json_to_message(payload, out, &error)) return {};
    if (error.find("UTF-8") != std::string::npos || error.find("UTF8") != std::string::npos) {
      return fail(Errc::invalid_utf8, "a string field is not valid UTF-8");
    }
    return fail(Errc::bad_frame, "bad JSON frame: " + error);
  }
  t_saw_invalid_utf8 = false;
  if (out.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return {};
  if (t_saw_invalid_utf8) return fail(Errc::invalid_utf8, "a string field is not valid UTF-8");
  return fail(Errc::bad_frame, "bad protobuf frame");
}

}  // namespace parley::native
