// Message commands: send, tail, history, and what changes a message (react, delete, edit).
#include <chrono>
#include <memory>

#include "tools/cli/cli.h"

namespace parley::cli {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Args {
  std::string user;
  std::vector<std::string> words;
  std::int64_t group_id = 0;
  int count = 0;
  double tail_timeout_s = 0;
  std::uint32_t limit = 50;
  std::int64_t before = 0;
  std::int64_t conv = 0;
  std::int64_t seq = 0;
  std::string emoji;
  bool remove_reaction = false;
  bool everyone = false;
};

int run_send(Args& a, Session& s) {
  if (a.group_id == 0 && a.words.size() < 2) {
    report("INVALID_ARGUMENT", "send USER TEXT... or send --group ID TEXT...");
    return kExitUsage;
  }
  if (a.group_id == 0) {
    a.user = a.words.front();
    a.words.erase(a.words.begin());
  }
  const std::string text = join(a.words);
  auto resumed = s.resume();
  if (resumed && resumed->code != v1::UNAVAILABLE) return report(*resumed);
  auto ack = a.group_id != 0 ? s.client().send_to_conversation(a.group_id, text)
                             : s.client().send_to_user(a.user, text);
  if (!ack) {
    if (resumed)
      return report(v1::ErrorCode_Name(resumed->code),
                    resumed->message + " (the message stays in the outbox)");
    return report(ack.error());
  }
  print(ack_json(*ack));
  s.settle_outbox();
  return 0;
}

int run_tail(const Args& a, Session& s) {
  if (auto e = s.resume()) return report(*e);
  const auto deadline = a.tail_timeout_s > 0
                            ? Clock::now() + std::chrono::milliseconds(
                                                 static_cast<std::int64_t>(a.tail_timeout_s * 1000))
                            : Clock::time_point::max();
  int printed = 0;
  while (a.count == 0 || printed < a.count) {
    const auto now = Clock::now();
    if (now >= deadline) break;
    // Messages and events wait in two queues: take whatever is there, else wait briefly.
    if (auto e = s.client().next_event(0ms)) {
      print(event_json(*e));
      ++printed;
      continue;
    }
    const auto wait =
        deadline == Clock::time_point::max()
            ? std::chrono::milliseconds(50)
            : std::min<std::chrono::milliseconds>(
                  50ms,
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) + 1ms);
    if (auto m = s.client().next_message(wait)) {
      auto line = message_json(*m);
      line["event"] = "message";
      print(line);
      ++printed;
    }
  }
  return 0;
}

int run_history(const Args& a, Session& s) {
  if ((a.group_id == 0) == a.user.empty()) {
    report("INVALID_ARGUMENT", "history USER or history --group ID");
    return kExitUsage;
  }
  if (auto e = s.resume()) return report(*e);
  std::int64_t id = a.group_id;
  if (id == 0) {
    auto conversation = s.client().open_direct(a.user);
    if (!conversation) return report(conversation.error());
    id = conversation->id;
  }
  auto page = s.client().history(id, a.before, a.limit);
  if (!page) return report(page.error());
  for (const auto& m : page->messages) print(message_json(m));
  s.settle_outbox();
  return 0;
}

}  // namespace

void add_messaging_commands(CLI::App& app, Commands& out) {
  auto a = std::make_shared<Args>();

  auto* send =
      app.add_subcommand("send", "send a message: send USER TEXT... | send --group ID TEXT...");
  send->add_option("--group", a->group_id, "a conversation id (group or direct) instead of a user")
      ->check(CLI::PositiveNumber);
  send->add_option("text", a->words, "USER then the words of the message (joined with spaces)")
      ->required();
  out.push_back(
      {.app = send, .run = [a](Session& s) { return run_send(*a, s); }, .resume_first = false});

  auto* tail =
      app.add_subcommand("tail", "print incoming messages and events, one JSON object per line");
  tail->add_option("--count", a->count, "exit after this many lines (0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  tail->add_option("--timeout", a->tail_timeout_s, "exit after this many seconds (0 = never)")
      ->check(CLI::NonNegativeNumber);
  out.push_back({.app = tail,
                 .run = [a](Session& s) { return run_tail(*a, s); },
                 .resume_first = false,
                 .auto_reconnect = true});

  auto* history = app.add_subcommand(
      "history", "print a conversation, oldest first: history USER | history --group ID");
  history->add_option("user", a->user);
  history->add_option("--group", a->group_id, "a conversation id instead of a user")
      ->check(CLI::PositiveNumber);
  history->add_option("--limit", a->limit, "at most this many messages (1..200)")
      ->check(CLI::Range(1, 200));
  history->add_option("--before", a->before, "only messages below this seq (0 = up to the newest)")
      ->check(CLI::NonNegativeNumber);
  out.push_back({.app = history,
                 .run = [a](Session& s) { return run_history(*a, s); },
                 .resume_first = false});

  // CONV is a conversation id (see `chats`).
  auto* react = app.add_subcommand("react", "react CONV SEQ [EMOJI] [--remove] (default emoji 👍)");
  react->add_option("conversation", a->conv)->required();
  react->add_option("seq", a->seq)->required();
  react->add_option("emoji", a->emoji);
  react->add_flag("--remove", a->remove_reaction, "take the reaction back");
  out.push_back({.app = react, .run = [a](Session& s) {
                   return s.done(s.client().react(a->conv, a->seq, a->emoji, a->remove_reaction),
                                 [](const client::SendResult& ack) { print(ack_json(ack)); });
                 }});

  auto* del = app.add_subcommand("delete", "delete CONV SEQ [--everyone]: for me, or for everyone");
  del->add_option("conversation", a->conv)->required();
  del->add_option("seq", a->seq)->required();
  del->add_flag("--everyone", a->everyone, "delete for every member (own messages only)");
  out.push_back(
      {.app = del, .run = [a](Session& s) {
         return s.done(
             s.client().delete_message(a->conv, a->seq, a->everyone),
             [&](const std::optional<client::SendResult>& ack) {
               if (ack) {
                 print(ack_json(*ack));
               } else {
                 print(json::object{{"conversation", a->conv}, {"seq", a->seq}, {"hidden", true}});
               }
             });
       }});

  auto* edit =
      app.add_subcommand("edit", "edit CONV SEQ TEXT...: replace the text of your message");
  edit->add_option("conversation", a->conv)->required();
  edit->add_option("seq", a->seq)->required();
  edit->add_option("text", a->words)->required();
  out.push_back({.app = edit, .run = [a](Session& s) {
                   return s.done(s.client().edit(a->conv, a->seq, join(a->words)),
                                 [](const client::SendResult& ack) { print(ack_json(ack)); });
                 }});
}

}  // namespace parley::cli
