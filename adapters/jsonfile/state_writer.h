// Writes a core::State as the canonical JSON of DESIGN.md §4 — the exact form parse_state()
// reads back (round trip). Streams to an ostream, so a million items never sit in one string.
#pragma once

#include <ostream>
#include <span>

#include "connector/core/model.h"
#include "connector/sync/store.h"

namespace mahnwerk::jsonfile {

// Optional members are written only when set; the output is deterministic (record order,
// member order fixed). `debtor_settings` (StateDocument::debtor_settings) become the
// `"dunning_settings"` of their debtors; settings of a debtor not in `state` are not written.
void write_state(std::ostream& out, const core::State& state,
                 std::span<const sync::DebtorSettings> debtor_settings = {});

}  // namespace mahnwerk::jsonfile
