// The client's persisted state (state_dir/state.json): identity and token, per-conversation
// cursors and the outbox, replaced atomically and durably (temp file, fsync, rename, fsync of the
// directory). When it is written is StateWriter's business (state_writer.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace parley::client {

struct OutboxRecord {
  std::string client_msg_id;
  std::string to_user;               // either to_user ...
  std::int64_t conversation_id = 0;  // ... or conversation_id
  std::string text;
};

struct PersistedState {
  std::int64_t user_id = 0;
  std::string username;
  std::int64_t device_id = 0;
  std::string device_key;  // this installation's stable id, sent on register and login
  std::string token;
  std::int64_t token_expires_at_ms = 0;
  std::int64_t user_seq = 0;                     // highest user-log entry applied
  std::map<std::int64_t, std::int64_t> cursors;  // conversation -> highest seq handed to the app
  std::vector<OutboxRecord> outbox;              // in send order
};

// A missing file is an empty state (true); a damaged one is an error.
bool load_state(const std::string& dir, PersistedState& out, std::string& error);
// Blocks on the disk (two fsyncs): never call it on an io thread. On failure the previous state
// file is untouched.
bool save_state(const std::string& dir, const PersistedState& state, std::string& error);

}  // namespace parley::client
