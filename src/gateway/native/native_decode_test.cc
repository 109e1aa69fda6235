#include <gtest/gtest.h>

#include <set>

#include "gateway/native/error_mapping.h"
#include "gateway/native/frame_decoder.h"
#include "gateway/native/json_mapping.h"

namespace parley::native {
namespace {

TEST(FrameDecoder, BinaryRoundTrip) {
  v1::ClientFrame in;
  in.set_id(42);
  in.mutable_send()->set_to_user("bob");
  in.mutable_send()->set_text("h\xC3\xA9");
  in.mutable_send()->set_client_msg_id("c1");
  std::string bytes;
  in.SerializeToString(&bytes);
  v1::ClientFrame out;
  ASSERT_TRUE(decode_client_frame(bytes, false, out));
  EXPECT_EQ(out.id(), 42u);
  EXPECT_EQ(out.send().text(), "h\xC3\xA9");
}

TEST(FrameDecoder, JsonUsesProtoFieldNamesAndAcceptsCamelCase) {
  v1::ClientFrame out;
  ASSERT_TRUE(decode_client_frame(
      R"({"id":"7","send":{"to_user":"bob","client_msg_id":"a","text":"hi"}})", true, out));
  EXPECT_EQ(out.id(), 7u);
  EXPECT_EQ(out.send().client_msg_id(), "a");
  v1::ClientFrame camel;
  ASSERT_TRUE(
      decode_client_frame(R"({"id":8,"send":{"toUser":"bob","clientMsgId":"b"}})", true, camel));
  EXPECT_EQ(camel.send().to_user(), "bob");

  v1::ServerFrame frame;
  frame.set_id(3);
  frame.mutable_send_ack()->set_conversation_id(5);
  frame.mutable_send_ack()->set_seq(9);
  EXPECT_EQ(message_to_json(frame), R"({"id":"3","send_ack":{"conversation_id":"5","seq":"9"}})");
}

TEST(FrameDecoder, InvalidUtf8IsReportedAsSuch) {
  v1::ClientFrame in;
  in.mutable_send()->set_text("ok");
  std::string bytes;
  in.SerializeToString(&bytes);
  // Replace "ok" with an invalid byte pair in place (same length keeps the encoding valid).
  bytes.replace(bytes.find("ok"), 2, "\xC3\x28");
  v1::ClientFrame out;
  auto r = decode_client_frame(bytes, false, out);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, SessionCode::invalid_utf8);
}

TEST(FrameDecoder, GarbageIsABadFrame) {
  v1::ClientFrame out;
  auto binary = decode_client_frame(std::string("\xFF\xFF\xFF\xFF\xFF", 5), false, out);
  ASSERT_FALSE(binary);
  EXPECT_EQ(binary.error().code, SessionCode::bad_frame);
  auto json = decode_client_frame("{not json", true, out);
  ASSERT_FALSE(json);
  EXPECT_EQ(json.error().code, SessionCode::bad_frame);
  auto unknown_field = decode_client_frame(R"({"id":1,"bogus":{}})", true, out);
  ASSERT_FALSE(unknown_field);
  EXPECT_EQ(unknown_field.error().code, SessionCode::bad_frame);
}

TEST(ErrorMapping, EveryErrcHasADistinctWireCode) {
  std::set<int> seen;
  for (int c = 0; c <= static_cast<int>(Errc::unavailable); ++c) {
    const auto wire = to_wire(static_cast<Errc>(c));
    EXPECT_NE(wire, v1::ERROR_CODE_UNSPECIFIED);
    EXPECT_TRUE(seen.insert(wire).second) << errc_name(static_cast<Errc>(c));
  }
}

// The session's own codes keep the wire codes they had as Errc values (docs/protocol.md), and
// none collides with a core code except invalid UTF-8, which is one error to a client.
TEST(ErrorMapping, EverySessionCodeHasItsOwnWireCode) {
  std::set<int> core;
  for (int c = 0; c <= static_cast<int>(Errc::unavailable); ++c) {
    core.insert(to_wire(static_cast<Errc>(c)));
  }
  std::set<int> seen;
  for (int c = 0; c <= static_cast<int>(SessionCode::shutting_down); ++c) {
    const auto code = static_cast<SessionCode>(c);
    const auto wire = to_wire(code);
    EXPECT_NE(wire, v1::ERROR_CODE_UNSPECIFIED);
    EXPECT_NE(wire, v1::INTERNAL) << session_code_name(code);
    EXPECT_TRUE(seen.insert(wire).second) << session_code_name(code);
    EXPECT_EQ(core.contains(wire), code == SessionCode::invalid_utf8) << session_code_name(code);
  }
  EXPECT_EQ(to_wire(SessionCode::hello_required), v1::HELLO_REQUIRED);
  EXPECT_EQ(to_wire(SessionCode::slow_consumer), v1::SLOW_CONSUMER);
  // Every wire code the schema has is reachable from one side or the other.
  for (int w = v1::ErrorCode_MIN; w <= v1::ErrorCode_MAX; ++w) {
    if (!v1::ErrorCode_IsValid(w) || w == v1::ERROR_CODE_UNSPECIFIED) continue;
    EXPECT_TRUE(core.contains(w) || seen.contains(w)) << v1::ErrorCode_Name(w);
  }
}

}  // namespace
}  // namespace parley::native
