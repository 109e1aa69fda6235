// Store conformance: edits, deletions, reactions, delete-for-me, read positions, unread counts,
// the conversation list and the user log.
#include <string>
#include <vector>

#include "store_conformance/store_fixture.h"

namespace parley::store {
namespace {

TEST_P(ChatConformance, EditDeleteAndReactions) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;
  ASSERT_TRUE(append_one(text(ab, alice, "t1", "first")));  // seq 1

  EXPECT_EQ(error_of(change(ab, bob, "e0", MessageKind::edit, 1, "hacked")), Errc::forbidden);
  EXPECT_EQ(error_of(change(ab, alice, "e0", MessageKind::edit, 9, "x")), Errc::not_found);
  auto edit = append_one(change(ab, alice, "e1", MessageKind::edit, 1, "second"));
  ASSERT_TRUE(edit) << edit.error().message;
  EXPECT_EQ(edit->message.seq, 2);
  EXPECT_EQ(edit->message.target_seq, 1);
  EXPECT_EQ(edit->message.text, "second");
  EXPECT_TRUE(append_one(change(ab, alice, "e1", MessageKind::edit, 1, "again"))->duplicate);
  // An edit is not a text: it cannot itself be edited.
  EXPECT_EQ(error_of(change(ab, alice, "e2", MessageKind::edit, 2, "x")), Errc::not_found);

  ASSERT_TRUE(append_one(change(ab, bob, "r1", MessageKind::reaction, 1, "👍")));  // 3
  EXPECT_EQ(error_of(change(ab, bob, "r2", MessageKind::reaction, 1, "👍")), Errc::invalid_argument);
  EXPECT_EQ(error_of(change(ab, bob, "r3", MessageKind::reaction_removed, 1, "🎉")),
            Errc::invalid_argument);
  ASSERT_TRUE(append_one(change(ab, alice, "r4", MessageKind::reaction, 1, "🎉", 99999)));  // 4
  EXPECT_EQ(store_->conversation(ab)->last_activity_at, 6000);  // reactions do not count

  Message viewed = only(Viewer{bob, 0}, ab, 1);
  EXPECT_EQ(viewed.text, "second");
  EXPECT_EQ(viewed.edited_at, 6000);
  ASSERT_EQ(viewed.reactions.size(), 2u);
  EXPECT_EQ(viewed.reactions[0].username, "bob");
  EXPECT_EQ(viewed.reactions[0].emoji, "👍");
  EXPECT_EQ(viewed.reactions[1].user_id, alice);
  EXPECT_TRUE(only(Viewer{bob, 0}, ab, 3).reactions.empty());  // entries other than text carry none

  ASSERT_TRUE(append_one(change(ab, bob, "r5", MessageKind::reaction_removed, 1, "👍")));  // 5
  EXPECT_EQ(only(Viewer{bob, 0}, ab, 1).reactions.size(), 1u);

  EXPECT_EQ(error_of(change(ab, bob, "d0", MessageKind::deletion, 1)), Errc::forbidden);
  auto deletion = append_one(change(ab, alice, "d1", MessageKind::deletion, 1, "ignored"));
  ASSERT_TRUE(deletion);
  EXPECT_EQ(deletion->message.seq, 6);
  EXPECT_EQ(deletion->message.text, "");
  auto log = store_->view_after(Viewer{bob, 0}, ab, 0, 100);
  ASSERT_TRUE(log);
  ASSERT_EQ(log->size(), 6u);
  EXPECT_TRUE((*log)[0].deleted);
  EXPECT_EQ((*log)[0].text, "");
  EXPECT_TRUE((*log)[0].reactions.empty());
  EXPECT_EQ((*log)[1].kind, MessageKind::edit);
  EXPECT_EQ((*log)[1].text, "");  // the edit carried the text: erased too
  EXPECT_EQ((*log)[5].kind, MessageKind::deletion);
  EXPECT_EQ((*log)[5].target_seq, 1);
  EXPECT_EQ(error_of(change(ab, alice, "e9", MessageKind::edit, 1, "x")), Errc::not_found);
  EXPECT_EQ(error_of(change(ab, bob, "r9", MessageKind::reaction, 1, "👍")), Errc::not_found);
  EXPECT_EQ(error_of(change(ab, alice, "d9", MessageKind::deletion, 1)), Errc::not_found);
  EXPECT_EQ(store_->conversation(ab)->last_seq, 6);
}

TEST_P(ChatConformance, HiddenEntriesAndVisibility) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  UserId carol = user("carol");
  ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(append_one(text(ab, alice, "t" + std::to_string(i))));

  auto hidden = store_->hide_message(bob, ab, 2, 7000);
  ASSERT_TRUE(hidden && *hidden);
  EXPECT_EQ((*hidden)->kind, UserUpdateKind::hidden);
  EXPECT_EQ((*hidden)->seq, 2);
  auto again = store_->hide_message(bob, ab, 2, 7000);  // idempotent: no second log entry
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  EXPECT_EQ(store_->hide_message(bob, ab, 6, 1).error().code, Errc::not_found);
  EXPECT_EQ(store_->hide_message(carol, ab, 1, 1).error().code, Errc::not_found);

  Message for_bob = only(Viewer{bob, 0}, ab, 2);
  EXPECT_TRUE(for_bob.hidden);
  EXPECT_EQ(for_bob.text, "");
  EXPECT_FALSE(only(Viewer{alice, 0}, ab, 2).hidden);
  EXPECT_EQ(only(Viewer{alice, 0}, ab, 2).text, "hi");

  using V = std::vector<Seq>;
  EXPECT_EQ(seqs(*store_->view_after(Viewer{bob, 3}, ab, 0, 10)), (V{4, 5}));
  EXPECT_EQ(seqs(*store_->view_after(Viewer{bob, 3}, ab, 4, 10)), (V{5}));
  EXPECT_EQ(seqs(*store_->view_before(Viewer{bob, 3}, ab, 0, 10)), (V{4, 5}));
  EXPECT_EQ(seqs(*store_->view_before(Viewer{bob, 1}, ab, 5, 2)), (V{3, 4}));
  EXPECT_EQ(seqs(*store_->view_before(Viewer{bob, 3}, ab, 4, 10)), V{});
  auto tail = store_->view_before(Viewer{bob, 0}, ab, 0, 10);
  ASSERT_TRUE(tail);
  EXPECT_EQ(seqs(*tail), (V{1, 2, 3, 4, 5}));
  EXPECT_TRUE((*tail)[1].hidden);
}

TEST_P(ChatConformance, ReadPositionsAndUnread) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(append_one(text(ab, alice, "a" + std::to_string(i))));
  ASSERT_TRUE(append_one(text(ab, bob, "b1")));  // 4: bob has read what he answers
  for (int i = 4; i <= 7; ++i) ASSERT_TRUE(append_one(text(ab, alice, "a" + std::to_string(i))));

  auto list = store_->conversation_list(bob, 10);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].read_seq, 4);
  EXPECT_EQ((*list)[0].unread, 4);                                  // 5..8
  EXPECT_EQ((*store_->conversation_list(alice, 10))[0].unread, 0);  // own messages

  ASSERT_TRUE(append_one(change(ab, alice, "d", MessageKind::deletion, 8)));  // 9
  ASSERT_TRUE(store_->hide_message(bob, ab, 7, 1));
  ASSERT_TRUE(append_one(change(ab, alice, "r", MessageKind::reaction, 6, "x")));  // 10
  list = store_->conversation_list(bob, 10);
  EXPECT_EQ((*list)[0].unread, 2);  // 5, 6: 7 hidden, 8 deleted, 9/10 not content
  ASSERT_TRUE((*list)[0].last_message);
  EXPECT_EQ((*list)[0].last_message->seq, 6);

  auto read = store_->mark_read(bob, ab, 6, 8000);
  ASSERT_TRUE(read && *read);
  EXPECT_EQ((*read)->kind, UserUpdateKind::read);
  EXPECT_EQ((*read)->seq, 6);
  EXPECT_FALSE(*store_->mark_read(bob, ab, 2, 8000));  // never back: no change, no log entry
  EXPECT_FALSE(*store_->mark_read(bob, ab, 6, 8000));  // the same seq: no change either
  EXPECT_EQ(store_->mark_read(bob, ab, 11, 1).error().code, Errc::not_found);
  EXPECT_EQ(store_->mark_read(bob, ab, -1, 1).error().code, Errc::invalid_argument);
  EXPECT_EQ(store_->mark_read(bob, ab + 50, 1, 1).error().code, Errc::not_found);
  EXPECT_EQ((*store_->conversation_list(bob, 10))[0].unread, 0);
  auto conversation = store_->conversation(ab);
  ASSERT_TRUE(conversation);
  EXPECT_EQ(conversation->members[1].read_seq, 6);
}

TEST_P(ChatConformance, ConversationListOrderTitlesAndSettings) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  UserId carol = user("carol");
  ConversationId ab = store_->find_or_create_direct(alice, bob, 100)->id;
  ConversationId ac = store_->find_or_create_direct(alice, carol, 200)->id;
  auto group = store_->create_group(
      NewGroup{.creator = bob, .title = "Team", .members = {alice, carol}, .now = 300});
  ASSERT_TRUE(group) << group.error().message;
  const ConversationId g = group->conversation.id;

  auto list = store_->conversation_list(alice, 2);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 3u);
  EXPECT_EQ((*list)[0].conversation.id, g);
  EXPECT_EQ((*list)[0].title, "Team");
  EXPECT_EQ((*list)[0].role, MemberRole::member);
  EXPECT_FALSE((*list)[0].last_message);                 // the system entry is no preview
  EXPECT_TRUE((*list)[0].conversation.members.empty());  // 3 members > limit 2
  EXPECT_EQ((*list)[1].conversation.id, ac);
  EXPECT_EQ((*list)[1].title, "carol");
  EXPECT_EQ((*list)[1].conversation.members.size(), 2u);
  EXPECT_EQ((*list)[2].title, "bob");

  auto sent = append_one(text(ab, bob, "x", "latest"));
  ASSERT_TRUE(sent);
  auto muted = store_->set_muted(alice, ab, true, 1);
  ASSERT_TRUE(muted && *muted);
  EXPECT_TRUE((*muted)->flag);
  EXPECT_FALSE(*store_->set_muted(alice, ab, true, 2));  // already muted
  auto nick = store_->set_nickname(alice, ab, "Bobby", 1);
  ASSERT_TRUE(nick && *nick);
  EXPECT_EQ((*nick)->text, "Bobby");
  EXPECT_FALSE(*store_->set_nickname(alice, ab, "Bobby", 2));
  EXPECT_EQ(store_->set_muted(alice, ab + 99, true, 1).error().code, Errc::not_found);
  list = store_->conversation_list(alice, 10);
  EXPECT_EQ((*list)[0].conversation.id, ab);
  EXPECT_TRUE((*list)[0].muted);
  EXPECT_EQ((*list)[0].nickname, "Bobby");
  EXPECT_EQ((*list)[0].last_message->text, "latest");
  EXPECT_EQ((*list)[0].unread, 1);
  EXPECT_EQ((*list)[1].conversation.members.size(), 3u);
}

TEST_P(ChatConformance, UserLogIsGapFreePerUser) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;
  ASSERT_TRUE(append_one(text(ab, alice, "t")));
  EXPECT_EQ(*store_->last_user_seq(alice), 0);
  ASSERT_TRUE(store_->mark_read(bob, ab, 1, 10));
  ASSERT_TRUE(store_->set_muted(alice, ab, true, 11));
  ASSERT_TRUE(store_->contact_action(alice, bob, ContactAction::request, 12));
  ASSERT_TRUE(store_->set_nickname(alice, ab, "n", 13));
  ASSERT_TRUE(store_->hide_message(alice, ab, 1, 14));
  EXPECT_FALSE(store_->mark_read(alice, ab, 5, 15));  // a failure writes nothing

  auto log = store_->user_updates_after(alice, 0, 100);
  ASSERT_TRUE(log);
  ASSERT_EQ(log->size(), 4u);
  for (std::size_t i = 0; i < log->size(); ++i) {
    EXPECT_EQ((*log)[i].user_seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ((*log)[i].user_id, alice);
  }
  EXPECT_EQ((*log)[0].kind, UserUpdateKind::muted);
  EXPECT_EQ((*log)[1].kind, UserUpdateKind::contact);
  EXPECT_EQ((*log)[1].peer, "bob");
  EXPECT_EQ((*log)[1].contact_state, ContactState::request_sent);
  EXPECT_EQ((*log)[3].seq, 1);
  EXPECT_EQ((*log)[3].at, 14);
  EXPECT_EQ(*store_->last_user_seq(alice), 4);
  EXPECT_EQ(store_->user_updates_after(alice, 2, 1)->front().user_seq, 3);
  auto bobs = store_->user_updates_after(bob, 0, 100);
  ASSERT_EQ(bobs->size(), 2u);
  EXPECT_EQ((*bobs)[1].user_seq, 2);
  EXPECT_EQ((*bobs)[1].contact_state, ContactState::request_received);
}

INSTANTIATE_TEST_SUITE_P(Backends, ChatConformance, ::testing::ValuesIn(conformance_backends()),
                         backend_name);

}  // namespace
}  // namespace parley::store
