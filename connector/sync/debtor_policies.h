// The Mahnvorschlag with every debtor under its own policy: the tenant's, or the tenant's with the
// debtor's own dunning settings applied (DATEV Debitoren: Mahngebühr, Verzugspauschale,
// Gebührenberechnung 9, Mahnfristen, ...). The sync job and the commands that read a state file
// (propose, letters, datev writeback) share it, so both paths dun a debtor alike.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "connector/core/basiszins.h"
#include "connector/core/calendar.h"
#include "connector/core/model.h"
#include "connector/core/policy.h"
#include "connector/core/proposal.h"
#include "connector/core/result.h"
#include "connector/sync/store.h"

namespace mahnwerk::sync {

// `base` with a debtor's settings text applied (Adapter::debtor_policy; for DATEV's text also
// datev::debtor_policy). kInvalidInput: a text it cannot read.
using DebtorPolicyFn =
    std::function<core::Result<core::Policy>(const core::Policy& base, std::string_view settings)>;

// How each run of the core is set up (core::ProposalEngine's switches).
struct ProposeOptions {
  bool charge_explanations = true;  // false: the caller renders them with core::explain()
  bool one_shot = false;            // free the claims' working memory early (a single run)
};

struct DebtorPolicyProposal {
  core::Proposal proposal;
  // One line per debtor whose settings give no lawful policy (it gets no notice): "debtor
  // 10500: its own dunning settings give no lawful policy, so no notice: <the rules broken>".
  std::vector<std::string> warnings;
};

// The proposal for `state` on `as_of` with each debtor of `settings` under
// debtor_policy(policy, its settings) after core::validate(), and every other debtor under
// `policy`. Settings of a debtor not in `state`, and empty texts, are ignored. Without settings: one run
// under `policy`, exactly core::propose(). Otherwise the core runs once for `policy` and once per distinct
// settings text; of each run the notices, skips and final actions of its own debtors are kept (ordered by
// debtor, skips by item). Notices keep the tenant's level names and channels: the settings change amounts,
// limits and days only, so a caller explains charges with `policy`. REQUIRES: validate(policy) is empty.
// Errors: those of core::propose (broken references).
core::Result<DebtorPolicyProposal> propose_with_debtor_settings(
    const core::State& state, const core::Policy& policy, std::span<const DebtorSettings> settings,
    const DebtorPolicyFn& debtor_policy, const core::Date& as_of, const core::BasiszinsTable& table,
    const core::HolidayCalendar& calendar, ProposeOptions options = {});

}  // namespace mahnwerk::sync
