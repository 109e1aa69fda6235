// A SystemEvent as the JSON object clients read in a SYSTEM entry's text
// (docs/protocol-reference.md "SYSTEM entries") and the SQLite backend keeps in its `text` column.
// One codec for both, so what is stored and what is sent never drift apart.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/system_event.h"

namespace parley::codec {

// {"event":"added","actor":"alice","users":["bob"]}; empty fields are left out.
std::string system_event_json(const SystemEvent& event);

// Reads what system_event_json wrote. Unknown keys are ignored; nullopt for a text that is not a
// JSON object with a string `event`, or whose known keys have the wrong type.
std::optional<SystemEvent> parse_system_event_json(std::string_view json);

}  // namespace parley::codec
