// The one place core's Errc becomes a native wire ErrorCode.
#pragma once

#include "common/errors.h"
#include "parley_proto/parley.pb.h"

namespace parley::native {

v1::ErrorCode to_wire(Errc code);

}  // namespace parley::native
