// Seed inputs for the native frame fuzz target: valid frames of every kind, binary and JSON.
#include <string>
#include <vector>

#include "gateway/native/frame_codec.h"
#include "parley_proto/parley.pb.h"

std::vector<std::string> fuzz_seeds() {
  using parley::v1::ClientFrame;
  std::vector<ClientFrame> frames(6);
  frames[0].mutable_hello()->set_max_version(1);
  frames[1].mutable_login()->set_username("alice");
  frames[1].mutable_login()->set_password("secret-password");
  frames[2].mutable_send()->set_to_user("bob");
  frames[2].mutable_send()->set_text("hello \xF0\x9F\x91\x8D");
  frames[2].mutable_send()->set_client_msg_id("c1");
  frames[3].mutable_sync()->add_known()->set_seq(7);
  frames[4].mutable_history()->set_after_seq(3);
  frames[5].mutable_delivery_ack()->add_messages()->set_seq(9);
  std::vector<std::string> seeds;
  std::string stream;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    frames[i].set_id(i + 1);
    std::string bytes;
    frames[i].SerializeToString(&bytes);
    seeds.push_back(bytes);
    stream += parley::native::length_prefix(bytes.size()) + bytes;
  }
  seeds.push_back(stream);
  seeds.push_back(R"({"id":"1","hello":{"min_version":1,"max_version":1}})");
  seeds.push_back(R"({"id":"2","send":{"to_user":"bob","client_msg_id":"x","text":"hi"}})");
  seeds.push_back(R"({"id":3,"history":{"conversation_id":"5","after_seq":"0","limit":10}})");
  return seeds;
}
