// The server's side of a stream header (RFC 6120 §4.7, RFC 7395 §3.3.1): checking what the
// client opened with, and writing the response header and the closing tag.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gateway/xmpp/errors.h"
#include "gateway/xmpp/stream_parser.h"

namespace parley::xmpp {

// nullopt when a server of `domain` can go on with this header; otherwise the stream error to
// answer with (after sending its own header, RFC 6120 §4.9.1.1):
//   version absent (pre-RFC 3920 client) or with a major number other than 1 -> unsupported-version
//   'to' naming another domain (compared after JID domain normalisation)   -> host-unknown
// An absent 'to' is accepted: the stream is then for `domain`.
std::optional<StreamFault> check_client_header(const StreamHeader& header, std::string_view domain);

struct StreamOpening {
  std::string from;  // our domain
  std::string to;    // the client's JID if known; omitted when empty
  std::string id;    // a fresh unpredictable stream id (RFC 6120 §4.7.3)
  std::string lang = "en";
  bool websocket = false;  // RFC 7395 <open/> instead of <stream:stream>
};

// <?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='...' ... version='1.0'>
// or <open xmlns='urn:ietf:params:xml:ns:xmpp-framing' ... version='1.0'/>.
std::string stream_opening_xml(const StreamOpening& opening);
// </stream:stream> or <close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>.
std::string stream_closing_xml(bool websocket);

}  // namespace parley::xmpp
