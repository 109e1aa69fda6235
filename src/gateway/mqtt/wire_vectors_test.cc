// Byte-exact packets: from the spec's examples, and captured on loopback between Debian's
// mosquitto 2.0.11 broker and its mosquitto_pub/mosquitto_sub clients (3.1.1 and 5.0). Each is
// decoded field by field and, where Mosquitto writes properties in identifier order as our
// encoder does, encoded back to the same bytes.
#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "gateway/mqtt/decoder.h"
#include "gateway/mqtt/encoder.h"
#include "gateway/mqtt/test_bytes.h"

namespace parley::mqtt {
namespace {

using testing::from_hex;
using testing::to_hex;

// Decodes a whole vector; the bytes live as long as the test program, since the packet views them.
template <class P>
const P& decode(std::string_view hex, Version v) {
  static std::deque<std::string> inputs;
  static std::deque<ParseResult> results;
  const std::string& bytes = inputs.emplace_back(from_hex(hex));
  const ParseResult& r = results.emplace_back(parse(bytes, Limits{}, v));
  EXPECT_EQ(r.status, ParseStatus::ok) << parse_error_name(r.error) << ": " << hex;
  EXPECT_EQ(r.consumed, bytes.size());
  static const P kEmpty{};
  const P* p = std::get_if<P>(&r.packet);
  EXPECT_NE(p, nullptr) << hex;
  return p ? *p : kEmpty;
}

std::string reencode(const Packet& p, Version v) {
  std::string out;
  EXPECT_TRUE(encode(p, v, out).has_value());
  return to_hex(out);
}

// mosquitto_sub -V mqttv311 -i sub311 -t 'sport/#' -q 1, then mosquitto_pub -V mqttv311
// -i pub311 -t sport/tennis -m hello -q 1 -u alice -P secret --will-topic status/pub311
// --will-payload gone --will-qos 1 --will-retain.
TEST(MosquittoV311, SubscriberSession) {
  const char* kConnect = "10 12 00 04 4d 51 54 54 04 02 00 3c 00 06 73 75 62 33 31 31";
  const Connect& c = decode<Connect>(kConnect, Version::v311);
  EXPECT_EQ(c.version, Version::v311);
  EXPECT_TRUE(c.clean_start);
  EXPECT_EQ(c.keep_alive, 60);
  EXPECT_EQ(c.client_id, "sub311");
  EXPECT_FALSE(c.will || c.username || c.password);
  EXPECT_EQ(reencode(c, Version::v311), kConnect);

  const char* kConnack = "20 02 00 00";
  const Connack& ack = decode<Connack>(kConnack, Version::v311);
  EXPECT_FALSE(ack.session_present);
  EXPECT_EQ(ack.reason_code, ReasonCode::success);
  EXPECT_EQ(reencode(ack, Version::v311), kConnack);

  const char* kSubscribe = "82 0c 00 01 00 07 73 70 6f 72 74 2f 23 01";
  const Subscribe& s = decode<Subscribe>(kSubscribe, Version::v311);
  EXPECT_EQ(s.packet_id, 1);
  ASSERT_EQ(s.subscriptions.size(), 1u);
  EXPECT_EQ(s.subscriptions[0].filter, "sport/#");
  EXPECT_EQ(s.subscriptions[0].qos, 1);
  EXPECT_EQ(reencode(s, Version::v311), kSubscribe);

  const char* kSuback = "90 03 00 01 01";
  const Suback& sa = decode<Suback>(kSuback, Version::v311);
  EXPECT_EQ(sa.reason_codes, std::vector<ReasonCode>{ReasonCode::granted_qos_1});
  EXPECT_EQ(reencode(sa, Version::v311), kSuback);

  const char* kDisconnect = "e0 00";
  decode<Disconnect>(kDisconnect, Version::v311);
  EXPECT_EQ(reencode(Disconnect{}, Version::v311), kDisconnect);
}

TEST(MosquittoV311, PublisherWithWillAndCredentials) {
  const char* kConnect =
      "10 36 00 04 4d 51 54 54 04 ee 00 3c 00 06 70 75 62 33 31 31 00 0d 73 74 61 74 75 73 2f 70 "
      "75 62 33 31 31 00 04 67 6f 6e 65 00 05 61 6c 69 63 65 00 06 73 65 63 72 65 74";
  const Connect& c = decode<Connect>(kConnect, Version::v311);
  EXPECT_EQ(c.client_id, "pub311");
  ASSERT_TRUE(c.will);
  EXPECT_EQ(c.will->topic, "status/pub311");
  EXPECT_EQ(c.will->payload, "gone");
  EXPECT_EQ(c.will->qos, 1);
  EXPECT_TRUE(c.will->retain);
  EXPECT_EQ(c.username, "alice");
  EXPECT_EQ(c.password, "secret");
  EXPECT_EQ(reencode(c, Version::v311), kConnect);

  // The same PUBLISH went from the publisher to the broker and from the broker to the subscriber.
  const char* kPublish = "32 15 00 0c 73 70 6f 72 74 2f 74 65 6e 6e 69 73 00 01 68 65 6c 6c 6f";
  const Publish& p = decode<Publish>(kPublish, Version::v311);
  EXPECT_EQ(p.qos, 1);
  EXPECT_FALSE(p.dup || p.retain);
  EXPECT_EQ(p.topic, "sport/tennis");
  EXPECT_EQ(p.packet_id, 1);
  EXPECT_EQ(p.payload, "hello");
  EXPECT_EQ(reencode(p, Version::v311), kPublish);

  const char* kPuback = "40 02 00 01";
  EXPECT_EQ(decode<Puback>(kPuback, Version::v311).packet_id, 1);
  EXPECT_EQ(reencode(Puback{.packet_id = 1}, Version::v311), kPuback);
}

// mosquitto_sub -V 5 -i sub5 -t 'sport/+' -q 2 -D connect session-expiry-interval 60
// -D subscribe subscription-identifier 7 -D subscribe user-property a b, then mosquitto_pub -V 5
// -i pub5 -t sport/x -m hi -q 2 -D publish user-property k v -D publish message-expiry-interval 60
// -D publish content-type text/plain.
TEST(MosquittoV5, SubscriberSession) {
  const char* kConnect =
      "10 19 00 04 4d 51 54 54 05 02 00 3c 08 11 00 00 00 3c 21 00 01 00 04 73 75 62 35";
  const Connect& c = decode<Connect>(kConnect, Version::v5);
  EXPECT_EQ(c.version, Version::v5);
  EXPECT_EQ(c.client_id, "sub5");
  EXPECT_EQ(c.properties.session_expiry_interval, 60u);
  EXPECT_EQ(c.properties.receive_maximum, 1);
  EXPECT_EQ(reencode(c, Version::v5), kConnect);

  // Mosquitto writes Topic Alias Maximum (0x22) before Receive Maximum (0x21); we write them in
  // identifier order, which decodes to the same packet.
  const Connack& ack = decode<Connack>("20 09 00 00 06 22 00 0a 21 00 14", Version::v5);
  EXPECT_EQ(ack.reason_code, ReasonCode::success);
  EXPECT_EQ(ack.properties.topic_alias_maximum, 10);
  EXPECT_EQ(ack.properties.receive_maximum, 20);
  EXPECT_EQ(reencode(ack, Version::v5), "20 09 00 00 06 21 00 14 22 00 0a");

  const char* kSubscribe =
      "82 16 00 01 09 0b 07 26 00 01 61 00 01 62 00 07 73 70 6f 72 74 2f 2b 02";
  const Subscribe& s = decode<Subscribe>(kSubscribe, Version::v5);
  EXPECT_EQ(s.properties.subscription_identifiers, std::vector<std::uint32_t>{7});
  EXPECT_EQ(s.properties.user_properties, (std::vector<UserProperty>{{"a", "b"}}));
  ASSERT_EQ(s.subscriptions.size(), 1u);
  EXPECT_EQ(s.subscriptions[0], (Subscription{.filter = "sport/+", .qos = 2}));
  EXPECT_EQ(reencode(s, Version::v5), kSubscribe);

  const char* kSuback = "90 04 00 01 00 02";
  EXPECT_EQ(decode<Suback>(kSuback, Version::v5).reason_codes,
            std::vector<ReasonCode>{ReasonCode::granted_qos_2});
  EXPECT_EQ(reencode(decode<Suback>(kSuback, Version::v5), Version::v5), kSuback);

  // The broker's delivery carries the subscription identifier.
  const Publish& p = decode<Publish>(
      "34 29 00 07 73 70 6f 72 74 2f 78 00 01 1b 0b 07 26 00 01 6b 00 01 76 03 00 0a 74 65 78 74 "
      "2f 70 6c 61 69 6e 02 00 00 00 3c 68 69",
      Version::v5);
  EXPECT_EQ(p.qos, 2);
  EXPECT_EQ(p.topic, "sport/x");
  EXPECT_EQ(p.packet_id, 1);
  EXPECT_EQ(p.properties.subscription_identifiers, std::vector<std::uint32_t>{7});
  EXPECT_EQ(p.properties.user_properties, (std::vector<UserProperty>{{"k", "v"}}));
  EXPECT_EQ(p.properties.content_type, "text/plain");
  EXPECT_EQ(p.properties.message_expiry_interval, 60u);
  EXPECT_EQ(p.payload, "hi");
  EXPECT_EQ(reencode(p, Version::v5),
            "34 29 00 07 73 70 6f 72 74 2f 78 00 01 1b 02 00 00 00 3c 03 00 0a 74 65 78 74 2f 70 "
            "6c 61 69 6e 0b 07 26 00 01 6b 00 01 76 68 69");
}

TEST(MosquittoV5, PublisherQos2Flow) {
  const char* kConnect = "10 14 00 04 4d 51 54 54 05 02 00 3c 03 21 00 14 00 04 70 75 62 35";
  EXPECT_EQ(decode<Connect>(kConnect, Version::v5).properties.receive_maximum, 20);
  EXPECT_EQ(reencode(decode<Connect>(kConnect, Version::v5), Version::v5), kConnect);

  const Publish& p = decode<Publish>(
      "34 27 00 07 73 70 6f 72 74 2f 78 00 01 19 26 00 01 6b 00 01 76 02 00 00 00 3c 03 00 0a 74 "
      "65 78 74 2f 70 6c 61 69 6e 68 69",
      Version::v5);
  EXPECT_EQ(p.properties.user_properties, (std::vector<UserProperty>{{"k", "v"}}));
  EXPECT_TRUE(p.properties.subscription_identifiers.empty());
  EXPECT_EQ(p.payload, "hi");

  // PUBREC, PUBREL, PUBCOMP: Success in their two-byte form.
  EXPECT_EQ(decode<Pubrec>("50 02 00 01", Version::v5), (Pubrec{.packet_id = 1}));
  EXPECT_EQ(decode<Pubrel>("62 02 00 01", Version::v5), (Pubrel{.packet_id = 1}));
  EXPECT_EQ(decode<Pubcomp>("70 02 00 01", Version::v5), (Pubcomp{.packet_id = 1}));
  EXPECT_EQ(reencode(Pubrel{.packet_id = 1}, Version::v5), "62 02 00 01");
}

// mosquitto_sub -V 5 -i shr5 -t '$share/g/a/+' -U x/y -W 1: subscribe, unsubscribe, time out.
TEST(MosquittoV5, SharedSubscriptionUnsubscribeAndDisconnect) {
  const char* kSubscribe = "82 12 00 01 00 00 0c 24 73 68 61 72 65 2f 67 2f 61 2f 2b 00";
  const Subscribe& s = decode<Subscribe>(kSubscribe, Version::v5);
  ASSERT_EQ(s.subscriptions.size(), 1u);
  EXPECT_EQ(s.subscriptions[0].filter, "$share/g/a/+");
  EXPECT_EQ(reencode(s, Version::v5), kSubscribe);
  EXPECT_EQ(decode<Suback>("90 04 00 01 00 00", Version::v5).reason_codes,
            std::vector<ReasonCode>{ReasonCode::success});

  const char* kUnsubscribe = "a2 08 00 02 00 00 03 78 2f 79";
  const Unsubscribe& u = decode<Unsubscribe>(kUnsubscribe, Version::v5);
  EXPECT_EQ(u.packet_id, 2);
  EXPECT_EQ(u.filters, std::vector<std::string_view>{"x/y"});
  EXPECT_EQ(reencode(u, Version::v5), kUnsubscribe);

  const char* kUnsuback = "b0 04 00 02 00 11";
  const Unsuback& ua = decode<Unsuback>(kUnsuback, Version::v5);
  EXPECT_EQ(ua.reason_codes, std::vector<ReasonCode>{ReasonCode::no_subscription_existed});
  EXPECT_EQ(reencode(ua, Version::v5), kUnsuback);

  const char* kDisconnect = "e0 01 04";
  EXPECT_EQ(decode<Disconnect>(kDisconnect, Version::v5).reason_code,
            ReasonCode::disconnect_with_will_message);
  EXPECT_EQ(reencode(decode<Disconnect>(kDisconnect, Version::v5), Version::v5), kDisconnect);
}

// 3.1.1 §3.1.2.10 and 5.0 §3.1.2.12: the variable header examples (flags 0xCE, keep alive 10;
// 5.0 with Session Expiry Interval 10).
TEST(SpecExamples, ConnectVariableHeader) {
  Connect c;
  c.clean_start = true;
  c.keep_alive = 10;
  c.client_id = "c";
  c.will.emplace().qos = 1;
  c.will->topic = "w";
  c.username = "u";
  c.password = "p";
  c.version = Version::v311;
  std::string out;
  ASSERT_TRUE(encode(c, out).has_value());
  EXPECT_EQ(to_hex(std::string_view(out).substr(2, 10)), "00 04 4d 51 54 54 04 ce 00 0a");
  c.version = Version::v5;
  c.properties.session_expiry_interval = 10;
  out.clear();
  ASSERT_TRUE(encode(c, out).has_value());
  EXPECT_EQ(to_hex(std::string_view(out).substr(2, 16)),
            "00 04 4d 51 54 54 05 ce 00 0a 05 11 00 00 00 0a");
  EXPECT_EQ(decode<Connect>(to_hex(out), Version::v311), c);
}

// 3.1.1 §1.5.3 figure 1.3: "A" followed by U+2A6D4 is 00 05 41 F0 AA 9B 94.
TEST(SpecExamples, Utf8StringEncoding) {
  const Publish& p = decode<Publish>("30 07 00 05 41 f0 aa 9b 94", Version::v311);
  EXPECT_EQ(p.topic, "A\xF0\xAA\x9B\x94");
}

}  // namespace
}  // namespace parley::mqtt
