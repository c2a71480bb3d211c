// Writes a core::State as the canonical JSON of DESIGN.md §4 — the exact form parse_state()
// reads back (round trip). Streams to an ostream, so a million items never sit in one string.
#pragma once

#include <ostream>

#include "connector/core/model.h"

namespace mahnwerk::jsonfile {

// Optional members are written only when set; the output is deterministic (record order,
// member order fixed).
void write_state(std::ostream& out, const core::State& state);

}  // namespace mahnwerk::jsonfile
