// Seed inputs for the XMPP session fuzz target: whole valid sessions (STARTTLS, SASL PLAIN with
// and without an initial response, bind, presence, messages, IQs, the stream's end) over each
// transport, and broken ones (stanzas before auth, wrong passwords, bad base64, data after
// <starttls/>, a second bind, unknown IQs, oversized and unclosed stanzas).
#include <string>
#include <vector>

#include "gateway/xmpp/sasl.h"
#include "gateway/xmpp/session/xmpp_session_fuzz.h"

namespace {

namespace sf = parley::xmpp::session_fuzz;

const std::string kHeader =
    "<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams'>";
const std::string kOpen =
    "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='localhost' version='1.0'/>";

std::string plain(const std::string& password) {
  return "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
         parley::xmpp::base64_encode(
             parley::xmpp::sasl_plain_message("", sf::kUserName, password)) +
         "</auth>";
}

const std::string kBind =
    "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
    "<resource>fuzz</resource></bind></iq>";

const std::string kChat =
    "<presence/>"
    "<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>"
    "<message to='peer@localhost' type='chat' id='m1'><body>hi</body>"
    "<origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>"
    "<message to='peer@localhost' type='chat' id='m1'><body>hi</body></message>"
    "<message to='nobody@localhost' type='chat' id='m2'><body>x</body></message>"
    "<message to='x@example.org' type='chat'><body>x</body></message>"
    "<iq type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>"
    "<iq type='get' id='d1' to='localhost'><query xmlns='http://jabber.org/protocol/disco#info'/>"
    "</iq><iq type='get' id='u1'><unknown xmlns='urn:example'/></iq>"
    "<iq type='get' id='v1'><query xmlns='jabber:iq:version'/></iq>"
    "<presence type='unavailable'/><presence/>";

std::string with_flags(std::uint8_t flags, const std::string& body) {
  return std::string(1, static_cast<char>(flags)) + body;
}

// TCP: the stream, each restart, and the end.
std::string tcp_session(const std::string& password, const std::string& stanzas) {
  return kHeader + plain(password) + kHeader + kBind + stanzas + "</stream:stream>";
}

// WebSocket: one element per message, NUL between messages.
std::string ws_session(const std::string& stanzas) {
  const std::string bind =
      "<iq xmlns='jabber:client' type='set' id='b1'><bind "
      "xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>ws</resource></bind></iq>";
  std::string out = kOpen + '\0' + plain(sf::kUserPassword) + '\0' + kOpen + '\0' + bind + '\0';
  out += stanzas + '\0';
  out += "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>";
  return out;
}

}  // namespace

std::vector<std::string> fuzz_seeds() {
  std::vector<std::string> seeds;
  const std::uint8_t tls = sf::kEncrypted;
  // Valid sessions on a direct-TLS listener, in whole and in small reads, and with messages
  // waiting offline.
  seeds.push_back(with_flags(tls, tcp_session(sf::kUserPassword, kChat)));
  seeds.push_back(with_flags(tls | sf::kSmallReads, tcp_session(sf::kUserPassword, kChat)));
  seeds.push_back(with_flags(tls | sf::kOfflineFirst, tcp_session(sf::kUserPassword, kChat)));
  // STARTTLS first, then the same.
  seeds.push_back(with_flags(0, kHeader + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" +
                                    tcp_session(sf::kUserPassword, kChat)));
  // Data after <starttls/>; SASL before TLS.
  seeds.push_back(with_flags(
      0, kHeader + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>" + "<presence/>"));
  seeds.push_back(with_flags(0, kHeader + plain(sf::kUserPassword)));
  // PLAIN without an initial response, then the response; an abort.
  seeds.push_back(with_flags(
      tls, kHeader + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'/>" +
               "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
               parley::xmpp::base64_encode(
                   parley::xmpp::sasl_plain_message("", sf::kUserName, sf::kUserPassword)) +
               "</response>" + kHeader + kBind + "<presence/>"));
  seeds.push_back(with_flags(
      tls, kHeader + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'/>" +
               "<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>" + plain("wrong-password")));
  // Wrong passwords until the stream ends; bad base64; another mechanism.
  seeds.push_back(with_flags(
      tls, kHeader + plain("wrong-1") + plain("wrong-2") + plain("wrong-3") + plain("wrong-4")));
  seeds.push_back(with_flags(
      tls, kHeader + "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>!!</auth>" +
               "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>x</auth>"));
  // Stanzas before authentication and before binding; a second bind; no resource.
  seeds.push_back(
      with_flags(tls, kHeader + "<message to='peer@localhost'><body>x</body></message>"));
  seeds.push_back(with_flags(tls, kHeader + plain(sf::kUserPassword) + kHeader + "<presence/>"));
  seeds.push_back(with_flags(tls, tcp_session(sf::kUserPassword, kBind + "<presence/>")));
  seeds.push_back(with_flags(
      tls,
      kHeader + plain(sf::kUserPassword) + kHeader +
          "<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>" +
          "<iq type='set' id='s'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>"));
  // A stanza over the size limit; one never closed; a stream left open.
  seeds.push_back(with_flags(
      tls, tcp_session(sf::kUserPassword, "<message to='peer@localhost'><body>" +
                                              std::string(5000, 'a') + "</body></message>")));
  seeds.push_back(with_flags(tls, kHeader + plain(sf::kUserPassword) + kHeader + kBind +
                                      "<message to='peer@localhost'><body>unfinished"));
  // Each way of ending: idle, deadline, kicked, shutdown.
  for (std::uint8_t end = 1; end <= 4; ++end) {
    seeds.push_back(
        with_flags(static_cast<std::uint8_t>(tls | (end << sf::kEndShift)),
                   kHeader + plain(sf::kUserPassword) + kHeader + kBind + "<presence/>"));
  }
  // In-band registration: the form, a new account, a taken name, a short password, a removal,
  // and registering after SASL.
  seeds.push_back(with_flags(
      tls, kHeader +
               "<iq type='get' id='g'><query xmlns='jabber:iq:register'/></iq>"
               "<iq type='set' id='n'><query xmlns='jabber:iq:register'><username>newbie</username>"
               "<password>newbie-password</password></query></iq>"
               "<iq type='set' id='t'><query xmlns='jabber:iq:register'><username>peer</username>"
               "<password>whatever-pass</password></query></iq>"
               "<iq type='set' id='s'><query xmlns='jabber:iq:register'><username>shorty</username>"
               "<password>x</password></query></iq>"
               "<iq type='set' id='r'><query xmlns='jabber:iq:register'><remove/></query></iq>" +
               plain(sf::kUserPassword) +
               "<iq type='get' id='g2'><query xmlns='jabber:iq:register'/></iq>"));
  // Archive queries: pages forward and back, bad ids, no 'with', a time filter.
  const std::string form =
      "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'>"
      "<value>urn:xmpp:mam:2</value></field><field var='with'><value>peer@localhost</value>"
      "</field></x>";
  seeds.push_back(with_flags(
      tls | sf::kOfflineFirst,
      tcp_session(sf::kUserPassword,
                  "<iq type='set' id='q1'><query xmlns='urn:xmpp:mam:2' queryid='a'>" + form +
                      "<set xmlns='http://jabber.org/protocol/rsm'><max>1</max></set></query></iq>"
                      "<iq type='set' id='q2'><query xmlns='urn:xmpp:mam:2'>" +
                      form +
                      "<set xmlns='http://jabber.org/protocol/rsm'><max>5</max><after>1:1</after>"
                      "</set></query></iq><iq type='set' id='q3'><query xmlns='urn:xmpp:mam:2'>" +
                      form +
                      "<set xmlns='http://jabber.org/protocol/rsm'><before/></set></query></iq>"
                      "<iq type='set' id='q4'><query xmlns='urn:xmpp:mam:2'>" +
                      form +
                      "<set xmlns='http://jabber.org/protocol/rsm'><before>9:x</before><max>0</max>"
                      "</set></query></iq><iq type='set' id='q5'><query "
                      "xmlns='urn:xmpp:mam:2'/></iq>")));
  // The peer changes its message: with and without stream management and carbons.
  seeds.push_back(
      with_flags(tls | sf::kPeerChanges, tcp_session(sf::kUserPassword, "<presence/>")));
  seeds.push_back(
      with_flags(tls | sf::kPeerChanges | sf::kSmallReads,
                 tcp_session(sf::kUserPassword,
                             "<enable xmlns='urn:xmpp:sm:3'/><iq type='set' id='c'><enable "
                             "xmlns='urn:xmpp:carbons:2'/></iq><presence/><r "
                             "xmlns='urn:xmpp:sm:3'/><a xmlns='urn:xmpp:sm:3' h='2'/>")));
  // Carbons on and off, chat states before and after the conversation exists.
  seeds.push_back(with_flags(
      tls | sf::kOfflineFirst,
      tcp_session(sf::kUserPassword,
                  "<iq type='set' id='c1'><enable xmlns='urn:xmpp:carbons:2'/></iq><presence/>"
                  "<message to='peer@localhost' type='chat'><composing "
                  "xmlns='http://jabber.org/protocol/chatstates'/></message>"
                  "<message to='peer@localhost' type='chat' id='t'><body>x</body><active "
                  "xmlns='http://jabber.org/protocol/chatstates'/></message>"
                  "<message to='peer@localhost' type='chat'><composing "
                  "xmlns='http://jabber.org/protocol/chatstates'/></message>"
                  "<message to='nobody@localhost' type='chat'><composing "
                  "xmlns='http://jabber.org/protocol/chatstates'/></message>"
                  "<iq type='set' id='c2'><disable xmlns='urn:xmpp:carbons:2'/></iq>")));
  // Subscriptions both ways with the peer, directed presence, a probe, a bad 'to'.
  seeds.push_back(with_flags(
      tls, tcp_session(sf::kUserPassword,
                       "<iq type='get' id='r'><query xmlns='jabber:iq:roster'/></iq><presence/>"
                       "<presence to='peer@localhost' type='subscribe'/>"
                       "<presence to='peer@localhost' type='subscribed'/>"
                       "<presence to='peer@localhost' type='unsubscribed'/>"
                       "<presence to='peer@localhost' type='unsubscribe'/>"
                       "<presence to='nobody@localhost' type='subscribe'/>"
                       "<presence to='peer@localhost'/><presence to='peer@localhost' type='probe'/>"
                       "<presence to='a@@b' type='subscribe'/><presence to='x@example.org'/>")));
  // Stream management: enabled after bind (and before: refused), acks both ways, a bad h, an ack
  // of more than was sent, <r/> without it, a resumption nobody can give.
  const std::string sm = "urn:xmpp:sm:3";
  seeds.push_back(with_flags(
      tls, tcp_session(sf::kUserPassword, "<enable xmlns='" + sm + "'/>" + kChat + "<r xmlns='" +
                                              sm + "'/><a xmlns='" + sm + "' h='3'/>")));
  seeds.push_back(with_flags(
      tls | sf::kOfflineFirst | sf::kSmallReads,
      tcp_session(sf::kUserPassword,
                  "<enable xmlns='" + sm + "' resume='true'/><presence/><r xmlns='" + sm +
                      "'/><a xmlns='" + sm + "' h='1'/><enable xmlns='" + sm + "'/>")));
  seeds.push_back(
      with_flags(tls, tcp_session(sf::kUserPassword,
                                  "<enable xmlns='" + sm + "'/><a xmlns='" + sm + "' h='99'/>")));
  seeds.push_back(with_flags(
      tls,
      tcp_session(sf::kUserPassword, "<enable xmlns='" + sm + "'/><a xmlns='" + sm + "' h='x'/>")));
  seeds.push_back(with_flags(tls, tcp_session(sf::kUserPassword, "<r xmlns='" + sm + "'/>")));
  seeds.push_back(with_flags(tls, kHeader + plain(sf::kUserPassword) + kHeader + "<enable xmlns='" +
                                      sm + "'/><resume xmlns='" + sm + "' previd='x' h='0'/>" +
                                      kBind));
  // Over WebSocket.
  seeds.push_back(with_flags(
      sf::kWebSocket,
      ws_session("<presence xmlns='jabber:client'/>") + '\0' +
          "<message xmlns='jabber:client' to='peer@localhost' type='chat'><body>ws</body>"
          "</message>"));
  seeds.push_back(with_flags(sf::kWebSocket | sf::kOfflineFirst,
                             ws_session("<presence xmlns='jabber:client'/>")));
  seeds.push_back(with_flags(sf::kWebSocket, kOpen + '\0' + "<message/>"));
  return seeds;
}
