#include "gateway/native/frame_decoder.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/wire_format_lite.h>

#include <boost/json/parse.hpp>
#include <charconv>
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

std::expected<void, SessionError> decode_client_frame(std::string_view payload, bool json,
                                                      v1::ClientFrame& out) {
  install_log_handler();
  if (json) {
    std::string error;
    if (json_to_message(payload, out, &error)) return {};
    if (error.find("UTF-8") != std::string::npos || error.find("UTF8") != std::string::npos) {
      return std::unexpected(
          SessionError{SessionCode::invalid_utf8, "a string field is not valid UTF-8"});
    }
    return std::unexpected(SessionError{SessionCode::bad_frame, "bad JSON frame: " + error});
  }
  t_saw_invalid_utf8 = false;
  if (out.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) return {};
  if (t_saw_invalid_utf8) {
    return std::unexpected(
        SessionError{SessionCode::invalid_utf8, "a string field is not valid UTF-8"});
  }
  return std::unexpected(SessionError{SessionCode::bad_frame, "bad protobuf frame"});
}

namespace {

std::uint64_t json_request_id(std::string_view payload) {
  boost::system::error_code ec;
  const boost::json::value value =
      boost::json::parse(boost::json::string_view(payload.data(), payload.size()), ec);
  if (ec) return 0;
  const auto* object = value.if_object();
  if (!object) return 0;
  const auto* id = object->if_contains("id");
  if (!id) return 0;
  if (const auto* text = id->if_string()) {
    std::uint64_t out = 0;
    const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), out);
    return error == std::errc() && end == text->data() + text->size() ? out : 0;
  }
  if (const auto* n = id->if_uint64()) return *n;
  if (const auto* n = id->if_int64()) return *n > 0 ? static_cast<std::uint64_t>(*n) : 0;
  return 0;
}

// Field 1 (ClientFrame.id, a varint), skipping whatever comes before it; 0 at the first field
// that cannot be read.
std::uint64_t protobuf_request_id(std::string_view payload) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream input(
      reinterpret_cast<const std::uint8_t*>(payload.data()), static_cast<int>(payload.size()));
  while (const std::uint32_t tag = input.ReadTag()) {
    if (tag == WireFormatLite::MakeTag(1, WireFormatLite::WIRETYPE_VARINT)) {
      std::uint64_t id = 0;
      return input.ReadVarint64(&id) ? id : 0;
    }
    if (!WireFormatLite::SkipField(&input, tag)) return 0;
  }
  return 0;
}

}  // namespace

std::uint64_t read_request_id(std::string_view payload, bool json) {
  return json ? json_request_id(payload) : protobuf_request_id(payload);
}

}  // namespace parley::native
