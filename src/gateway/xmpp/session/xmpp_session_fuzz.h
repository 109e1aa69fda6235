// The input format of the XMPP session fuzz target (xmpp_session_fuzz.cc), shared with its seeds:
// one byte of flags choosing the transport and the schedule, then the client's bytes.
#pragma once

#include <cstdint>

namespace parley::xmpp::session_fuzz {

enum Flags : std::uint8_t {
  kEncrypted = 1 << 0,     // a direct-TLS listener; otherwise plain with STARTTLS offered
  kWebSocket = 1 << 1,     // RFC 7395 messages (each NUL ends one); always encrypted (WSS)
  kSmallReads = 1 << 2,    // the stream arrives 64 bytes at a time
  kOfflineFirst = 1 << 3,  // the peer sends two messages before the session starts
  kPeerChanges = 1 << 4,   // the peer edits, reacts to and deletes its live message
  kEndShift = 5,           // bits 5-7: what ends the session (EndAction)
};

enum class EndAction : std::uint8_t {
  peer_closes,  // 0, and 5 to 7
  idle_timeout,
  deadline,
  kicked,
  shutdown,
};

// Both exist before each input; seeds log in as the user and write to the peer.
inline constexpr char kUserName[] = "fuzzer";
inline constexpr char kUserPassword[] = "fuzzer-password";
inline constexpr char kPeerName[] = "peer";
inline constexpr char kPeerPassword[] = "peer-password";

}  // namespace parley::xmpp::session_fuzz
