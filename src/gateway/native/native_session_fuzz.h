// The input format of the native session fuzz target (native_session_fuzz.cc), shared with its
// seeds: one byte of flags choosing the transport and the schedule, then length-prefixed frames.
#pragma once

#include <cstdint>

namespace parley::native::session_fuzz {

// Byte 0 of an input. The rest is a byte stream of frames, each a 4-byte big-endian length and a
// payload (protobuf, or JSON text on a WebSocket text session): on a stream transport it is fed
// as it is (whatever it holds), on WebSocket it is cut into one message per frame.
enum Flags : std::uint8_t {
  kWebSocket = 1 << 0,     // message transport; otherwise a TCP-like stream
  kText = 1 << 1,          // WebSocket text messages (JSON); otherwise binary (protobuf)
  kPipelined = 1 << 2,     // frames sent without waiting for answers, except to hello and login
                           // steps; otherwise each frame waits for its answer
  kPeer = 1 << 3,          // another user ("peer", on shard 1) sends to whoever logs in here
  kResendAtOnce = 1 << 4,  // resend timeout 0: unacknowledged events are resent, then given up
  kEndShift = 5,           // bits 5-7: what ends the session (EndAction)
};

enum class EndAction : std::uint8_t {
  peer_closes,  // 0, and 5 to 7
  idle_timeout,
  deadline,
  partial_frame_timeout,
  shutdown,
};

inline constexpr char kPeerName[] = "peer";
inline constexpr char kPeerPassword[] = "peer-password";

}  // namespace parley::native::session_fuzz
