// The protobuf JSON mapping the native protocol uses on WebSocket text frames: snake_case field
// names (proto names), enums as names, int64 as strings (and numbers accepted on input).
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <string_view>

namespace parley::native {

// False when `json` is not a valid encoding of `out`'s type (unknown fields are rejected).
bool json_to_message(std::string_view json, google::protobuf::Message& out, std::string* error);
std::string message_to_json(const google::protobuf::Message& message);

}  // namespace parley::native
