#include "gateway/native/json_mapping.h"

#include <google/protobuf/util/json_util.h>

namespace parley::native {

bool json_to_message(std::string_view json, google::protobuf::Message& out, std::string* error) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  const auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), &out, options);
  if (!status.ok()) {
    if (error) *error = std::string(status.message());
    return false;
  }
  return true;
}

std::string message_to_json(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = false;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

}  // namespace parley::native
