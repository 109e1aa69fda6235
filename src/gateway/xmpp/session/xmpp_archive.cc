// Message archive management (XEP-0313, urn:xmpp:mam:2) over the conversation log: a query
// `with` a user pages through the direct conversation with them, with result set management
// (XEP-0059). Archive ids are the stanza-ids every delivered message carries ("CONV:SEQ").
#include <charconv>

#include "core/messaging.h"
#include "gateway/xmpp/session/xmpp_namespaces.h"
#include "gateway/xmpp/session/xmpp_session.h"

namespace parley::xmpp {
namespace {

constexpr std::size_t kDefaultPage = 50;

std::optional<std::uint64_t> parse_number(std::string_view text) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

// "CONV:SEQ" of `conversation`; nullopt for another conversation's id or a malformed one.
std::optional<Seq> parse_archive_id(std::string_view id, ConversationId conversation) {
  const auto colon = id.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto conv = parse_number(id.substr(0, colon));
  auto seq = parse_number(id.substr(colon + 1));
  if (!conv || !seq || static_cast<ConversationId>(*conv) != conversation) return std::nullopt;
  return static_cast<Seq>(*seq);
}

const std::string* form_value(const Element& form, std::string_view var) {
  for (const Element& field : form.children) {
    if (field.is("field", kNsDataForms) && field.attr_or("var", "") == var) {
      if (const Element* value = field.child("value", kNsDataForms)) return &value->text;
    }
  }
  return nullptr;
}

std::string archive_id(const Message& m) {
  return std::to_string(m.conversation_id) + ":" + std::to_string(m.seq);
}

}  // namespace

void XmppSession::on_archive_query(const Element& iq, const Element& query) {
  ArchiveQuery q;
  q.iq_id = *iq.attr("id");
  q.query_id = std::string(query.attr_or("queryid", ""));
  const Element* form = query.child("x", kNsDataForms);
  const std::string* with = form ? form_value(*form, "with") : nullptr;
  if (!with) {
    // The archive is per conversation: a query across all of them is not there yet.
    return reply_error(iq, StanzaCondition::feature_not_implemented,
                       "a query needs a 'with' field (one contact's conversation)");
  }
  if (form && (form_value(*form, "start") || form_value(*form, "end"))) {
    return reply_error(iq, StanzaCondition::feature_not_implemented,
                       "'start' and 'end' are not supported yet; page with RSM");
  }
  auto peer = parse_jid(*with);
  if (!peer || peer->local.empty() || peer->domain != config_.domain) {
    return reply_error(iq, StanzaCondition::item_not_found, "no archive with that address");
  }
  q.peer = peer->local;
  if (const Element* set = query.child("set", kNsRsm)) {
    if (const Element* max = set->child("max", kNsRsm)) {
      auto n = parse_number(max->all_text());
      if (!n) return reply_error(iq, StanzaCondition::bad_request, "RSM max must be a number");
      q.max = static_cast<std::size_t>(*n);
    }
    if (const Element* after = set->child("after", kNsRsm)) q.after = after->all_text();
    if (const Element* before = set->child("before", kNsRsm)) q.before = before->all_text();
  }
  q.max = std::min(q.max, core_.config().max_history_limit);
  auto known = direct_with_.find(q.peer);
  if (known != direct_with_.end()) return run_archive_query(std::move(q), known->second);
  core_.messaging().open_direct(
      *identity_, q.peer,
      guarded<Conversation>([this, q](Result<Conversation> conversation) mutable {
        if (!conversation) return archive_error(q, StanzaCondition::item_not_found, "");
        remember_direct(conversation->id, q.peer);
        run_archive_query(std::move(q), conversation->id);
      }));
}

void XmppSession::run_archive_query(ArchiveQuery q, ConversationId conversation) {
  HistoryQuery history;
  history.conversation_id = conversation;
  history.limit = q.max == 0 ? 1 : q.max;  // max 0 asks for the count only: one is read
  if (q.after) {
    auto seq = parse_archive_id(*q.after, conversation);
    if (!seq) return archive_error(q, StanzaCondition::item_not_found, "unknown 'after' id");
    history.after_seq = *seq;
  } else if (q.before && !q.before->empty()) {
    auto seq = parse_archive_id(*q.before, conversation);
    if (!seq) return archive_error(q, StanzaCondition::item_not_found, "unknown 'before' id");
    history.before_seq = *seq;
  } else if (!q.before) {
    history.after_seq = 0;  // no RSM position: from the start, oldest first
  }                         // an empty <before/>: the last page
  core_.messaging().history(
      *identity_, history, guarded<HistoryPage>([this, q = std::move(q)](Result<HistoryPage> page) {
        if (!page) return archive_error(q, StanzaCondition::internal_server_error, "");
        std::string first, last;
        if (q.max > 0) {
          for (const Message& m : page->messages) {
            if (m.kind != MessageKind::text || m.deleted || m.hidden) continue;
            const bool own = m.sender_id == identity_->user_id;
            ElementBuilder result("result", kNsMam);
            if (!q.query_id.empty()) result.attr("queryid", q.query_id);
            result.attr("id", archive_id(m));
            result.child(element("forwarded", kNsForward)
                             .child(element("delay", kNsDelay).attr("stamp", xmpp_time(m.sent_at)))
                             .child(element("message", kNsClient)
                                        .attr("from", own ? jid_.bare_str() : bare_jid(q.peer))
                                        .attr("to", own ? bare_jid(q.peer) : jid_.bare_str())
                                        .attr("type", "chat")
                                        .attr("id", xmpp_id(m))
                                        .child(element("body", kNsClient).text(m.text))));
            send(element("message", kNsClient)
                     .attr("from", jid_.bare_str())  // the archive's owner (XEP-0313 §4.2)
                     .attr("to", jid_.str())
                     .attr("id", "mam-" + archive_id(m))
                     .child(std::move(result)));
            if (first.empty()) first = archive_id(m);
            last = archive_id(m);
          }
        }
        // complete: nothing more in the direction asked (XEP-0313 §4.3).
        ElementBuilder set("set", kNsRsm);
        if (!first.empty()) {
          set.child(element("first", kNsRsm).text(first)).child(element("last", kNsRsm).text(last));
        }
        ElementBuilder fin("fin", kNsMam);
        fin.attr("complete", page->has_more ? "false" : "true");
        fin.child(std::move(set));
        send(element("iq", kNsClient)
                 .attr("type", "result")
                 .attr("id", q.iq_id)
                 .child(std::move(fin)));
      }));
}

void XmppSession::archive_error(const ArchiveQuery& q, StanzaCondition condition,
                                std::string_view text) {
  send(error_reply(element("iq", kNsClient).attr("id", q.iq_id).attr("type", "set"),
                   stanza_error(condition, text)));
}

}  // namespace parley::xmpp
