// The authentication frames: register and login carry the device key and name; resume only the
// token.
#include <gtest/gtest.h>

#include "client/client_impl.h"

namespace parley::client {
namespace {

TEST(AuthFrame, RegisterAndLoginNameTheDeviceByItsKey) {
  const auto reg = auth_frame(AuthKind::register_account, "alice", "pw", "laptop", "key-1", "");
  ASSERT_TRUE(reg.has_register_account());
  EXPECT_EQ(reg.register_account().username(), "alice");
  EXPECT_EQ(reg.register_account().password(), "pw");
  EXPECT_EQ(reg.register_account().device_name(), "laptop");
  EXPECT_EQ(reg.register_account().device_key(), "key-1");
  const auto login = auth_frame(AuthKind::login, "alice", "pw", "laptop", "key-1", "old-token");
  ASSERT_TRUE(login.has_login());
  EXPECT_EQ(login.login().device_key(), "key-1");
  EXPECT_EQ(login.login().device_name(), "laptop");
}

TEST(AuthFrame, ResumeSendsTheTokenOnly) {
  const auto resume = auth_frame(AuthKind::resume, "", "", "laptop", "key-1", "token-9");
  ASSERT_TRUE(resume.has_resume());
  EXPECT_EQ(resume.resume().token(), "token-9");
}

}  // namespace
}  // namespace parley::client
