// Topic name and filter validation and matching (3.1.1 §4.7, 5.0 §4.7 and §4.8.2).
#include "gateway/mqtt/topics.h"

#include <algorithm>

#include "gateway/mqtt/wire.h"

namespace parley::mqtt {
namespace {

constexpr std::string_view kSharePrefix = "$share/";

bool is_string(std::string_view s) {
  return !s.empty() && s.size() <= kMaxStringBytes && wire::is_mqtt_utf8(s);
}

// The level of `s` that starts at `begin`, up to the next '/' or the end.
std::string_view level_at(std::string_view s, std::size_t begin) {
  const std::size_t end = std::min(s.find('/', begin), s.size());
  return s.substr(begin, end - begin);
}

}  // namespace

bool is_valid_topic_name(std::string_view topic) {
  return is_string(topic) && topic.find_first_of("+#") == std::string_view::npos;
}

bool is_valid_topic_filter(std::string_view filter) {
  if (!is_string(filter)) return false;
  std::size_t begin = 0;
  while (true) {
    const std::string_view level = level_at(filter, begin);
    const bool last = begin + level.size() == filter.size();
    if (level.find_first_of("+#") != std::string_view::npos) {
      // A wildcard must be the whole level (§4.7.1.2, §4.7.1.3), and '#' the last level.
      if (level.size() != 1) return false;
      if (level == "#" && !last) return false;
    }
    if (last) return true;
    begin += level.size() + 1;
  }
}

std::optional<TopicFilter> parse_topic_filter(std::string_view filter, Version version) {
  if (version == Version::v5 && filter.starts_with(kSharePrefix)) {
    if (!is_string(filter)) return std::nullopt;
    const std::string_view rest = filter.substr(kSharePrefix.size());
    const std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    const std::string_view share_name = rest.substr(0, slash);
    const std::string_view inner = rest.substr(slash + 1);
    if (share_name.empty() || share_name.find_first_of("+#") != std::string_view::npos) {
      return std::nullopt;
    }
    if (!is_valid_topic_filter(inner)) return std::nullopt;
    return TopicFilter{share_name, inner};
  }
  if (!is_valid_topic_filter(filter)) return std::nullopt;
  return TopicFilter{{}, filter};
}

bool matches(std::string_view filter, std::string_view topic) {
  if (filter.empty() || topic.empty()) return false;
  if (topic.front() == '$' && (filter.front() == '+' || filter.front() == '#')) return false;
  std::size_t f = 0;
  std::size_t t = 0;
  while (true) {
    const std::string_view f_level = level_at(filter, f);
    if (f_level == "#") return true;  // this level and everything below it
    const std::string_view t_level = level_at(topic, t);
    if (f_level != "+" && f_level != t_level) return false;
    const std::size_t f_end = f + f_level.size();
    const std::size_t t_end = t + t_level.size();
    const bool filter_done = f_end == filter.size();
    const bool topic_done = t_end == topic.size();
    if (filter_done) return topic_done;
    // "sport/#" also matches "sport": the parent of a multi-level wildcard (§4.7.1.2).
    if (topic_done) return filter.substr(f_end) == "/#";
    f = f_end + 1;
    t = t_end + 1;
  }
}

}  // namespace parley::mqtt
