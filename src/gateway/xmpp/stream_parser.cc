// The XMPP stream parser over expat: configuration that refuses restricted XML, feeding with
// byte-exact stopping at each event, WebSocket messages, restarts. Callbacks: stream_tree.cc.
#include "gateway/xmpp/stream_parser.h"

// Debian's libexpat is built with DTD support (XML_DTD); the header declares the billion-laughs
// controls only under that macro. Linking fails should a build ever lack them.
#ifndef XML_DTD
#define XML_DTD
#endif
#include <expat.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "gateway/xmpp/stream_parser_internal.h"
#include "gateway/xmpp/xml_writer.h"

namespace parley::xmpp {

using detail::all_space;
using detail::kSep;

namespace {

StreamFault map_expat_error(XML_Error code) {
  std::string text = XML_ErrorString(code);
  switch (code) {
    case XML_ERROR_UNDEFINED_ENTITY:
    case XML_ERROR_RECURSIVE_ENTITY_REF:
    case XML_ERROR_ASYNC_ENTITY:
    case XML_ERROR_BINARY_ENTITY_REF:
    case XML_ERROR_ATTRIBUTE_EXTERNAL_ENTITY_REF:
    case XML_ERROR_EXTERNAL_ENTITY_HANDLING:
    case XML_ERROR_NOT_STANDALONE:
    case XML_ERROR_ENTITY_DECLARED_IN_PE:
    case XML_ERROR_PARAM_ENTITY_REF:
    case XML_ERROR_AMPLIFICATION_LIMIT_BREACH:
      return {StreamCondition::restricted_xml, std::move(text)};
    case XML_ERROR_UNBOUND_PREFIX:
      return {StreamCondition::bad_namespace_prefix, std::move(text)};
    case XML_ERROR_INCORRECT_ENCODING:
    case XML_ERROR_UNKNOWN_ENCODING:
      return {StreamCondition::unsupported_encoding, std::move(text)};
    case XML_ERROR_NO_MEMORY:
      return {StreamCondition::resource_constraint, std::move(text)};
    default:
      return {StreamCondition::not_well_formed, std::move(text)};
  }
}

}  // namespace

// expat calls these with the StreamParser as user data; each one ignores input once a fault is
// set, because expat may still finish the current token after XML_StopParser.
struct StreamParser::Handlers {
  static StreamParser& self(void* p) { return *static_cast<StreamParser*>(p); }

  static void start(void* p, const XML_Char* name, const XML_Char** atts) {
    if (!self(p).has_fault_) self(p).on_start(name, atts);
  }
  static void end(void* p, const XML_Char*) {
    if (!self(p).has_fault_) self(p).on_end();
  }
  static void text(void* p, const XML_Char* s, int len) {
    if (!self(p).has_fault_) self(p).on_text(s, len);
  }
  static void ns_decl(void* p, const XML_Char* prefix, const XML_Char* uri) {
    StreamParser& parser = self(p);
    // Only the root's declarations matter: they fix the content namespace (RFC 6120 §4.8.2),
    // and release_memory() replays them.
    if (!parser.stack_.empty() || parser.state_ != State::before_header || parser.replaying_) {
      return;
    }
    if (prefix == nullptr) parser.root_default_ns_ = uri ? uri : "";
    std::string& out = parser.root_declarations_;
    out += prefix ? " xmlns:" : " xmlns";
    if (prefix) out += prefix;
    out += "='";
    append_escaped(out, uri ? uri : "", true);
    out += '\'';
  }
  static void xml_decl(void* p, const XML_Char*, const XML_Char* encoding, int) {
    if (encoding == nullptr) return;
    std::string e = encoding;
    std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::toupper(c); });
    if (e != "UTF-8") {
      self(p).fail_with(StreamCondition::unsupported_encoding,
                        "only UTF-8 is allowed (RFC 6120 §11.6), not " + std::string(encoding));
    }
  }
  static void doctype(void* p, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    self(p).fail_with(StreamCondition::restricted_xml, "a DOCTYPE is not allowed (RFC 6120 §11.1)");
  }
  static void entity_decl(void* p, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                          const XML_Char*, const XML_Char*, const XML_Char*) {
    self(p).fail_with(StreamCondition::restricted_xml, "entity declarations are not allowed");
  }
  static void comment(void* p, const XML_Char*) {
    self(p).fail_with(StreamCondition::restricted_xml, "comments are not allowed (RFC 6120 §11.1)");
  }
  static void processing_instruction(void* p, const XML_Char*, const XML_Char*) {
    self(p).fail_with(StreamCondition::restricted_xml,
                      "processing instructions are not allowed (RFC 6120 §11.1)");
  }
  static void skipped_entity(void* p, const XML_Char*, int) {
    self(p).fail_with(StreamCondition::restricted_xml, "entity references are not allowed");
  }
  static int external_entity(XML_Parser, const XML_Char*, const XML_Char*, const XML_Char*,
                             const XML_Char*) {
    return XML_STATUS_ERROR;  // never load anything; expat then fails the parse
  }
};

StreamParser::StreamParser() : StreamParser(Options{}) {}

StreamParser::StreamParser(Options options) : options_(std::move(options)) {
  parser_ = XML_ParserCreateNS("UTF-8", kSep);
  configure();
}

StreamParser::~StreamParser() { XML_ParserFree(parser_); }

void StreamParser::configure() {
  if (parser_ == nullptr) {
    fail_with(StreamCondition::resource_constraint, "cannot allocate an XML parser");
    return;
  }
  XML_SetUserData(parser_, this);
  XML_SetReturnNSTriplet(parser_, 1);  // keep prefixes (stream:features) for re-serialising
  XML_SetElementHandler(parser_, &Handlers::start, &Handlers::end);
  XML_SetCharacterDataHandler(parser_, &Handlers::text);
  XML_SetStartNamespaceDeclHandler(parser_, &Handlers::ns_decl);
  XML_SetXmlDeclHandler(parser_, &Handlers::xml_decl);
  XML_SetStartDoctypeDeclHandler(parser_, &Handlers::doctype);
  XML_SetEntityDeclHandler(parser_, &Handlers::entity_decl);
  XML_SetCommentHandler(parser_, &Handlers::comment);
  XML_SetProcessingInstructionHandler(parser_, &Handlers::processing_instruction);
  XML_SetSkippedEntityHandler(parser_, &Handlers::skipped_entity);
  XML_SetExternalEntityRefHandler(parser_, &Handlers::external_entity);
  XML_SetParamEntityParsing(parser_, XML_PARAM_ENTITY_PARSING_NEVER);
  // A DOCTYPE already ends the stream, so no entity can be declared; this caps expansion anyway
  // should a later change let one through (billion laughs).
  XML_SetBillionLaughsAttackProtectionMaximumAmplification(parser_, 2.0f);
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 6)
  // expat 2.6 may defer a small trailing token until more input arrives; a stanza must be
  // delivered as soon as its last byte is here.
  XML_SetReparseDeferralEnabled(parser_, XML_FALSE);
#endif
}

void StreamParser::reset_state() {
  state_ = State::before_header;
  root_kind_ = RootKind::stanza;
  stack_.clear();
  text_bytes_.clear();
  elements_ = 0;
  root_default_ns_.reset();
  root_declarations_.clear();
  replaying_ = false;
  ready_.reset();
  end_queued_ = suspend_requested_ = suspended_ = has_fault_ = false;
  fault_ = {};
  fed_ = boundary_ = event_end_ = pending_ = 0;
  utf8_need_ = 0;
  utf8_lo_ = 0x80, utf8_hi_ = 0xBF;
}

void StreamParser::restart() {
  if (parser_ != nullptr) {
    XML_ParserReset(parser_, "UTF-8");
  } else {
    parser_ = XML_ParserCreateNS("UTF-8", kSep);
  }
  released_ = false;
  reset_state();
  configure();
}

bool StreamParser::release_memory() {
  if (options_.framing != StreamFraming::tcp || state_ != State::in_stream || released_ ||
      parser_ == nullptr || has_fault_ || end_queued_ || fed_ != boundary_ || !stack_.empty()) {
    return false;
  }
  XML_ParserFree(parser_);
  parser_ = nullptr;
  released_ = true;
  suspended_ = false;
  std::vector<Element>().swap(stack_);
  std::vector<std::size_t>().swap(text_bytes_);
  return true;
}

bool StreamParser::rebuild() {
  parser_ = XML_ParserCreateNS("UTF-8", kSep);
  released_ = false;
  configure();
  if (has_fault_) return false;
  const std::string header = "<stream:stream" + root_declarations_ + ">";
  state_ = State::before_header;
  fed_ = 0;
  replaying_ = true;
  XML_Parse(parser_, header.data(), static_cast<int>(header.size()), XML_FALSE);
  replaying_ = false;
  fed_ = boundary_ = header.size();
  pending_ = 0;
  if (has_fault_ || state_ != State::in_stream) {
    fail_with(StreamCondition::internal_server_error, "could not rebuild the parser");
    return false;
  }
  return true;
}

void StreamParser::fail_with(StreamCondition condition, std::string text) {
  if (has_fault_) return;
  has_fault_ = true;
  fault_ = StreamFault{condition, std::move(text)};
  if (parser_ != nullptr) XML_StopParser(parser_, XML_FALSE);
}

void StreamParser::request_suspend() {
  if (suspend_requested_ || options_.framing != StreamFraming::tcp) return;
  suspend_requested_ = true;
  XML_StopParser(parser_, XML_TRUE);
}

std::uint64_t StreamParser::token_end() const {
  return static_cast<std::uint64_t>(XML_GetCurrentByteIndex(parser_)) +
         static_cast<std::uint64_t>(XML_GetCurrentByteCount(parser_));
}

ParseStep StreamParser::error_step() const {
  ParseStep step;
  step.status = ParseStatus::error;
  step.fault = fault_;
  return step;
}

ParseStep StreamParser::take_event(std::size_t consumed) {
  ParseStep step;
  step.status = ParseStatus::event;
  step.consumed = consumed;
  step.event = std::move(*ready_);
  ready_.reset();
  return step;
}

std::optional<ParseStep> StreamParser::after_parse(int status, std::uint64_t call_start) {
  if (!has_fault_ && status == XML_STATUS_ERROR) {
    fail_with(StreamCondition::not_well_formed, {});
    fault_ = map_expat_error(XML_GetErrorCode(parser_));
  }
  if (has_fault_) {
    state_ = State::failed;
    return error_step();
  }
  if (status == XML_STATUS_SUSPENDED) {
    suspend_requested_ = false;
    suspended_ = true;
    pending_ = fed_ - event_end_;
    return take_event(static_cast<std::size_t>(event_end_ - call_start));
  }
  return std::nullopt;
}

ParseStep StreamParser::feed(std::string_view data) {
  if (options_.framing != StreamFraming::tcp) {
    fail_with(StreamCondition::internal_server_error, "feed() on a WebSocket-framed parser");
  }
  if (has_fault_) {
    state_ = State::failed;
    return error_step();
  }
  if (end_queued_) {
    end_queued_ = false;
    ready_ = StreamEnd{};
    return take_event(0);
  }
  if (released_ && !data.empty() && !rebuild()) {
    state_ = State::failed;
    return error_step();
  }
  if (data.size() < pending_) {
    fail_with(StreamCondition::internal_server_error, "unconsumed bytes were not fed again");
    state_ = State::failed;
    return error_step();
  }
  const std::uint64_t call_start = fed_ - pending_;
  std::size_t offset = static_cast<std::size_t>(pending_);
  if (suspended_) {
    suspended_ = false;
    pending_ = 0;
    if (auto step = after_parse(XML_ResumeParser(parser_), call_start)) return *std::move(step);
  }
  const std::size_t max = options_.limits.max_stanza_bytes;
  while (offset < data.size()) {
    const std::uint64_t used = fed_ - boundary_;
    if (used >= max) {
      fail_with(StreamCondition::policy_violation,
                "stanza exceeds " + std::to_string(max) + " bytes");
      state_ = State::failed;
      return error_step();
    }
    std::string_view slice =
        data.substr(offset, std::min<std::uint64_t>(data.size() - offset, max - used));
    // Validate UTF-8 ahead of expat to answer unsupported-encoding (RFC 6120 §11.6), and feed
    // only the valid prefix: an event that ends before the bad byte is still delivered.
    const std::size_t valid = scan_utf8(slice);
    const bool bad_utf8 = valid < slice.size();
    if (valid > 0) {
      const int status = XML_Parse(parser_, slice.data(), static_cast<int>(valid), XML_FALSE);
      fed_ += valid;
      offset += valid;
      if (auto step = after_parse(status, call_start)) return *std::move(step);
    }
    if (bad_utf8) {
      fail_with(StreamCondition::unsupported_encoding, "invalid UTF-8");
      state_ = State::failed;
      return error_step();
    }
  }
  ParseStep step;
  step.consumed = data.size();
  return step;
}

ParseStep StreamParser::feed_message(std::string_view message) {
  if (options_.framing != StreamFraming::websocket) {
    fail_with(StreamCondition::internal_server_error, "feed_message() on a TCP-framed parser");
  }
  if (has_fault_) {
    state_ = State::failed;
    return error_step();
  }
  auto refuse = [this](StreamCondition condition, std::string text) {
    fail_with(condition, std::move(text));
    state_ = State::failed;
    return error_step();
  };
  if (message.size() > options_.limits.max_stanza_bytes) {
    return refuse(StreamCondition::policy_violation,
                  "message exceeds " + std::to_string(options_.limits.max_stanza_bytes) + " bytes");
  }
  if (all_space(message)) {
    ParseStep step;
    step.consumed = message.size();
    return step;
  }
  if (state_ == State::ended) {
    return refuse(StreamCondition::bad_format, "a message after <close/>");
  }
  utf8_need_ = 0;
  if (scan_utf8(message) != message.size() || utf8_need_ != 0) {
    return refuse(StreamCondition::unsupported_encoding, "invalid UTF-8");
  }
  // Each message is its own document (RFC 7395 §3.3.3); the stream state survives the reset.
  XML_ParserReset(parser_, "UTF-8");
  configure();
  stack_.clear();
  text_bytes_.clear();
  elements_ = 0;
  ready_.reset();
  root_kind_ = RootKind::stanza;
  const int status = XML_Parse(parser_, message.data(), static_cast<int>(message.size()), XML_TRUE);
  if (!has_fault_ && status == XML_STATUS_ERROR) {
    StreamFault fault = map_expat_error(XML_GetErrorCode(parser_));
    return refuse(fault.condition, std::move(fault.text));
  }
  if (has_fault_) {
    state_ = State::failed;
    return error_step();
  }
  if (!ready_) return refuse(StreamCondition::not_well_formed, "no complete element");
  return take_event(message.size());
}

std::size_t StreamParser::scan_utf8(std::string_view data) {
  std::size_t i = 0;
  for (; i < data.size(); ++i) {
    const auto b = static_cast<unsigned char>(data[i]);
    if (utf8_need_ == 0) {
      if (b < 0x80) continue;
      if (b >= 0xC2 && b <= 0xDF) {
        utf8_need_ = 1, utf8_lo_ = 0x80, utf8_hi_ = 0xBF;
      } else if (b >= 0xE0 && b <= 0xEF) {  // no overlongs (E0), no surrogates (ED)
        utf8_need_ = 2;
        utf8_lo_ = b == 0xE0 ? 0xA0 : 0x80;
        utf8_hi_ = b == 0xED ? 0x9F : 0xBF;
      } else if (b >= 0xF0 && b <= 0xF4) {  // no overlongs (F0), nothing above U+10FFFF (F4)
        utf8_need_ = 3;
        utf8_lo_ = b == 0xF0 ? 0x90 : 0x80;
        utf8_hi_ = b == 0xF4 ? 0x8F : 0xBF;
      } else {
        break;
      }
    } else {
      if (b < utf8_lo_ || b > utf8_hi_) break;
      --utf8_need_;
      utf8_lo_ = 0x80, utf8_hi_ = 0xBF;
    }
  }
  return i;
}

}  // namespace parley::xmpp
