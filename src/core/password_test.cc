#include "core/password.h"

#include <gtest/gtest.h>

#include "core/core.h"

namespace parley {
namespace {

PasswordHashParams fast_params() { return PasswordHashParams{1, 8u << 20}; }

TEST(Password, HashIsArgon2idAndVerifies) {
  init_crypto();
  auto hash = hash_password("correct horse", fast_params());
  ASSERT_TRUE(hash);
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(verify_password("correct horse", *hash));
  EXPECT_FALSE(verify_password("correct horsE", *hash));
  EXPECT_FALSE(verify_password("correct horse", "not a hash"));
}

TEST(Password, SaltMakesHashesDiffer) {
  init_crypto();
  EXPECT_NE(hash_password("same", fast_params()).value(),
            hash_password("same", fast_params()).value());
}

TEST(Token, RandomUrlSafeAndHashedToThirtyTwoBytes) {
  init_crypto();
  const std::string a = new_device_token();
  const std::string b = new_device_token();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 43u);
  EXPECT_EQ(a.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_EQ(token_hash(a).size(), 32u);
  EXPECT_EQ(token_hash(a), token_hash(a));
  EXPECT_NE(token_hash(a), token_hash(b));
}

}  // namespace
}  // namespace parley
