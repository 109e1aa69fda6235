// Presence and subscriptions (RFC 6121 §3, §4) on Parley's contacts: a subscription request is a
// contact request, approving it accepts, cancelling either side removes the contact (mutual, as
// contacts are); accepted contacts see each other online and offline. Contact changes made on any
// device reach the roster as roster pushes.
#include "core/contacts.h"
#include "gateway/xmpp/session/xmpp_namespaces.h"
#include "gateway/xmpp/session/xmpp_session.h"

namespace parley::xmpp {

// RFC 6121 §2.1.2: an accepted contact is subscription "both"; a request this user sent is "none"
// with ask="subscribe"; anything else is not on the roster ("remove" in a push). A request
// received is announced by a subscribe presence instead.
Element XmppSession::roster_item(std::string_view username, ContactState state) const {
  ElementBuilder item("item", kNsRoster);
  item.attr("jid", bare_jid(username));
  switch (state) {
    case ContactState::accepted:
      item.attr("subscription", "both");
      break;
    case ContactState::request_sent:
      item.attr("subscription", "none").attr("ask", "subscribe");
      break;
    default:
      item.attr("subscription", "remove");
  }
  return std::move(item).build();
}

void XmppSession::on_presence(const Element& presence) {
  const std::string_view type = presence.attr_or("type", "available");
  const std::string* to = presence.attr("to");
  if (to && !to->empty()) return on_directed_presence(presence, type, *to);
  if (type == "available" && !available_) {
    // Initial presence (RFC 6121 §4.2): from now on this resource receives messages, first what
    // arrived while it was offline, and the presence of its contacts.
    available_ = true;
    catch_up();
    probe_contacts();
  } else if (type == "unavailable") {
    available_ = false;
  }
  // Later available presences (show, status) change nothing yet: Parley has no status text.
}

void XmppSession::on_directed_presence(const Element& presence, std::string_view type,
                                       std::string_view to) {
  auto target = parse_jid(to);
  if (!target) return reply_error(presence, StanzaCondition::jid_malformed);
  if (target->domain != config_.domain || target->local.empty()) {
    return reply_error(presence, StanzaCondition::remote_server_not_found,
                       "this server does not federate");
  }
  ContactAction action = ContactAction::request;
  if (type == "subscribe") {
    action = ContactAction::request;  // asking someone who asked first accepts (contacts)
  } else if (type == "subscribed") {
    action = ContactAction::accept;
  } else if (type == "unsubscribed") {
    action = ContactAction::decline;  // or, for an accepted contact, remove (below)
  } else if (type == "unsubscribe") {
    action = ContactAction::remove;
  } else {
    return;  // directed availability and probes: nothing to do without MUC
  }
  const std::string peer = target->local;
  core_.contacts().contact(
      *identity_, peer, action,
      guarded<void>([this, peer, action, head = request_head(presence)](Result<void> done) {
        if (done) return;
        if (done.error().code == Errc::user_not_found) {
          // RFC 6121 §3.1.3: a request to an account that does not exist is refused as an
          // unsubscribed from it.
          if (action == ContactAction::request) {
            send(element("presence", kNsClient)
                     .attr("from", bare_jid(peer))
                     .attr("type", "unsubscribed"));
          }
          return;
        }
        if (done.error().code == Errc::invalid_argument) {
          // States that do not fit (RFC 6121 §3: the server ignores them), except that an
          // "unsubscribed" for an accepted contact ends the contact.
          if (action == ContactAction::decline) {
            core_.contacts().contact(*identity_, peer, ContactAction::remove,
                                     guarded<void>([](Result<void>) {}));
          }
          return;
        }
        reply_error(head, done.error());
      }));
}

// RFC 6121 §4.2.2: at initial presence the server tells the resource which contacts are online
// and which requests wait for it.
void XmppSession::probe_contacts() {
  core_.contacts().list_contacts(
      *identity_, guarded<std::vector<Contact>>([this](Result<std::vector<Contact>> contacts) {
        if (!contacts || !available_) return;
        for (const Contact& c : *contacts) {
          if (c.state == ContactState::accepted && c.online) {
            send(element("presence", kNsClient).attr("from", bare_jid(c.username)));
          } else if (c.state == ContactState::request_received) {
            send(element("presence", kNsClient)
                     .attr("from", bare_jid(c.username))
                     .attr("type", "subscribe"));
          }
        }
      }));
}

void XmppSession::on_presence_event(const PresenceEvent& presence) {
  if (!available_) return;
  ElementBuilder stanza("presence", kNsClient);
  stanza.attr("from", bare_jid(presence.username));
  if (!presence.online) stanza.attr("type", "unavailable");
  send(std::move(stanza).build());
}

// A contact change of this user (from any of its devices, or the peer's doing): a roster push to
// a resource that asked for the roster, and the subscription presence the change means.
void XmppSession::on_contact_update(const UserUpdate& update) {
  if (update.kind != UserUpdateKind::contact || update.peer.empty()) return;
  if (update.contact_state == ContactState::request_received) {
    if (available_) {
      send(element("presence", kNsClient)
               .attr("from", bare_jid(update.peer))
               .attr("type", "subscribe"));
    }
    return;
  }
  if (roster_requested_) {
    send(
        element("iq", kNsClient)
            .attr("type", "set")
            .attr("id", "push" + std::to_string(update.user_seq))
            .attr("to", jid_.str())
            .child(
                element("query", kNsRoster).child(roster_item(update.peer, update.contact_state))));
  }
  if (update.contact_state == ContactState::accepted && available_) {
    send(element("presence", kNsClient)
             .attr("from", bare_jid(update.peer))
             .attr("type", "subscribed"));
  }
}

}  // namespace parley::xmpp
