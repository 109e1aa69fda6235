// Incremental parser of one XMPP stream (RFC 6120 §4) over expat: the stream header, each
// top-level element as a complete tree, and the stream end, refusing the XML that RFC 6120
// §11.1 restricts and bounding every size. Also the RFC 7395 WebSocket framing, where every
// message is one whole element (<open/>, a stanza, <close/>).
//
// Refusals and the stream error each one maps to (docs/xmpp.md has the same table):
//   DOCTYPE / DTD, entity declaration, comment, processing instruction,
//   reference to any entity but the five predefined ones        -> restricted-xml
//   invalid UTF-8, an XML declaration naming another encoding   -> unsupported-encoding
//   root not in http://etherx.jabber.org/streams, content
//   namespace not the configured one (jabber:client), a
//   WebSocket element in no namespace                           -> invalid-namespace
//   stream prefix other than "stream", an undeclared prefix     -> bad-namespace-prefix
//   root not named "stream", text (not whitespace) between
//   stanzas, a WebSocket <open/> with children or out of turn,
//   data after the stream end                                   -> bad-format
//   any limit of StreamLimits exceeded                          -> policy-violation (RFC 6120
//                                                                  §4.9.3.14: "a stanza exceeds
//                                                                  a configured size limit")
//   anything else expat rejects                                 -> not-well-formed
//   expat out of memory                                         -> resource-constraint
// CDATA sections are accepted (RFC 6120 does not restrict them). Unescaped > ' " in input are
// accepted (expat cannot tell); the writer always escapes them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "gateway/xmpp/errors.h"
#include "gateway/xmpp/xml_element.h"

struct XML_ParserStruct;  // expat's parser, kept out of this header

namespace parley::xmpp {

struct StreamLimits {
  std::size_t max_stanza_bytes = 256 * 1024;  // one top-level element (or the header) on the wire
  std::size_t max_depth = 32;                 // nesting; the top-level element is depth 1
  std::size_t max_attributes = 64;            // per element, namespace declarations not counted
  std::size_t max_children = 1024;            // child elements of one element
  std::size_t max_elements = 4096;            // elements in one top-level element, all depths
  std::size_t max_text_bytes = 192 * 1024;    // character data directly inside one element
};

enum class StreamFraming : std::uint8_t {
  tcp,        // RFC 6120: one document, <stream:stream> ... </stream:stream>
  websocket,  // RFC 7395: each message is one complete element
};

struct StreamHeader {
  std::string to, from, id, version, lang;
  std::string content_ns;  // default namespace declared on <stream:stream>; "" for <open/>
  bool websocket = false;  // came as RFC 7395 <open xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>
};

struct StreamEnd {};  // </stream:stream>, or <close/> over WebSocket

using StreamEvent = std::variant<StreamHeader, Element, StreamEnd>;

enum class ParseStatus : std::uint8_t { event, need_more, error };

struct ParseStep {
  ParseStatus status = ParseStatus::need_more;
  std::size_t consumed = 0;  // bytes of the input now owned by the parser
  StreamEvent event;         // when status == event
  StreamFault fault;         // when status == error
};

// One per connection, used on the connection's thread only. An error is sticky: every later
// call returns it again until restart().
class StreamParser {
 public:
  struct Options {
    StreamFraming framing = StreamFraming::tcp;
    StreamLimits limits;
    std::string content_ns = std::string(kNsClient);  // required default namespace (TCP)
  };

  StreamParser();
  explicit StreamParser(Options options);
  ~StreamParser();
  StreamParser(const StreamParser&) = delete;
  StreamParser& operator=(const StreamParser&) = delete;

  // TCP framing. Parses up to and including the next event and stops there, so the caller can
  // act on it (answer <starttls/>, restart after SASL) before any byte after it is interpreted.
  // `data` must begin with the bytes earlier calls did not consume (the session's read buffer
  // after erasing `consumed`); need_more consumes all of `data`.
  ParseStep feed(std::string_view data);

  // WebSocket framing: one whole message. A message of only whitespace is ignored (need_more).
  ParseStep feed_message(std::string_view message);

  // A new stream on the same connection (RFC 6120 §5.3.5 after STARTTLS, §6.4.6 after SASL
  // success; RFC 7395 §3.5): forgets everything, including bytes fed but not consumed, which
  // the caller still holds and feeds again.
  void restart();

  // Between stanzas, frees expat (about 3.5 KB, plus its buffer, which keeps the size of the
  // largest stanza so far); the next feed() rebuilds it from the recorded stream header, at the
  // cost of parsing that header again. False, and nothing freed, while part of a stanza is
  // buffered, before the header, or with WebSocket framing (which holds nothing between
  // messages anyway).
  bool release_memory();

  bool header_seen() const { return state_ == State::in_stream || state_ == State::ended; }
  bool ended() const { return state_ == State::ended; }

 private:
  enum class State : std::uint8_t { before_header, in_stream, ended, failed };
  enum class RootKind : std::uint8_t { stanza, open, close };
  struct Handlers;  // expat callbacks, in the .cc

  void configure();
  bool rebuild();
  void reset_state();
  void fail_with(StreamCondition condition, std::string text);
  void request_suspend();
  std::uint64_t token_end() const;
  std::size_t scan_utf8(std::string_view data);  // length of the valid prefix; updates state
  std::optional<ParseStep> after_parse(int status, std::uint64_t call_start);
  ParseStep error_step() const;
  ParseStep take_event(std::size_t consumed);

  void on_start(const char* name, const char** atts);
  void on_end();
  void on_text(const char* data, int len);
  void on_stream_header(std::string_view uri, std::string_view local, std::string_view prefix,
                        const char** atts);
  bool open_element(std::string_view uri, std::string_view local, std::string_view prefix,
                    const char** atts);

  Options options_;
  XML_ParserStruct* parser_ = nullptr;
  State state_ = State::before_header;
  RootKind root_kind_ = RootKind::stanza;
  std::vector<Element> stack_;           // open elements of the current top-level element
  std::vector<std::size_t> text_bytes_;  // character data so far, per open element
  std::size_t elements_ = 0;             // elements in the current top-level element
  std::optional<std::string> root_default_ns_;
  std::string root_declarations_;  // " xmlns='..' xmlns:stream='..'" as declared on the header
  bool released_ = false;          // release_memory() freed expat
  bool replaying_ = false;         // rebuild() is feeding the recorded header
  std::optional<StreamEvent> ready_;
  bool end_queued_ = false;  // <stream:stream/>: the end arrives in the header's token
  bool suspend_requested_ = false;
  bool suspended_ = false;
  bool has_fault_ = false;
  StreamFault fault_;
  std::uint64_t fed_ = 0;        // bytes given to expat since the last (re)start
  std::uint64_t boundary_ = 0;   // where the current top-level element (or the header) began
  std::uint64_t event_end_ = 0;  // end of the token that completed the ready event
  std::uint64_t pending_ = 0;    // bytes expat holds beyond event_end_ while suspended
  std::uint8_t utf8_need_ = 0;   // incremental UTF-8 check: continuation bytes still due
  std::uint8_t utf8_lo_ = 0x80, utf8_hi_ = 0xBF;  // allowed range of the next one
};

}  // namespace parley::xmpp
