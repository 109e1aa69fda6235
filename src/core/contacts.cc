// Contacts family: requests, acceptance, removal and blocking (stored, and recorded in both
// users' logs), and presence: online while any device is, announced to accepted contacts after
// a short coalescing window so a flapping connection does not flood them.
#include "core/core_internal.h"
#include "core/username.h"

namespace parley {

Core::Contacts::Contacts(Core& core) : core_(core) {}

void Core::Contacts::contact(const SessionIdentity& who, std::string username, ContactAction action,
                             Callback<void> done) {
  auto key = username_key(username);
  if (!key) return done(fail(Errc::user_not_found, "no such user"));
  if (action != ContactAction::request) return apply(who, *std::move(key), action, std::move(done));
  // Requests are counted on shard 0 before anything is stored: at most a few per peer and window,
  // so a request/remove cycle cannot spam anyone.
  const ShardId origin = core_.local().id;
  const TimeMs now = core_.executor_.now();
  core_.executor_.post(
      0, [this, who, origin, now, key = *std::move(key), done = std::move(done)]() mutable {
        AbuseGuard& guard = *core_.abuse_guard_;
        const std::string sender = std::to_string(who.user_id);
        const std::string pair = sender + ":" + key;
        const TimeMs wait = std::max(guard.contact_requests_by_pair.retry_after(pair, now),
                                     guard.contact_requests_by_user.retry_after(sender, now));
        const bool limited = wait > 0;
        if (!limited) {
          guard.contact_requests_by_pair.add(pair, now);
          guard.contact_requests_by_user.add(sender, now);
        }
        core_.executor_.post(origin, [this, who, limited, wait, key = std::move(key),
                                      done = std::move(done)]() mutable {
          if (limited) {
            return done(
                fail(Errc::rate_limited, "too many contact requests; try later", retry_hint(wait)));
          }
          apply(who, std::move(key), ContactAction::request, std::move(done));
        });
      });
}

void Core::Contacts::apply(const SessionIdentity& who, std::string key, ContactAction action,
                           Callback<void> done) {
  const TimeMs now = core_.executor_.now();
  core_.on_writer<std::vector<UserUpdate>>(
      [this, me = who.user_id, key = std::move(key), action,
       now]() -> Result<std::vector<UserUpdate>> {
        auto peer = core_.store_.user_by_username(key);
        if (!peer) {
          if (peer.error().code == Errc::not_found)
            return fail(Errc::user_not_found, "no such user");
          return std::unexpected(peer.error());
        }
        return core_.store_.contact_action(me, peer->id, action, now);
      },
      [this, who, done = std::move(done)](Result<std::vector<UserUpdate>> updates) mutable {
        if (!updates) return done(std::unexpected(updates.error()));
        core_.deliver_updates(*updates);
        // A new or ended contact changes who sees whose presence: tell both sides the truth now.
        for (const UserUpdate& u : *updates) {
          if (u.user_id != who.user_id) continue;
          if (u.contact_state != ContactState::accepted) continue;
          // Only "online" is news here: an offline new contact is shown by the contact list,
          // with its last seen time.
          if (core_.bus_.is_online(u.peer_id)) {
            core_.deliver({who.user_id},
                          std::make_shared<const Event>(PresenceEvent{u.peer_id, u.peer, true, 0}),
                          SessionHandle{});
          }
          if (core_.bus_.is_online(who.user_id)) {
            core_.deliver(
                {u.peer_id},
                std::make_shared<const Event>(PresenceEvent{who.user_id, who.username, true, 0}),
                SessionHandle{});
          }
        }
        done({});
      });
}

void Core::Contacts::list_contacts(const SessionIdentity& who,
                                   Callback<std::vector<Contact>> done) {
  core_.blocking<std::vector<Contact>>(
      [this, user = who.user_id]() -> Result<std::vector<Contact>> {
        auto contacts = core_.store_.contacts_of(user);
        if (!contacts) return contacts;
        for (Contact& c : *contacts) {
          // Presence is for accepted contacts only; a blocked or pending user learns nothing.
          c.online = c.state == ContactState::accepted && core_.bus_.is_online(c.user_id);
          if (c.state != ContactState::accepted) c.last_seen = 0;
        }
        return contacts;
      },
      std::move(done));
}

void Core::Contacts::first_device_online(UserId user, const std::string& username) {
  PresenceState& state = core_.local().presence[user];
  state.username = username;
  state.devices_online = true;
  schedule_flush(user);
}

void Core::Contacts::last_device_offline(UserId user) {
  PresenceState& state = core_.local().presence[user];
  state.devices_online = false;
  schedule_flush(user);
}

void Core::Contacts::schedule_flush(UserId user) {
  PresenceState& state = core_.local().presence[user];
  if (state.flush_scheduled) return;
  state.flush_scheduled = true;
  core_.executor_.post_after(core_.home_shard(user), core_.config_.chat.presence_coalesce_ms,
                             [this, user] { flush(user); });
}

void Core::Contacts::flush(UserId user) {
  ShardState& home = core_.local();
  auto it = home.presence.find(user);
  if (it == home.presence.end()) return;
  PresenceState& state = it->second;
  state.flush_scheduled = false;
  if (state.announcing) {
    state.flush_again = true;  // decided once the announcement in flight has gone out
    return;
  }
  const bool online = state.devices_online;
  if (online == state.announced_online) {
    // Came back (or went) within the window: nothing to tell anyone.
    if (!online) home.presence.erase(it);
    return;
  }
  state.announced_online = online;
  state.announcing = true;
  core_.bus_.set_announced(user, online);
  const TimeMs now = core_.executor_.now();
  const std::string username = state.username;
  if (online) return announce(user, username, true, 0);
  // Stored before it is announced: a contact who reacts by listing contacts sees the time.
  core_.on_writer<void>(
      [this, user, now] { return core_.store_.set_last_seen(user, now); },
      [this, user, username, now](Result<void>) { announce(user, username, false, now); });
}

void Core::Contacts::announce(UserId user, const std::string& username, bool online,
                              TimeMs last_seen) {
  auto event = std::make_shared<const Event>(PresenceEvent{user, username, online, last_seen});
  core_.blocking<std::vector<UserId>>([this, user] { return core_.store_.presence_watchers(user); },
                                      [this, user, event](Result<std::vector<UserId>> watchers) {
                                        // Back on the home shard: deliveries posted from one thread
                                        // keep their order.
                                        if (watchers)
                                          core_.deliver(std::move(*watchers), event,
                                                        SessionHandle{});
                                        announced(user);
                                      });
}

void Core::Contacts::announced(UserId user) {
  ShardState& home = core_.local();
  auto it = home.presence.find(user);
  if (it == home.presence.end()) return;
  PresenceState& state = it->second;
  state.announcing = false;
  if (state.flush_again) {
    state.flush_again = false;
    return flush(user);
  }
  if (!state.announced_online && !state.flush_scheduled && !state.devices_online) {
    home.presence.erase(it);
  }
}

}  // namespace parley
