// Encoding every MQTT packet type. Each body is written by one function run twice: once with a
// counting Writer to size and check the packet, once into the output after a single reserve().
#include "gateway/mqtt/encoder.h"

#include "gateway/mqtt/properties.h"
#include "gateway/mqtt/wire.h"

namespace parley::mqtt {
namespace {

using wire::Writer;

constexpr std::uint8_t first_byte(PacketType type, std::uint8_t flags = 0) {
  return static_cast<std::uint8_t>((static_cast<std::uint8_t>(type) << 4) | flags);
}

void write_properties_if(Writer& w, Version v, const Properties& props) {
  if (v == Version::v5) wire::write_properties(w, props);
}

// --- CONNECT and CONNACK -------------------------------------------------------------------

std::uint8_t header_of(const Connect&) { return first_byte(PacketType::connect); }

void write_body(Writer& w, const Connect& p, Version v) {
  w.string(kProtocolName);
  w.u8(static_cast<std::uint8_t>(v));
  std::uint8_t flags = 0;
  if (p.clean_start) flags |= kConnectCleanStart;
  if (p.will) {
    if (p.will->qos > 2) w.fail();
    flags |= kConnectWill | static_cast<std::uint8_t>((p.will->qos & 3) << kConnectWillQosShift);
    if (p.will->retain) flags |= kConnectWillRetain;
  }
  if (p.username) flags |= kConnectUsername;
  if (p.password) flags |= kConnectPassword;
  w.u8(flags);
  w.u16(p.keep_alive);
  write_properties_if(w, v, p.properties);
  w.string(p.client_id);
  if (p.will) {
    write_properties_if(w, v, p.will->properties);
    w.string(p.will->topic);
    w.string(p.will->payload);
  }
  if (p.username) w.string(*p.username);
  if (p.password) w.string(*p.password);
}

std::uint8_t header_of(const Connack&) { return first_byte(PacketType::connack); }

void write_body(Writer& w, const Connack& p, Version v) {
  w.u8(p.session_present ? kConnackSessionPresent : 0);
  if (v == Version::v311) {
    w.u8(static_cast<std::uint8_t>(connect_return_code(p.reason_code)));
    return;
  }
  w.u8(static_cast<std::uint8_t>(p.reason_code));
  wire::write_properties(w, p.properties);
}

// --- PUBLISH and its acknowledgements ------------------------------------------------------

std::uint8_t header_of(const Publish& p) {
  std::uint8_t flags = static_cast<std::uint8_t>((p.qos & 3) << kPublishQosShift);
  if (p.dup) flags |= kPublishDup;
  if (p.retain) flags |= kPublishRetain;
  return first_byte(PacketType::publish, flags);
}

void write_body(Writer& w, const Publish& p, Version v) {
  if (p.qos > 2) w.fail();
  w.string(p.topic);
  if (p.qos > 0) w.u16(p.packet_id);
  write_properties_if(w, v, p.properties);
  w.raw(p.payload);
}

template <PacketType kType>
std::uint8_t header_of(const PublishResponse<kType>&) {
  return first_byte(kType, kType == PacketType::pubrel ? kFlagsReservedOne : 0);
}

// The reason code and properties of 5.0 acks and DISCONNECT/AUTH, shortest form first.
void write_reason_and_properties(Writer& w, ReasonCode code, const Properties& props) {
  const bool no_props = wire::properties_empty(props);
  if (code == ReasonCode::success && no_props) return;
  w.u8(static_cast<std::uint8_t>(code));
  if (!no_props) wire::write_properties(w, props);
}

template <PacketType kType>
void write_body(Writer& w, const PublishResponse<kType>& p, Version v) {
  w.u16(p.packet_id);
  if (v == Version::v5) write_reason_and_properties(w, p.reason_code, p.properties);
}

// --- SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK ----------------------------------------------

std::uint8_t header_of(const Subscribe&) {
  return first_byte(PacketType::subscribe, kFlagsReservedOne);
}

void write_body(Writer& w, const Subscribe& p, Version v) {
  w.u16(p.packet_id);
  write_properties_if(w, v, p.properties);
  for (const Subscription& s : p.subscriptions) {
    w.string(s.filter);
    const auto handling = static_cast<std::uint8_t>(s.retain_handling);
    if (s.qos > 2 || handling > 2) w.fail();
    std::uint8_t options = s.qos & kSubscribeQosMask;
    if (v == Version::v5) {
      if (s.no_local) options |= kSubscribeNoLocal;
      if (s.retain_as_published) options |= kSubscribeRetainAsPublished;
      options |= static_cast<std::uint8_t>((handling & 3) << kSubscribeRetainHandlingShift);
    }
    w.u8(options);
  }
}

std::uint8_t header_of(const Suback&) { return first_byte(PacketType::suback); }

void write_body(Writer& w, const Suback& p, Version v) {
  w.u16(p.packet_id);
  write_properties_if(w, v, p.properties);
  for (const ReasonCode code : p.reason_codes) {
    auto c = static_cast<std::uint8_t>(code);
    if (v == Version::v311 && c >= 0x80) c = 0x80;  // 3.1.1 has one failure code
    w.u8(c);
  }
}

std::uint8_t header_of(const Unsubscribe&) {
  return first_byte(PacketType::unsubscribe, kFlagsReservedOne);
}

void write_body(Writer& w, const Unsubscribe& p, Version v) {
  w.u16(p.packet_id);
  write_properties_if(w, v, p.properties);
  for (const std::string_view filter : p.filters) w.string(filter);
}

std::uint8_t header_of(const Unsuback&) { return first_byte(PacketType::unsuback); }

void write_body(Writer& w, const Unsuback& p, Version v) {
  w.u16(p.packet_id);
  if (v == Version::v311) return;
  wire::write_properties(w, p.properties);
  for (const ReasonCode code : p.reason_codes) w.u8(static_cast<std::uint8_t>(code));
}

// --- PINGREQ, PINGRESP, DISCONNECT, AUTH ---------------------------------------------------

std::uint8_t header_of(const Pingreq&) { return first_byte(PacketType::pingreq); }
void write_body(Writer&, const Pingreq&, Version) {}

std::uint8_t header_of(const Pingresp&) { return first_byte(PacketType::pingresp); }
void write_body(Writer&, const Pingresp&, Version) {}

std::uint8_t header_of(const Disconnect&) { return first_byte(PacketType::disconnect); }

void write_body(Writer& w, const Disconnect& p, Version v) {
  if (v == Version::v5) write_reason_and_properties(w, p.reason_code, p.properties);
}

std::uint8_t header_of(const Auth&) { return first_byte(PacketType::auth); }

void write_body(Writer& w, const Auth& p, Version v) {
  if (v == Version::v311) w.fail();  // no AUTH before 5.0
  write_reason_and_properties(w, p.reason_code, p.properties);
}

// --- the two passes ------------------------------------------------------------------------

template <class P>
Result<std::size_t> body_size(const P& p, Version v) {
  Writer counter(nullptr);
  write_body(counter, p, v);
  if (counter.failed()) {
    return fail(Errc::invalid_argument, "mqtt: a field does not fit its wire encoding");
  }
  if (counter.count() > kMaxVarint) {
    return fail(Errc::message_too_large, "mqtt: packet over the protocol's maximum size");
  }
  return counter.count();
}

template <class P>
Result<void> encode_packet(const P& p, Version v, std::string& out) {
  const Result<std::size_t> body = body_size(p, v);
  if (!body) return std::unexpected(body.error());
  out.reserve(out.size() + 1 + wire::varint_size(static_cast<std::uint32_t>(*body)) + *body);
  Writer w(&out);
  w.u8(header_of(p));
  w.varint(static_cast<std::uint32_t>(*body));
  write_body(w, p, v);
  return {};
}

}  // namespace

Result<void> encode(const Packet& packet, Version version, std::string& out) {
  return std::visit(
      [&](const auto& p) -> Result<void> {
        if constexpr (std::is_same_v<std::decay_t<decltype(p)>, Connect>) {
          return encode_packet(p, p.version, out);
        } else {
          return encode_packet(p, version, out);
        }
      },
      packet);
}

Result<void> encode(const Connect& p, std::string& out) { return encode_packet(p, p.version, out); }
Result<void> encode(const Connack& p, Version v, std::string& out) {
  return encode_packet(p, v, out);
}
Result<void> encode(const Publish& p, Version v, std::string& out) {
  return encode_packet(p, v, out);
}
Result<void> encode(const Puback& p, Version v, std::string& out) {
  return encode_packet(p, v, out);
}
Result<void> encode(const Pubrec& p, Version v, std::string& out) {
  return encode_packet(p, v, out);
}
Result<void> encode(const Pubrel& p, Version v, std::string& out) {
  return encode_packet(p, v, out);
}
Result<void> encode(const Pubcomp& p, Version v, std::string& out) {
  return encode_packet(p, v, out);
}
Result<void> encode(const Subscribe& p, Version v, std::string& out) {
  return encode_packet(p, v, out);
}
Result<void> encode(const Suback& p, Version v, std::string& out) {
  return encode_packet(p, v, out);
}
Result<void> encode(const Unsubscribe& p, Version v, std::string& out) {
  return encode_packet(p, v, out);
}
Result<void> encode(const Unsuback& p, Version v, std::string& out) {
  return encode_packet(p, v, out);
}
Result<void> encode(const Pingreq& p, Version v, std::string& out) {
  return encode_packet(p, v, out);
}
Result<void> encode(const Pingresp& p, Version v, std::string& out) {
  return encode_packet(p, v, out);
}
Result<void> encode(const Disconnect& p, Version v, std::string& out) {
  return encode_packet(p, v, out);
}
Result<void> encode(const Auth& p, Version v, std::string& out) { return encode_packet(p, v, out); }

Result<std::size_t> encoded_size(const Packet& packet, Version version) {
  return std::visit(
      [&](const auto& p) -> Result<std::size_t> {
        Version v = version;
        if constexpr (std::is_same_v<std::decay_t<decltype(p)>, Connect>) v = p.version;
        const Result<std::size_t> body = body_size(p, v);
        if (!body) return body;
        return 1 + wire::varint_size(static_cast<std::uint32_t>(*body)) + *body;
      },
      packet);
}

}  // namespace parley::mqtt
