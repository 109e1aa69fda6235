// Core model values to native wire messages, and wire enums back to core's.
#pragma once

#include <optional>

#include "core/events.h"
#include "core/model.h"
#include "core/store.h"
#include "parley_proto/parley.pb.h"

namespace parley::native {

void to_wire(const Message& message, v1::Message& out);
void to_wire(const Conversation& conversation, v1::ConversationInfo& out);
void to_wire(const ConversationSummary& summary, v1::ConversationInfo& out);
void to_wire(const UserUpdate& update, v1::UserUpdate& out);
void to_wire(const Contact& contact, v1::ContactInfo& out);
// The ServerFrame body of a pushed event.
void to_wire(const Event& event, v1::ServerFrame& out);

std::optional<GroupAction> from_wire(v1::GroupAction action);
std::optional<ContactAction> from_wire(v1::ContactAction action);

}  // namespace parley::native
