// Core's contacts family: contact requests, blocks and presence. Reached as Core::contacts();
// implemented in contacts.cc.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/bus.h"
#include "core/core.h"
#include "core/store.h"

namespace parley {

class Core::Contacts final : public PresenceListener {
 public:
  explicit Contacts(Core& core);

  // Thread contract for the public methods: those of Core (call on a shard thread; `done` runs
  // on that shard, possibly before the call returns).
  void contact(const SessionIdentity& who, std::string username, ContactAction action,
               Callback<void> done);
  void list_contacts(const SessionIdentity& who, Callback<std::vector<Contact>> done);
  // PresenceListener (home shard of the user): a device came online / the last went offline.
  void first_device_online(UserId user, const std::string& username) override;
  void last_device_offline(UserId user) override;

 private:
  // Stores the action (origin shard; `key`: the peer's username key) and tells both sides.
  void apply(const SessionIdentity& who, std::string key, ContactAction action,
             Callback<void> done);
  void schedule_flush(UserId user);
  void flush(UserId user);  // home shard, after the coalescing window
  // Home shard: tells the user's accepted contacts, then flushes again if asked meanwhile.
  void announce(UserId user, const std::string& username, bool online, TimeMs last_seen);
  void announced(UserId user);  // home shard, once the announcement is handed to deliver
  Core& core_;
};

}  // namespace parley
