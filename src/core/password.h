// Password hashing (argon2id via libsodium) and device tokens (random, stored only as a hash).
#pragma once

#include <string>
#include <string_view>

#include "common/errors.h"

namespace parley {

struct PasswordHashParams;

// Initialises libsodium; safe to call many times from any thread.
void init_crypto();

// Slow by design: call only off the I/O shards.
Result<std::string> hash_password(std::string_view password, const PasswordHashParams& params);
// Constant time with respect to the stored hash; false for a malformed hash.
bool verify_password(std::string_view password, const std::string& stored_hash);

// A new random device token (256 bits, URL-safe base64, no padding).
std::string new_device_token();
// The raw SHA-256 of a token: what the store keeps and looks up.
std::string token_hash(std::string_view token);

}  // namespace parley
