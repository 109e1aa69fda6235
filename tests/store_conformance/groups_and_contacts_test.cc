// Store conformance: groups (creation, members, roles, the owner hand-over, visibility windows),
// contacts and blocks.
#include <string>
#include <vector>

#include "store_conformance/store_fixture.h"

namespace parley::store {
namespace {

TEST_P(GroupConformance, CreateGroupChecksItsMembers) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  UserId carol = user("carol");
  auto make = [&](std::vector<UserId> members, std::string title = "G", std::size_t max = 10) {
    return store_->create_group(NewGroup{.creator = alice,
                                         .title = std::move(title),
                                         .members = std::move(members),
                                         .max_members = max,
                                         .now = 500});
  };
  EXPECT_EQ(error_of(make({bob}, "")), Errc::invalid_argument);
  EXPECT_EQ(error_of(make({bob, 999})), Errc::user_not_found);
  EXPECT_EQ(error_of(make({bob, carol}, "G", 2)), Errc::invalid_argument);
  ASSERT_TRUE(store_->contact_action(carol, alice, ContactAction::block, 1));
  EXPECT_EQ(error_of(make({bob, carol})), Errc::user_not_found);
  EXPECT_TRUE(store_->conversation_list(alice, 10)->empty());  // nothing half-made

  auto group = make({bob, alice, bob});
  ASSERT_TRUE(group) << group.error().message;
  const Conversation& c = group->conversation;
  EXPECT_EQ(c.kind, ConversationKind::group);
  EXPECT_EQ(c.title, "G");
  EXPECT_EQ(c.last_seq, 1);
  ASSERT_EQ(c.members.size(), 2u);
  EXPECT_EQ(c.members[0].role, MemberRole::owner);
  EXPECT_EQ(c.members[1].role, MemberRole::member);
  EXPECT_EQ(c.members[1].joined_seq, 0);
  const Message& m = group->system_message;
  EXPECT_EQ(m.seq, 1);
  EXPECT_EQ(m.kind, MessageKind::system);
  EXPECT_EQ(m.sender_id, alice);
  EXPECT_EQ(json(m), R"({"event":"created","actor":"alice","users":["bob"],"title":"G"})");
  EXPECT_EQ(store_->view_after({}, c.id, 0, 10)->front().client_msg_id, m.client_msg_id);
}

TEST_P(GroupConformance, AddRemoveAndVisibility) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  UserId carol = user("carol");
  UserId dave = user("dave");
  ConversationId private_group = 0;  // the group without shared history, used further down
  for (bool shared : {false, true}) {
    auto group = store_->create_group(NewGroup{
        .creator = alice, .title = "G", .members = {bob}, .shared_history = shared, .now = 1});
    ASSERT_TRUE(group);
    const ConversationId g = group->conversation.id;
    if (!shared) private_group = g;
    ASSERT_TRUE(append_one(text(g, alice, "s" + std::to_string(shared), "before")));  // 2

    EXPECT_EQ(error_of(act(g, bob, GroupAction::add, {carol})), Errc::forbidden);
    EXPECT_EQ(error_of(act(g, dave, GroupAction::add, {carol})), Errc::not_found);
    EXPECT_EQ(error_of(act(g, alice, GroupAction::add, {bob})), Errc::invalid_argument);
    EXPECT_EQ(error_of(act(g, alice, GroupAction::add, {999})), Errc::user_not_found);
    EXPECT_EQ(error_of(act(g, alice, GroupAction::add, {carol}, {}, {}, 2)),
              Errc::invalid_argument);
    auto added = act(g, alice, GroupAction::add, {carol});
    ASSERT_TRUE(added) << added.error().message;
    EXPECT_EQ(added->system_message.seq, 3);
    EXPECT_EQ(added->conversation.members.size(), 3u);
    EXPECT_EQ(added->conversation.members[2].joined_seq, shared ? 0 : 2);
    auto seen =
        store_->view_after(Viewer{carol, added->conversation.members[2].joined_seq}, g, 0, 10);
    EXPECT_EQ(seqs(*seen), shared ? (std::vector<Seq>{1, 2, 3}) : (std::vector<Seq>{3}));
    // Invisible entries cannot be the target of a change either.
    if (!shared) {
      auto react = append_one(AppendRequest{.conversation_id = g,
                                            .sender_id = carol,
                                            .client_msg_id = "r",
                                            .kind = MessageKind::reaction,
                                            .text = "x",
                                            .target_seq = 2});
      ASSERT_FALSE(react);
      EXPECT_EQ(react.error().code, Errc::not_found);
    }
  }
  const ConversationId g = private_group;
  ASSERT_TRUE(act(g, alice, GroupAction::set_role, {bob}, {}, MemberRole::admin));
  ASSERT_TRUE(act(g, bob, GroupAction::add, {dave}));  // admins add
  EXPECT_EQ(error_of(act(g, carol, GroupAction::remove, {dave})), Errc::forbidden);
  EXPECT_EQ(error_of(act(g, bob, GroupAction::remove, {alice})), Errc::forbidden);  // the owner
  ASSERT_TRUE(act(g, alice, GroupAction::set_role, {dave}, {}, MemberRole::admin));
  EXPECT_EQ(error_of(act(g, bob, GroupAction::remove, {dave})), Errc::forbidden);  // an admin
  EXPECT_EQ(error_of(act(g, bob, GroupAction::remove, {999})), Errc::not_found);
  auto removed = act(g, bob, GroupAction::remove, {carol});
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->former_members, std::vector<UserId>{carol});
  ASSERT_EQ(removed->updates.size(), 1u);
  EXPECT_EQ(removed->updates[0].user_id, carol);
  EXPECT_EQ(removed->updates[0].kind, UserUpdateKind::left);
  EXPECT_EQ(removed->updates[0].conversation_id, g);
  EXPECT_EQ(json(removed->system_message),
            R"({"event":"removed","actor":"bob","users":["carol"]})");
  EXPECT_TRUE(store_->conversation_list(carol, 10)->size() == 1);  // the other group only
  auto resent = append_one(text(g, carol, "late"));
  EXPECT_EQ(resent.error().code, Errc::not_found);
  EXPECT_EQ(error_of(act(g, carol, GroupAction::leave)), Errc::not_found);
  ASSERT_TRUE(act(g, alice, GroupAction::remove, {dave}));  // the owner removes an admin

  // A former member comes back and sees from the entry announcing them.
  auto back = act(g, bob, GroupAction::add, {carol});
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(store_->conversation_list(carol, 256)->size(), 2u);
  for (const Member& m : back->conversation.members) {
    if (m.user_id == carol) {
      EXPECT_EQ(m.joined_seq, back->system_message.seq - 1);
    }
  }
  // Somebody who blocked the actor cannot be added by them.
  ASSERT_TRUE(store_->contact_action(dave, bob, ContactAction::block, 1));
  EXPECT_EQ(error_of(act(g, bob, GroupAction::add, {dave})), Errc::user_not_found);
}

TEST_P(GroupConformance, LeaveRenameRolesAndOwnerHandoff) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  UserId carol = user("carol");
  UserId dave = user("dave");
  auto group =
      store_->create_group(NewGroup{.creator = alice, .title = "G", .members = {bob, carol, dave}});
  ASSERT_TRUE(group);
  const ConversationId g = group->conversation.id;

  EXPECT_EQ(error_of(act(g, bob, GroupAction::rename, {}, "X")), Errc::forbidden);
  EXPECT_EQ(error_of(act(g, alice, GroupAction::rename, {}, "")), Errc::invalid_argument);
  auto renamed = act(g, alice, GroupAction::rename, {}, "New");
  ASSERT_TRUE(renamed);
  EXPECT_EQ(renamed->conversation.title, "New");
  EXPECT_EQ(json(renamed->system_message), R"({"event":"renamed","actor":"alice","title":"New"})");

  EXPECT_EQ(error_of(act(g, bob, GroupAction::set_role, {carol}, {}, MemberRole::admin)),
            Errc::forbidden);
  EXPECT_EQ(error_of(act(g, alice, GroupAction::set_role, {carol}, {}, MemberRole::owner)),
            Errc::invalid_argument);
  auto promoted = act(g, alice, GroupAction::set_role, {dave}, {}, MemberRole::admin);
  ASSERT_TRUE(promoted);
  EXPECT_EQ(json(promoted->system_message),
            R"({"event":"role","actor":"alice","users":["dave"],"role":"admin"})");
  EXPECT_EQ(role_of(g, dave), MemberRole::admin);

  // The owner leaves: the admin inherits, though bob has been there as long.
  auto left = act(g, alice, GroupAction::leave);
  ASSERT_TRUE(left) << left.error().message;
  EXPECT_EQ(left->former_members, std::vector<UserId>{alice});
  ASSERT_EQ(left->updates.size(), 1u);
  EXPECT_EQ(left->updates[0].kind, UserUpdateKind::left);
  EXPECT_EQ(json(left->system_message), R"({"event":"left","actor":"alice","new_owner":"dave"})");
  EXPECT_EQ(role_of(g, dave), MemberRole::owner);
  EXPECT_EQ(left->conversation.members.size(), 3u);

  // No admin left: the longest-standing member inherits.
  ASSERT_TRUE(act(g, dave, GroupAction::leave));
  EXPECT_EQ(role_of(g, bob), MemberRole::owner);
  ASSERT_TRUE(act(g, carol, GroupAction::leave));  // a member just leaves
  EXPECT_EQ(store_->conversation(g)->members.size(), 1u);
  auto last = act(g, bob, GroupAction::leave);
  ASSERT_TRUE(last);
  EXPECT_TRUE(last->conversation.members.empty());

  ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;
  EXPECT_EQ(error_of(act(ab, alice, GroupAction::leave)), Errc::invalid_argument);
  EXPECT_EQ(error_of(act(ab, alice, GroupAction::add, {carol})), Errc::invalid_argument);
  EXPECT_EQ(error_of(act(ab + 100, alice, GroupAction::leave)), Errc::not_found);
}

TEST_P(GroupConformance, ContactTransitions) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  auto contact = [&](UserId actor, UserId peer, ContactAction action) {
    return store_->contact_action(actor, peer, action, 100);
  };
  auto state = [&](UserId of, UserId peer) {
    auto contacts = store_->contacts_of(of);
    for (const Contact& c : *contacts) {
      if (c.user_id == peer) return c.state;
    }
    return ContactState::none;
  };
  EXPECT_EQ(contact(alice, alice, ContactAction::request).error().code, Errc::invalid_argument);
  EXPECT_EQ(contact(alice, 999, ContactAction::request).error().code, Errc::user_not_found);
  EXPECT_EQ(contact(alice, bob, ContactAction::accept).error().code, Errc::invalid_argument);

  auto requested = contact(alice, bob, ContactAction::request);
  ASSERT_TRUE(requested);
  ASSERT_EQ(requested->size(), 2u);
  EXPECT_EQ((*requested)[0].user_id, alice);
  EXPECT_EQ((*requested)[1].user_id, bob);
  EXPECT_EQ((*requested)[1].peer, "alice");
  EXPECT_EQ(state(alice, bob), ContactState::request_sent);
  EXPECT_EQ(state(bob, alice), ContactState::request_received);
  EXPECT_TRUE(contact(alice, bob, ContactAction::request)->empty());  // resend: no news
  EXPECT_EQ(contact(alice, bob, ContactAction::accept).error().code, Errc::invalid_argument);

  ASSERT_TRUE(contact(bob, alice, ContactAction::decline));
  EXPECT_TRUE(store_->contacts_of(alice)->empty());
  ASSERT_TRUE(contact(alice, bob, ContactAction::request));
  ASSERT_TRUE(contact(alice, bob, ContactAction::remove));  // withdrawn
  EXPECT_TRUE(store_->contacts_of(bob)->empty());
  ASSERT_TRUE(contact(alice, bob, ContactAction::request));
  auto crossed = contact(bob, alice, ContactAction::request);  // asking back accepts
  ASSERT_TRUE(crossed);
  EXPECT_EQ(crossed->front().contact_state, ContactState::accepted);
  EXPECT_EQ(state(alice, bob), ContactState::accepted);
  EXPECT_EQ(contact(alice, bob, ContactAction::request).error().code, Errc::invalid_argument);
  EXPECT_EQ(*store_->presence_watchers(alice), std::vector<UserId>{bob});
  ASSERT_TRUE(store_->set_last_seen(bob, 4242));
  EXPECT_EQ(store_->contacts_of(alice)->front().last_seen, 4242);
  ASSERT_TRUE(contact(bob, alice, ContactAction::remove));
  EXPECT_TRUE(store_->presence_watchers(alice)->empty());

  ASSERT_TRUE(contact(bob, alice, ContactAction::request));
  ASSERT_TRUE(contact(alice, bob, ContactAction::accept));
  EXPECT_EQ(state(bob, alice), ContactState::accepted);
}

TEST_P(GroupConformance, BlockHidesTheBlocker) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  UserId carol = user("carol");
  ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;
  ASSERT_TRUE(store_->contact_action(alice, bob, ContactAction::request, 1));

  auto blocked = store_->contact_action(bob, alice, ContactAction::block, 2);
  ASSERT_TRUE(blocked) << blocked.error().message;
  ASSERT_EQ(blocked->size(), 2u);  // alice had a row: she sees it vanish
  EXPECT_EQ((*blocked)[0].contact_state, ContactState::blocked);
  EXPECT_EQ((*blocked)[1].user_id, alice);
  EXPECT_EQ((*blocked)[1].contact_state, ContactState::none);
  EXPECT_TRUE(store_->contacts_of(alice)->empty());
  ASSERT_EQ(store_->contacts_of(bob)->size(), 1u);
  EXPECT_EQ(store_->contacts_of(bob)->front().state, ContactState::blocked);
  EXPECT_TRUE(*store_->is_blocked(bob, alice));
  EXPECT_FALSE(*store_->is_blocked(alice, bob));
  // Blocking someone without a contact row is not announced to them.
  EXPECT_EQ(store_->contact_action(bob, carol, ContactAction::block, 3)->size(), 1u);

  EXPECT_EQ(append_one(text(ab, alice, "a1")).error().code, Errc::user_not_found);
  EXPECT_TRUE(append_one(text(ab, bob, "b1")));  // the blocker may still write
  EXPECT_EQ(store_->contact_action(alice, bob, ContactAction::request, 4).error().code,
            Errc::user_not_found);
  EXPECT_EQ(
      store_->create_group(NewGroup{.creator = alice, .title = "G", .members = {bob}}).error().code,
      Errc::user_not_found);
  EXPECT_TRUE(store_->create_group(NewGroup{.creator = bob, .title = "G", .members = {alice}}));

  ASSERT_TRUE(store_->contact_action(bob, alice, ContactAction::unblock, 5));
  EXPECT_EQ(store_->contact_action(bob, alice, ContactAction::unblock, 5).error().code,
            Errc::invalid_argument);
  EXPECT_TRUE(append_one(text(ab, alice, "a2")));
}

INSTANTIATE_TEST_SUITE_P(Backends, GroupConformance, ::testing::ValuesIn(conformance_backends()),
                         backend_name);

}  // namespace
}  // namespace parley::store
