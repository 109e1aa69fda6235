#include "gateway/native/frame_codec.h"

#include <gtest/gtest.h>

namespace parley::native {
namespace {

TEST(FrameCodec, RoundTripsAndReportsConsumedBytes) {
  const std::string payload = "hello";
  const std::string wire = length_prefix(payload.size()) + payload + "tail";
  auto parsed = parse_frame(wire, 1024);
  ASSERT_EQ(parsed.status, ParseStatus::ok);
  EXPECT_EQ(parsed.payload, payload);
  EXPECT_EQ(parsed.consumed, 9u);
}

TEST(FrameCodec, NeedsMoreUntilWholeFrame) {
  const std::string wire = length_prefix(5) + "hello";
  for (std::size_t cut = 0; cut < wire.size(); ++cut) {
    EXPECT_EQ(parse_frame(std::string_view(wire).substr(0, cut), 1024).status,
              ParseStatus::need_more)
        << cut;
  }
}

TEST(FrameCodec, RejectsOversizeBeforeThePayloadArrives) {
  EXPECT_EQ(parse_frame(length_prefix(1025), 1024).status, ParseStatus::too_large);
  EXPECT_EQ(parse_frame(std::string("\xFF\xFF\xFF\xFF", 4), 1024).status, ParseStatus::too_large);
  EXPECT_EQ(parse_frame(length_prefix(1024), 1024).status, ParseStatus::need_more);
}

TEST(FrameCodec, EmptyPayloadIsAFrame) {
  auto parsed = parse_frame(length_prefix(0), 1024);
  ASSERT_EQ(parsed.status, ParseStatus::ok);
  EXPECT_TRUE(parsed.payload.empty());
  EXPECT_EQ(parsed.consumed, 4u);
}

}  // namespace
}  // namespace parley::native
