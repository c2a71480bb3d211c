// The Mahnvorschlag of a state file, as `propose`, `letters` and `datev writeback` compute it:
// each debtor with its own dunning settings (a debtor's "dunning_settings" in the state JSON)
// under its own policy, exactly as the sync job proposes (sync::propose_with_debtor_settings).
#pragma once

#include "adapters/jsonfile/state_json.h"
#include "connector/core/basiszins.h"
#include "connector/core/calendar.h"
#include "connector/core/policy.h"
#include "connector/core/proposal.h"
#include "connector/core/result.h"
#include "connector/sync/debtor_policies.h"

namespace mahnwerk::cli {

// The settings text is DATEV's (datev::settings_text(), written by `datev import`; the only
// source whose debtors carry their own settings), read with datev::debtor_policy(). A debtor
// whose settings give no lawful policy gets no notice and a "mahnwerk: warning: debtor ..." line
// on stderr. Errors: those of core::propose.
core::Result<core::Proposal> propose_state_file(const jsonfile::StateDocument& document,
                                                const core::Policy& policy, const core::Date& as_of,
                                                const core::BasiszinsTable& table,
                                                const core::HolidayCalendar& calendar,
                                                sync::ProposeOptions options = {});

}  // namespace mahnwerk::cli
