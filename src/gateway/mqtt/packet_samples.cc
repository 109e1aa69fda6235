// Sample packets of every type, with every field and property their version allows.
#include "gateway/mqtt/packet_samples.h"

namespace parley::mqtt::testing {
namespace {

std::vector<UserProperty> user_properties() {
  return {{"region", "eu"}, {"region", "us"}, {"", ""}, {"k\xC3\xA9y", "v\xF0\x9F\x91\x8D"}};
}

Properties will_properties() {
  Properties p;
  p.payload_format_indicator = PayloadFormat::utf8;
  p.message_expiry_interval = 3600;
  p.content_type = "text/plain";
  p.response_topic = "replies/alice";
  p.correlation_data = std::string_view("\x00\x01\xFF", 3);
  p.will_delay_interval = 30;
  p.user_properties = user_properties();
  return p;
}

Connect connect(Version v) {
  Connect c;
  c.version = v;
  c.clean_start = false;
  c.keep_alive = 30;
  c.client_id = "device-1";
  Will& will = c.will.emplace();
  will.qos = 1;
  will.retain = true;
  will.topic = "status/device-1";
  will.payload = std::string_view("off\x00line", 8);
  c.username = "alice";
  c.password = std::string_view("pa\x00ss", 5);
  if (v == Version::v5) {
    will.properties = will_properties();
    Properties& p = c.properties;
    p.session_expiry_interval = 0xFFFFFFFF;
    p.authentication_method = "SCRAM-SHA-256";
    p.authentication_data = "client-first";
    p.request_problem_information = false;
    p.request_response_information = true;
    p.receive_maximum = 20;
    p.topic_alias_maximum = 10;
    p.user_properties = user_properties();
    p.maximum_packet_size = 1 << 20;
  }
  return c;
}

Connack connack(Version v) {
  Connack c;
  c.session_present = true;
  if (v == Version::v5) {
    Properties& p = c.properties;
    p.session_expiry_interval = 120;
    p.assigned_client_identifier = "auto-7f3a";
    p.server_keep_alive = 45;
    p.authentication_method = "SCRAM-SHA-256";
    p.authentication_data = "server-final";
    p.response_information = "reply/";
    p.server_reference = "other.example:1883";
    p.reason_string = "welcome";
    p.receive_maximum = 100;
    p.topic_alias_maximum = 16;
    p.maximum_qos = 1;
    p.retain_available = true;
    p.user_properties = user_properties();
    p.maximum_packet_size = 262144;
    p.wildcard_subscription_available = true;
    p.subscription_identifier_available = false;
    p.shared_subscription_available = true;
  }
  return c;
}

Publish publish(Version v) {
  Publish p;
  p.qos = 2;
  p.dup = true;
  p.retain = true;
  p.topic = "chat/room/1";
  p.packet_id = 65535;
  p.payload = std::string_view("hello\x00\xFF", 7);
  if (v == Version::v5) {
    Properties& q = p.properties;
    q.payload_format_indicator = PayloadFormat::unspecified;
    q.message_expiry_interval = 60;
    q.content_type = "application/json";
    q.response_topic = "replies/bob";
    q.correlation_data = "req-42";
    q.subscription_identifiers = {1, 127, 128, 268435455};
    q.topic_alias = 3;
    q.user_properties = user_properties();
  }
  return p;
}

template <class Ack>
Ack ack(Version v, ReasonCode code) {
  Ack a;
  a.packet_id = 7;
  if (v == Version::v5) {
    a.reason_code = code;
    a.properties.reason_string = "because";
    a.properties.user_properties = user_properties();
  }
  return a;
}

Subscribe subscribe(Version v) {
  Subscribe s;
  s.packet_id = 11;
  s.subscriptions.push_back({"sport/tennis/+", 0});
  s.subscriptions.push_back({"sport/#", 1});
  s.subscriptions.push_back({"#", 2});
  if (v == Version::v5) {
    s.subscriptions.push_back(
        {"$share/group/sensors/+/temp", 1, false, true, RetainHandling::do_not_send});
    s.subscriptions.push_back({"a/b", 2, true, false, RetainHandling::send_if_new});
    s.properties.subscription_identifiers = {42};
    s.properties.user_properties = user_properties();
  }
  return s;
}

Suback suback(Version v) {
  Suback s;
  s.packet_id = 11;
  s.reason_codes = {ReasonCode::success, ReasonCode::granted_qos_1, ReasonCode::granted_qos_2,
                    ReasonCode::unspecified_error};
  if (v == Version::v5) {
    s.reason_codes.push_back(ReasonCode::not_authorized);
    s.reason_codes.push_back(ReasonCode::shared_subscriptions_not_supported);
    s.properties.reason_string = "partly";
    s.properties.user_properties = user_properties();
  }
  return s;
}

Unsubscribe unsubscribe(Version v) {
  Unsubscribe u;
  u.packet_id = 12;
  u.filters = {"sport/tennis/+", "#"};
  if (v == Version::v5) {
    u.filters.push_back("$share/group/sensors/+/temp");
    u.properties.user_properties = user_properties();
  }
  return u;
}

Unsuback unsuback(Version v) {
  Unsuback u;
  u.packet_id = 12;
  if (v == Version::v5) {
    u.reason_codes = {ReasonCode::success, ReasonCode::no_subscription_existed,
                      ReasonCode::not_authorized};
    u.properties.reason_string = "done";
    u.properties.user_properties = user_properties();
  }
  return u;
}

}  // namespace

std::vector<Packet> sample_packets(Version v) {
  const bool v5 = v == Version::v5;
  std::vector<Packet> out;
  out.push_back(connect(v));
  Connect bare_connect;
  bare_connect.version = v;
  out.push_back(bare_connect);  // empty client id, clean start, no will, no credentials
  out.push_back(connack(v));
  Connack refused;
  refused.reason_code = v5 ? ReasonCode::bad_authentication_method : ReasonCode::not_authorized;
  out.push_back(refused);
  out.push_back(publish(v));
  Publish qos0;
  qos0.topic = "t";
  out.push_back(qos0);  // QoS 0, no packet id, empty payload
  if (v5) {
    Publish aliased;
    aliased.qos = 1;
    aliased.packet_id = 1;
    aliased.properties.topic_alias = 3;  // empty topic: the alias stands for it
    aliased.payload = "x";
    out.push_back(aliased);
  }
  out.push_back(ack<Puback>(v, ReasonCode::no_matching_subscribers));
  out.push_back(ack<Pubrec>(v, ReasonCode::quota_exceeded));
  out.push_back(ack<Pubrel>(v, ReasonCode::packet_identifier_not_found));
  out.push_back(ack<Pubcomp>(v, ReasonCode::success));
  out.push_back(Puback{.packet_id = 1});
  if (v5) out.push_back(Pubrec{.packet_id = 2, .reason_code = ReasonCode::unspecified_error});
  out.push_back(subscribe(v));
  out.push_back(suback(v));
  out.push_back(unsubscribe(v));
  out.push_back(unsuback(v));
  out.push_back(Pingreq{});
  out.push_back(Pingresp{});
  out.push_back(Disconnect{});
  if (v5) {
    Disconnect d;
    d.reason_code = ReasonCode::server_moved;
    d.properties.session_expiry_interval = 0;
    d.properties.server_reference = "other.example";
    d.properties.reason_string = "moving";
    d.properties.user_properties = user_properties();
    out.push_back(d);
    out.push_back(Disconnect{.reason_code = ReasonCode::disconnect_with_will_message});
    Auth a;
    a.reason_code = ReasonCode::continue_authentication;
    a.properties.authentication_method = "SCRAM-SHA-256";
    a.properties.authentication_data = std::string_view("\x01\x00\x02", 3);
    a.properties.reason_string = "step 2";
    a.properties.user_properties = user_properties();
    out.push_back(a);
    out.push_back(Auth{});
  }
  return out;
}

}  // namespace parley::mqtt::testing
