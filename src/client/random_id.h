// Random client-chosen ids (client_msg_id): 128 bits as 32 hex characters.
#pragma once

#include <string>

namespace parley::client {

std::string random_id();

}  // namespace parley::client
