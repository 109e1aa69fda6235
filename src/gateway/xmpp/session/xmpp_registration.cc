// In-band registration (XEP-0077) before authentication, when the server's registration is
// open: the form asks for a username and a password, and the account is made exactly as a
// native registration makes it (the same name rules, password rules and rate limits). The
// client then logs in with SASL as usual. Changing the password or removing the account this
// way is not offered.
#include "core/accounts.h"
#include "gateway/common/peer_ip.h"
#include "gateway/xmpp/session/xmpp_namespaces.h"
#include "gateway/xmpp/session/xmpp_session.h"

namespace parley::xmpp {
namespace {

StanzaCondition registration_condition(const Error& error) {
  switch (error.code) {
    case Errc::username_taken:
      return StanzaCondition::conflict;
    case Errc::invalid_username:
    case Errc::weak_password:
    case Errc::invalid_argument:
    case Errc::invalid_utf8:
      return StanzaCondition::not_acceptable;
    case Errc::registration_closed:
      return StanzaCondition::not_allowed;
    case Errc::rate_limited:
      return StanzaCondition::policy_violation;
    case Errc::unavailable:
      return StanzaCondition::resource_constraint;
    default:
      return StanzaCondition::internal_server_error;
  }
}

}  // namespace

bool XmppSession::registration_offered() const {
  return core_.config().open_registration && !verified_ &&
         (connection_.encrypted() || !config_.require_tls);
}

void XmppSession::on_registration(const Element& iq) {
  const std::string_view type = iq.attr_or("type", "");
  const std::string id(iq.attr_or("id", ""));
  if (!registration_offered()) {
    return send(error_reply(request_head(iq), stanza_error(StanzaCondition::service_unavailable,
                                                           "registration is closed")));
  }
  if (type == "get") {
    return send(element("iq", kNsClient)
                    .attr("type", "result")
                    .attr("id", id)
                    .child(element("query", kNsRegister)
                               .child(element("instructions", kNsRegister)
                                          .text("Choose a username (3 to 32 of A-Z a-z 0-9 . _ "
                                                "-) and a password (8 bytes or more)."))
                               .child(element("username", kNsRegister))
                               .child(element("password", kNsRegister))));
  }
  const Element* query = iq.child("query", kNsRegister);
  const Element* username = query->child("username", kNsRegister);
  const Element* password = query->child("password", kNsRegister);
  if (type != "set" || !username || !password || query->child("remove", kNsRegister)) {
    return send(error_reply(
        request_head(iq), stanza_error(StanzaCondition::bad_request,
                                       "set a username and a password (removal is not offered)")));
  }
  waiting_ = true;  // like SASL: nothing more is read until the account exists or not
  core_.accounts().register_account(
      RegisterCommand{.username = username->all_text(),
                      .password = password->all_text(),
                      .device_name = "XMPP registration",
                      .remote_address = gateway::peer_ip(connection_.remote_address()),
                      // One fixed device per account for the registration itself: the streams
                      // that log in later bind devices of their own ("xmpp/RESOURCE").
                      .device_key = "xmpp/registration"},
      guarded<AuthGrant>([this, head = request_head(iq)](Result<AuthGrant> grant) {
        waiting_ = false;
        if (!grant) {
          send(error_reply(
              head, stanza_error(registration_condition(grant.error()), grant.error().message)));
        } else {
          send(element("iq", kNsClient)
                   .attr("type", "result")
                   .attr("id", std::string(head.attr_or("id", ""))));
        }
        pump();
      }));
}

}  // namespace parley::xmpp
