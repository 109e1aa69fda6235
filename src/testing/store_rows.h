// Rows a store test needs made through the Store port itself: a user, a device, a text append.
// Shared by the conformance suite (tests/store_conformance/) and each backend's own tests.
#pragma once

#include <gtest/gtest.h>

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/store.h"

namespace parley::testing {

inline UserId make_user(Store& store, const std::string& name) {
  auto id = store.create_user(name, name, "hash-" + name, 1000);
  EXPECT_TRUE(id) << id.error().message;
  return id.value_or(0);
}

inline DeviceId make_device(Store& store, UserId owner, const std::string& token_hash) {
  auto id = store.create_device(NewDevice{owner, "phone", token_hash, 9000, 1000});
  EXPECT_TRUE(id) << id.error().message;
  return id.value_or(0);
}

inline AppendRequest text_request(ConversationId conversation, UserId sender, std::string client_id,
                                  std::string body = "hi") {
  return AppendRequest{.conversation_id = conversation,
                       .sender_id = sender,
                       .sender_device_id = 1,
                       .client_msg_id = std::move(client_id),
                       .kind = MessageKind::text,
                       .text = std::move(body),
                       .now = 5000};
}

inline Result<AppendOutcome> append_one(Store& store, const AppendRequest& request) {
  auto outcomes = store.append(std::span(&request, 1));
  EXPECT_EQ(outcomes.size(), 1u);
  return outcomes.at(0);
}

inline std::vector<Seq> seqs(const std::vector<Message>& messages) {
  std::vector<Seq> out;
  for (const Message& m : messages) out.push_back(m.seq);
  return out;
}

}  // namespace parley::testing
