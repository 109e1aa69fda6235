// Namespaces of the XMPP extensions the c2s session speaks (the codec's own are in
// xml_element.h).
#pragma once

#include <string_view>

namespace parley::xmpp {

inline constexpr std::string_view kNsTls = "urn:ietf:params:xml:ns:xmpp-tls";
inline constexpr std::string_view kNsBind = "urn:ietf:params:xml:ns:xmpp-bind";
inline constexpr std::string_view kNsSession = "urn:ietf:params:xml:ns:xmpp-session";
inline constexpr std::string_view kNsRoster = "jabber:iq:roster";
inline constexpr std::string_view kNsPing = "urn:xmpp:ping";  // XEP-0199
inline constexpr std::string_view kNsDiscoInfo = "http://jabber.org/protocol/disco#info";  // 0030
inline constexpr std::string_view kNsDiscoItems = "http://jabber.org/protocol/disco#items";
inline constexpr std::string_view kNsStanzaId = "urn:xmpp:sid:0";     // XEP-0359
inline constexpr std::string_view kNsDelay = "urn:xmpp:delay";        // XEP-0203
inline constexpr std::string_view kNsVersion = "jabber:iq:version";   // XEP-0092
inline constexpr std::string_view kNsSm = "urn:xmpp:sm:3";            // XEP-0198
inline constexpr std::string_view kNsCarbons = "urn:xmpp:carbons:2";  // XEP-0280
inline constexpr std::string_view kNsForward = "urn:xmpp:forward:0";  // XEP-0297
inline constexpr std::string_view kNsChatStates = "http://jabber.org/protocol/chatstates";  // 0085
inline constexpr std::string_view kNsHints = "urn:xmpp:hints";                // XEP-0334
inline constexpr std::string_view kNsMam = "urn:xmpp:mam:2";                  // XEP-0313
inline constexpr std::string_view kNsRsm = "http://jabber.org/protocol/rsm";  // XEP-0059
inline constexpr std::string_view kNsDataForms = "jabber:x:data";             // XEP-0004
inline constexpr std::string_view kNsCorrect = "urn:xmpp:message-correct:0";  // XEP-0308
inline constexpr std::string_view kNsRetract = "urn:xmpp:message-retract:1";  // XEP-0424
inline constexpr std::string_view kNsFallback = "urn:xmpp:fallback:0";        // XEP-0428
inline constexpr std::string_view kNsReactions = "urn:xmpp:reactions:0";      // XEP-0444
inline constexpr std::string_view kNsRegister = "jabber:iq:register";         // XEP-0077
inline constexpr std::string_view kNsRegisterFeature = "http://jabber.org/features/iq-register";

}  // namespace parley::xmpp
