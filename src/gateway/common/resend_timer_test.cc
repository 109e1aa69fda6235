// The resend timer: it fires once per arm, holds no Asio timer while not armed, can be armed
// again from its own callback, and never calls back after a cancel or its destruction.
#include "gateway/common/resend_timer.h"

#include <gtest/gtest.h>

namespace parley::gateway {
namespace {

using namespace std::chrono_literals;

TEST(ResendTimer, FiresOnceAndIsThenDisarmed) {
  boost::asio::io_context io;
  ResendTimer timer(io);
  int fired = 0;
  EXPECT_FALSE(timer.armed());
  timer.arm(1ms, [&] { ++fired; });
  timer.arm(1ms, [&] { fired += 100; });  // already armed: nothing changes
  EXPECT_TRUE(timer.armed());
  io.run();  // returns once nothing is pending
  EXPECT_EQ(fired, 1);
  EXPECT_FALSE(timer.armed());
}

TEST(ResendTimer, CanBeArmedAgainFromItsCallback) {
  boost::asio::io_context io;
  ResendTimer timer(io);
  int fired = 0;
  std::function<void()> again = [&] {
    if (++fired < 3) timer.arm(1ms, again);
  };
  timer.arm(1ms, again);
  io.run();
  EXPECT_EQ(fired, 3);
  EXPECT_FALSE(timer.armed());
}

TEST(ResendTimer, ACancelledTimerNeverCallsBackAndCanBeArmedAgain) {
  boost::asio::io_context io;
  ResendTimer timer(io);
  int fired = 0;
  timer.arm(1ms, [&] { fired += 100; });
  timer.cancel();
  EXPECT_FALSE(timer.armed());
  timer.arm(1ms, [&] { ++fired; });
  io.run();
  EXPECT_EQ(fired, 1);
}

TEST(ResendTimer, DestroyedWhileArmedNeverCallsBack) {
  boost::asio::io_context io;
  int fired = 0;
  auto timer = std::make_unique<ResendTimer>(io);
  timer->arm(1ms, [&] { ++fired; });
  timer.reset();
  io.run();
  EXPECT_EQ(fired, 0);
}

}  // namespace
}  // namespace parley::gateway
