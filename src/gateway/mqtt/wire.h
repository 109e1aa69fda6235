// Internal to the codec: bounds-checked readers and counting writers for MQTT's data types
// (5.0 §1.5: integers, Variable Byte Integer, UTF-8 strings, binary data, string pairs).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/utf8.h"
#include "gateway/mqtt/decoder.h"
#include "gateway/mqtt/wire_format.h"

// Returns from the enclosing function when a read fails: `PARLEY_MQTT_TRY(r.u16(id));`.
#define PARLEY_MQTT_TRY(expr)                                                                 \
  do {                                                                                        \
    if (const ::parley::mqtt::ParseError e_ = (expr); e_ != ::parley::mqtt::ParseError::none) \
      return e_;                                                                              \
  } while (false)

namespace parley::mqtt::wire {

// Ill-formed UTF-8, surrogates and U+0000 are refused (3.1.1 §1.5.3, 5.0 §1.5.4). Control
// characters and non-characters (a SHOULD NOT; the receiver MAY refuse them) are accepted.
inline bool is_mqtt_utf8(std::string_view s) {
  return s.empty() || (std::memchr(s.data(), 0, s.size()) == nullptr && is_valid_utf8(s));
}

// Reads from a fixed span; every read checks the bounds first and a failed read leaves the
// position alone. Each read returns ParseError::none or the reason it failed.
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  std::size_t remaining() const { return bytes_.size() - pos_; }
  bool empty() const { return pos_ == bytes_.size(); }
  std::string_view rest() const { return bytes_.substr(pos_); }
  void skip_all() { pos_ = bytes_.size(); }

  ParseError u8(std::uint8_t& out) {
    if (remaining() < 1) return ParseError::truncated;
    out = byte(pos_++);
    return ParseError::none;
  }
  ParseError u16(std::uint16_t& out) {
    if (remaining() < 2) return ParseError::truncated;
    out = static_cast<std::uint16_t>((byte(pos_) << 8) | byte(pos_ + 1));
    pos_ += 2;
    return ParseError::none;
  }
  ParseError u32(std::uint32_t& out) {
    if (remaining() < 4) return ParseError::truncated;
    out = (std::uint32_t{byte(pos_)} << 24) | (std::uint32_t{byte(pos_ + 1)} << 16) |
          (std::uint32_t{byte(pos_ + 2)} << 8) | std::uint32_t{byte(pos_ + 3)};
    pos_ += 4;
    return ParseError::none;
  }
  // A Variable Byte Integer (5.0 §1.5.5). Non-minimal encodings are accepted, as Mosquitto does.
  ParseError varint(std::uint32_t& out) {
    std::uint32_t value = 0;
    for (std::size_t i = 0; i < kMaxVarintBytes; ++i) {
      if (pos_ + i >= bytes_.size()) return ParseError::truncated;
      const std::uint8_t b = byte(pos_ + i);
      value |= std::uint32_t{b & 0x7Fu} << (7 * i);
      if ((b & 0x80) == 0) {
        pos_ += i + 1;
        out = value;
        return ParseError::none;
      }
    }
    return ParseError::varint_invalid;
  }
  // Two-byte length, then that many bytes (binary data, 5.0 §1.5.6).
  ParseError binary(std::string_view& out) {
    std::uint16_t length = 0;
    if (remaining() < 2) return ParseError::truncated;
    const std::size_t start = pos_;
    (void)u16(length);
    if (remaining() < length) {
      pos_ = start;
      return ParseError::truncated;
    }
    out = bytes_.substr(pos_, length);
    pos_ += length;
    return ParseError::none;
  }
  ParseError utf8(std::string_view& out) {
    const std::size_t start = pos_;
    if (const ParseError e = binary(out); e != ParseError::none) return e;
    if (!is_mqtt_utf8(out)) {
      pos_ = start;
      return ParseError::utf8_invalid;
    }
    return ParseError::none;
  }
  ParseError bytes(std::size_t n, std::string_view& out) {
    if (remaining() < n) return ParseError::truncated;
    out = bytes_.substr(pos_, n);
    pos_ += n;
    return ParseError::none;
  }

 private:
  std::uint8_t byte(std::size_t i) const { return static_cast<std::uint8_t>(bytes_[i]); }
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

// Number of bytes of the Variable Byte Integer for `value` (<= kMaxVarint).
inline std::size_t varint_size(std::uint32_t value) {
  return value < 128 ? 1 : value < 16'384 ? 2 : value < 2'097'152 ? 3 : 4;
}

// Writes into a std::string, or only counts when it has none: the encoder runs the same code once
// to size the packet (and check it) and once to write it after a single reserve(). Anything that
// cannot be encoded (a string over 65,535 bytes, an integer over kMaxVarint) marks it failed.
class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}

  std::size_t count() const { return count_; }
  bool failed() const { return failed_; }
  void fail() { failed_ = true; }

  void u8(std::uint8_t v) {
    if (out_) out_->push_back(static_cast<char>(v));
    ++count_;
  }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  void varint(std::uint32_t v) {
    if (v > kMaxVarint) {
      failed_ = true;
      v = 0;
    }
    do {
      std::uint8_t b = v & 0x7F;
      v >>= 7;
      if (v != 0) b |= 0x80;
      u8(b);
    } while (v != 0);
  }
  void raw(std::string_view s) {
    if (out_) out_->append(s);
    count_ += s.size();
  }
  // Binary data and UTF-8 strings alike: the encoder trusts the caller's text (it does not
  // re-validate UTF-8) but never writes a length it cannot represent.
  void string(std::string_view s) {
    if (s.size() > kMaxStringBytes) {
      failed_ = true;
      s = {};
    }
    u16(static_cast<std::uint16_t>(s.size()));
    raw(s);
  }

 private:
  std::string* out_;
  std::size_t count_ = 0;
  bool failed_ = false;
};

}  // namespace parley::mqtt::wire
