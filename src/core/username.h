// Username rules: what may be registered and the case-folded key that makes names unique.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley {

inline constexpr std::size_t kMinUsernameBytes = 3;
inline constexpr std::size_t kMaxUsernameBytes = 32;

// The uniqueness key of a valid username (ASCII-lowercased), or nullopt when the name breaks the
// rules: 3..32 characters from [A-Za-z0-9._-], starting with a letter or digit.
std::optional<std::string> username_key(std::string_view username);

}  // namespace parley
