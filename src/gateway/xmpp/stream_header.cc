// Checking a client's stream header and writing the server's.
#include "gateway/xmpp/stream_header.h"

#include "gateway/xmpp/jid.h"
#include "gateway/xmpp/xml_writer.h"

namespace parley::xmpp {
namespace {

void append_attr(std::string& out, std::string_view name, std::string_view value) {
  if (value.empty()) return;
  out += ' ';
  out += name;
  out += "='";
  append_escaped(out, value, true);
  out += '\'';
}

}  // namespace

std::optional<StreamFault> check_client_header(const StreamHeader& header,
                                               std::string_view domain) {
  const std::string_view version = header.version;
  const std::size_t dot = version.find('.');
  const std::string_view major = version.substr(0, dot);
  // RFC 6120 §4.7.5: "1.0" and any later 1.x are fine; leading zeros are not allowed.
  if (dot == std::string_view::npos || major != "1" || dot + 1 >= version.size()) {
    return StreamFault{StreamCondition::unsupported_version,
                       "XMPP version 1.x is required (version='1.0')"};
  }
  for (char c : version.substr(dot + 1)) {
    if (c < '0' || c > '9') {
      return StreamFault{StreamCondition::unsupported_version, "bad version attribute"};
    }
  }
  if (!header.to.empty()) {
    auto to = normalize_domainpart(header.to);
    auto ours = normalize_domainpart(domain);
    if (!to || !ours || *to != *ours) {
      return StreamFault{StreamCondition::host_unknown,
                         "this server serves " + std::string(domain)};
    }
  }
  return std::nullopt;
}

std::string stream_opening_xml(const StreamOpening& opening) {
  std::string out;
  if (opening.websocket) {
    out = "<open xmlns='";
    out += kNsFraming;
    out += '\'';
  } else {
    out = "<?xml version='1.0'?><stream:stream xmlns='";
    out += kNsClient;
    out += "' xmlns:stream='";
    out += kNsStream;
    out += '\'';
  }
  append_attr(out, "id", opening.id);
  append_attr(out, "from", opening.from);
  append_attr(out, "to", opening.to);
  out += " version='1.0'";
  append_attr(out, "xml:lang", opening.lang);
  out += opening.websocket ? "/>" : ">";
  return out;
}

std::string stream_closing_xml(bool websocket) {
  if (!websocket) return "</stream:stream>";
  return "<close xmlns='" + std::string(kNsFraming) + "'/>";
}

}  // namespace parley::xmpp
