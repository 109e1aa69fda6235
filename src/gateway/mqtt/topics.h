// Topic names, topic filters and their matching (3.1.1 §4.7, 5.0 §4.7), and 5.0 shared
// subscription filters "$share/{ShareName}/{filter}" (5.0 §4.8.2). Pure functions; any thread.
#pragma once

#include <optional>
#include <string_view>

#include "gateway/mqtt/wire_format.h"

namespace parley::mqtt {

// A topic a PUBLISH may carry: 1 to 65,535 bytes of MQTT UTF-8 (no U+0000), no '+' or '#'.
bool is_valid_topic_name(std::string_view topic);

// A filter a SUBSCRIBE may carry, wildcard rules only: 1 to 65,535 bytes of MQTT UTF-8; '+'
// alone in its level; '#' alone in the last level. "$share/..." is just a filter to this check.
bool is_valid_topic_filter(std::string_view filter);

struct TopicFilter {
  std::string_view share_name;  // empty when the subscription is not shared
  std::string_view filter;      // what topics are matched against (the part after the share name)
  bool shared() const { return !share_name.empty(); }
};

// Validates a SUBSCRIBE/UNSUBSCRIBE filter and, in 5.0, splits a shared one: a share name of at
// least one character without '/', '+' or '#', then '/', then a valid filter. nullopt if invalid.
// In 3.1.1 "$share/..." is an ordinary filter.
std::optional<TopicFilter> parse_topic_filter(std::string_view filter, Version version);

// Whether the valid filter `filter` (not a "$share/" one: pass TopicFilter::filter) matches the
// valid topic name `topic`. '+' matches exactly one level, possibly empty; '#' matches its parent
// and any number of levels below it; a filter starting with a wildcard matches no topic starting
// with '$' (§4.7.2).
bool matches(std::string_view filter, std::string_view topic);

}  // namespace parley::mqtt
