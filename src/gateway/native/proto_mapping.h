// Core model values to native wire messages.
#pragma once

#include "core/model.h"
#include "parley_proto/parley.pb.h"

namespace parley::native {

void to_wire(const Message& message, v1::Message& out);
void to_wire(const Conversation& conversation, v1::ConversationInfo& out);

}  // namespace parley::native
