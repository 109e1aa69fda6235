#include "core/contact_rules.h"

namespace parley {
namespace {

// Both sides move to `state`; the peer's side only when it has something to clear.
void both_sides(ContactPlan& plan, ContactState state, ContactState theirs) {
  plan.writes.push_back({.actor_side = true, .state = state});
  if (state != ContactState::none || theirs != ContactState::none) {
    plan.writes.push_back({.actor_side = false, .state = state});
  }
}

}  // namespace

Result<void> check_contact_pair(UserId actor, UserId peer) {
  if (actor == peer) return fail(Errc::invalid_argument, "that is you");
  return {};
}

Result<ContactPlan> plan_contact_action(ContactAction action, const ContactFacts& facts) {
  ContactPlan plan;
  switch (action) {
    case ContactAction::request:
      if (facts.peer_blocks_actor) return fail(Errc::user_not_found, "no such user");
      if (facts.actor_blocks_peer) return fail(Errc::invalid_argument, "unblock the user first");
      if (facts.mine == ContactState::accepted) {
        return fail(Errc::invalid_argument, "already contacts");
      }
      // A resend of a pending request changes nothing and tells nobody again.
      if (facts.mine == ContactState::request_sent) return plan;
      if (facts.mine == ContactState::request_received) {
        // They asked first: asking back is accepting.
        both_sides(plan, ContactState::accepted, facts.theirs);
      } else {
        plan.writes.push_back({.actor_side = true, .state = ContactState::request_sent});
        plan.writes.push_back({.actor_side = false, .state = ContactState::request_received});
      }
      return plan;
    case ContactAction::accept:
      if (facts.mine != ContactState::request_received) {
        return fail(Errc::invalid_argument, "no request to accept");
      }
      both_sides(plan, ContactState::accepted, facts.theirs);
      return plan;
    case ContactAction::decline:
      if (facts.mine != ContactState::request_received) {
        return fail(Errc::invalid_argument, "no request to decline");
      }
      both_sides(plan, ContactState::none, facts.theirs);
      return plan;
    case ContactAction::remove:
      if (facts.mine != ContactState::accepted && facts.mine != ContactState::request_sent) {
        return fail(Errc::invalid_argument, "not a contact");
      }
      both_sides(plan, ContactState::none, facts.theirs);
      return plan;
    case ContactAction::block:
      plan.block = BlockChange::add;
      plan.writes.push_back({.actor_side = true, .state = ContactState::blocked});
      // The blocked user only sees a contact (or request) disappear, never the block itself.
      if (facts.theirs != ContactState::none) {
        plan.writes.push_back({.actor_side = false, .state = ContactState::none});
      }
      return plan;
    case ContactAction::unblock:
      if (!facts.actor_blocks_peer) return fail(Errc::invalid_argument, "not blocked");
      plan.block = BlockChange::remove;
      // The block kept no contact row: only the actor's devices learn it is gone.
      plan.writes.push_back({.actor_side = true, .state = ContactState::none, .write_row = false});
      return plan;
  }
  return fail(Errc::invalid_argument, "unknown contact action");
}

}  // namespace parley
