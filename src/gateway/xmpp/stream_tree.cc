// The stream parser's expat callbacks: the stream header, DOM building with its bounds, and
// where each event ends.
#include <utility>

#include "gateway/xmpp/stream_parser.h"
#include "gateway/xmpp/stream_parser_internal.h"

namespace parley::xmpp {

using detail::all_space;
using detail::QName;
using detail::split_name;

void StreamParser::on_start(const char* name, const char** atts) {
  const QName q = split_name(name);
  if (options_.framing == StreamFraming::tcp && state_ == State::before_header) {
    on_stream_header(q.uri, q.local, q.prefix, atts);
    return;
  }
  if (options_.framing == StreamFraming::tcp && state_ != State::in_stream) {
    fail_with(StreamCondition::bad_format, "data after the stream end");
    return;
  }
  if (stack_.empty() && options_.framing == StreamFraming::websocket) {
    if (q.uri == kNsFraming && (q.local == "open" || q.local == "close")) {
      const bool open = q.local == "open";
      if (open != (state_ == State::before_header)) {
        fail_with(StreamCondition::bad_format,
                  open ? "<open/> without a stream restart" : "<close/> before <open/>");
        return;
      }
      root_kind_ = open ? RootKind::open : RootKind::close;
    } else if (state_ != State::in_stream) {
      fail_with(StreamCondition::bad_format, "the first message must be <open/> (RFC 7395)");
      return;
    } else if (q.uri.empty()) {
      fail_with(StreamCondition::invalid_namespace,
                "a WebSocket message must declare its namespace (RFC 7395 §3.3.3)");
      return;
    }
  }
  open_element(q.uri, q.local, q.prefix, atts);
}

void StreamParser::on_stream_header(std::string_view uri, std::string_view local,
                                    std::string_view prefix, const char** atts) {
  if (uri != kNsStream) {
    return fail_with(StreamCondition::invalid_namespace,
                     "the stream element must be in " + std::string(kNsStream));
  }
  if (local != "stream") {
    return fail_with(StreamCondition::bad_format, "the stream must open with <stream:stream>");
  }
  if (prefix != "stream") {
    return fail_with(StreamCondition::bad_namespace_prefix,
                     "the stream element must use the prefix 'stream'");
  }
  if (replaying_) {  // rebuild(): the header was checked and reported the first time
    state_ = State::in_stream;
    return;
  }
  if (root_default_ns_.value_or("") != options_.content_ns) {
    return fail_with(StreamCondition::invalid_namespace,
                     "the content namespace must be " + options_.content_ns);
  }
  StreamHeader header;
  header.content_ns = *root_default_ns_;
  std::size_t count = 0;
  for (const char** a = atts; *a != nullptr; a += 2) {
    if (++count > options_.limits.max_attributes) {
      return fail_with(StreamCondition::policy_violation, "too many attributes");
    }
    const QName q = split_name(a[0]);
    std::string* field = nullptr;
    if (q.uri.empty()) {
      if (q.local == "to") field = &header.to;
      if (q.local == "from") field = &header.from;
      if (q.local == "id") field = &header.id;
      if (q.local == "version") field = &header.version;
    } else if (q.uri == kNsXml && q.local == "lang") {
      field = &header.lang;
    }
    if (field != nullptr) *field = a[1];
  }
  ready_ = std::move(header);
  state_ = State::in_stream;
  event_end_ = boundary_ = token_end();
  request_suspend();
}

bool StreamParser::open_element(std::string_view uri, std::string_view local,
                                std::string_view prefix, const char** atts) {
  const StreamLimits& limits = options_.limits;
  if (stack_.size() >= limits.max_depth) {
    fail_with(StreamCondition::policy_violation,
              "elements nested deeper than " + std::to_string(limits.max_depth));
    return false;
  }
  if (++elements_ > limits.max_elements) {
    fail_with(StreamCondition::policy_violation,
              "more than " + std::to_string(limits.max_elements) + " elements in one stanza");
    return false;
  }
  if (!stack_.empty() && stack_.back().children.size() >= limits.max_children) {
    fail_with(StreamCondition::policy_violation,
              "more than " + std::to_string(limits.max_children) + " children in one element");
    return false;
  }
  Element e;
  e.name = std::string(local);
  e.ns = std::string(uri);
  e.prefix = std::string(prefix);
  for (const char** a = atts; *a != nullptr; a += 2) {
    if (e.attributes.size() >= limits.max_attributes) {
      fail_with(StreamCondition::policy_violation,
                "more than " + std::to_string(limits.max_attributes) + " attributes");
      return false;
    }
    const QName q = split_name(a[0]);
    e.attributes.push_back(
        Attribute{std::string(q.local), std::string(q.uri), std::string(q.prefix), a[1]});
  }
  stack_.push_back(std::move(e));
  text_bytes_.push_back(0);
  return true;
}

void StreamParser::on_end() {
  if (stack_.empty()) {  // </stream:stream>
    state_ = State::ended;
    if (suspend_requested_) {
      end_queued_ = true;  // <stream:stream/>: the header event is still to be taken
      return;
    }
    ready_ = StreamEnd{};
    event_end_ = boundary_ = token_end();
    request_suspend();
    return;
  }
  Element done = std::move(stack_.back());
  stack_.pop_back();
  text_bytes_.pop_back();
  if (!stack_.empty()) {
    stack_.back().children.push_back(std::move(done));
    return;
  }
  elements_ = 0;
  if (options_.framing == StreamFraming::websocket && root_kind_ != RootKind::stanza) {
    if (!done.children.empty() || !all_space(done.text)) {
      return fail_with(StreamCondition::bad_format, "<open/> and <close/> must be empty");
    }
    if (root_kind_ == RootKind::close) {
      state_ = State::ended;
      ready_ = StreamEnd{};
      return;
    }
    StreamHeader header;
    header.websocket = true;
    for (Attribute& a : done.attributes) {
      if (a.ns.empty() && a.name == "to") header.to = std::move(a.value);
      if (a.ns.empty() && a.name == "from") header.from = std::move(a.value);
      if (a.ns.empty() && a.name == "id") header.id = std::move(a.value);
      if (a.ns.empty() && a.name == "version") header.version = std::move(a.value);
      if (a.ns == kNsXml && a.name == "lang") header.lang = std::move(a.value);
    }
    state_ = State::in_stream;
    ready_ = std::move(header);
    return;
  }
  ready_ = std::move(done);
  event_end_ = boundary_ = token_end();
  request_suspend();
}

void StreamParser::on_text(const char* data, int len) {
  const std::string_view s(data, static_cast<std::size_t>(len));
  if (stack_.empty()) {
    // Between stanzas only whitespace (keepalives, RFC 6120 §4.6.1) may appear; it does not
    // count against the next stanza's size.
    if (!all_space(s)) return fail_with(StreamCondition::bad_format, "text between stanzas");
    boundary_ = token_end();
    return;
  }
  std::size_t& bytes = text_bytes_.back();
  bytes += s.size();
  if (bytes > options_.limits.max_text_bytes) {
    return fail_with(StreamCondition::policy_violation,
                     "more than " + std::to_string(options_.limits.max_text_bytes) +
                         " bytes of text in one element");
  }
  Element& e = stack_.back();
  (e.children.empty() ? e.text : e.children.back().tail).append(s);
}

}  // namespace parley::xmpp
