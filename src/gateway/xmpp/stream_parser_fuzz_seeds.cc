// Seed inputs for the XMPP stream parser fuzz target: a whole client session, what slixmpp
// sends, WebSocket messages (one per line), and each kind of input the parser must refuse.
#include <string>
#include <vector>

std::vector<std::string> fuzz_seeds() {
  const std::string header =
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0' "
      "xml:lang='en'>";
  std::vector<std::string> seeds = {
      // A session: STARTTLS is skipped, SASL then restart, bind, chat, roster, close.
      header +
          "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>"
          "biwsbj1qdWxpZXQscj0yNzQ1OTkxODgxNjgzODQ5</auth>"
          "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>" +
          header +
          "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
          "<resource>balcony</resource></bind></iq>\n "
          "<message to='romeo@example.net' type='chat' id='m1' xml:lang='en'>"
          "<body>Art thou &lt;not&gt; Romeo? &#x1F339; caf\xC3\xA9</body>"
          "<html xmlns='http://jabber.org/protocol/xhtml-im'><body "
          "xmlns='http://www.w3.org/1999/xhtml'>one <b>two</b> three</body></html>"
          "<active xmlns='http://jabber.org/protocol/chatstates'/></message>"
          "<iq type='get' id='r1'><query xmlns='jabber:iq:roster' ver=''/></iq>"
          "<presence><show>away</show><priority>5</priority></presence>"
          "<r xmlns='urn:xmpp:sm:3'/><a xmlns='urn:xmpp:sm:3' h='3'/>"
          "<stream:error><not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
          "</stream:error></stream:stream>",
      "<stream:stream to='localhost' xmlns:stream='http://etherx.jabber.org/streams' "
      "xmlns='jabber:client' xml:lang='en' version='1.0'><auth "
      "xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"SCRAM-SHA-1\">"
      "biwsbj1qdWxpZXQscj0yNzQ1OTkxODgxNjgzODQ5</auth>",
      header + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>\x16\x03\x01\x02\x00",
      header +
          "<message xmlns:x='urn:x' x:flag='1'><x:data x:k='v'/><plain xmlns=''/>"
          "<body><![CDATA[<tag>]]>&amp;&apos;&quot;</body></message>",
      // WebSocket messages, one per line.
      "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.com' version='1.0'/>\n"
      "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
      "mechanism='PLAIN'>AGp1bGlldAByMG0zMA==</auth>\n"
      "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>\n"
      "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.com' version='1.0'/>\n"
      "<message xmlns='jabber:client' to='a@b'><body>hi</body></message>\n"
      "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>",
      // Refusals.
      "<!DOCTYPE s [<!ENTITY a 'lol'><!ENTITY b '&a;&a;&a;&a;'>]>" + header +
          "<message><body>&b;</body></message>",
      header + "<!-- c --><?pi x?><message><body>&nbsp;\xC3\x28</body></message>",
      "<?xml version='1.0' encoding='ISO-8859-1'?>" + header,
      "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams'>",
      "<s:stream xmlns='jabber:client' xmlns:s='http://etherx.jabber.org/streams'>",
      header +
          "<a><b><c><d><e><f><g><h><i><j><k><l><m><n/></m></l></k></j></i></h></g></f>"
          "</e></d></c></b></a>text<x:y/>",
      header +
          "<iq a='1' b='2' c='3' d='4' e='5' f='6' g='7' h='8' i='9' j='10' k='11' "
          "l='12' m='13'/>",
  };
  return seeds;
}
