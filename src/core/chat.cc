// Chat family, entries that change earlier messages: edit, delete for everyone, reactions.
// They ride the same group commit and seq order as messages (messaging.cc). The family's other
// concerns: chat_user_state.cc, chat_lists.cc, typing.cc, groups.cc.
#include "core/core_internal.h"
#include "core/password.h"

namespace parley {
namespace {

constexpr std::string_view kDefaultReaction = "\xF0\x9F\x91\x8D";  // 👍

}  // namespace

Core::Chat::Chat(Core& core) : core_(core) {}

void Core::Chat::append_entry(const SessionIdentity& who, EntryCommand command,
                              Callback<SendAck> done) {
  const CoreConfig& config = core_.config_;
  if (command.conversation_id <= 0 || command.target_seq <= 0) {
    return done(fail(Errc::invalid_argument, "conversation_id and seq are required"));
  }
  switch (command.kind) {
    case MessageKind::edit:
      if (command.text.empty()) return done(fail(Errc::invalid_argument, "empty text"));
      if (command.text.size() > config.max_message_bytes) {
        return done(fail(Errc::message_too_large,
                         "text over " + std::to_string(config.max_message_bytes) + " bytes"));
      }
      if (!is_valid_utf8(command.text)) return done(fail(Errc::invalid_utf8, "text is not UTF-8"));
      break;
    case MessageKind::deletion:
      command.text.clear();
      break;
    case MessageKind::reaction:
    case MessageKind::reaction_removed:
      if (command.text.empty()) command.text = kDefaultReaction;
      if (auto ok = check_text(command.text, config.chat.max_emoji_bytes, "emoji"); !ok) {
        return done(std::unexpected(ok.error()));
      }
      break;
    default:
      return done(fail(Errc::invalid_argument, "not a changing entry"));
  }
  if (command.client_msg_id.size() > config.max_client_msg_id_bytes ||
      !is_valid_utf8(command.client_msg_id) || is_reserved_client_msg_id(command.client_msg_id)) {
    return done(fail(Errc::invalid_argument, "bad client_msg_id"));
  }
  // Without a client id the entry still needs a unique dedupe key; it just cannot be resent.
  if (command.client_msg_id.empty()) command.client_msg_id = "~" + new_device_token();
  AppendRequest request;
  request.conversation_id = command.conversation_id;
  request.sender_id = who.user_id;
  request.sender_device_id = who.device_id;
  request.client_msg_id = std::move(command.client_msg_id);
  request.kind = command.kind;
  request.text = std::move(command.text);
  request.target_seq = command.target_seq;
  core_.messaging_->append(who, std::move(request), std::move(done));
}

}  // namespace parley
