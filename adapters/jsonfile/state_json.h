// The canonical JSON form of a Mandant's state (DESIGN.md §4): the `creditor`, `debtors`,
// `items`, `payments`, the histories `notices` and `charges`, and the payment `plans`. Amounts
// are strings with a '.' decimal point, dates YYYY-MM-DD. Every error names the source and the
// JSON path of the field.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "connector/core/model.h"
#include "connector/core/result.h"
#include "connector/sync/store.h"

namespace mahnwerk::jsonfile {

// A state file with what it keeps beside core::State: the debtors' own dunning settings, a
// debtor's `"dunning_settings"` (the source's text, as the sync job's store keeps it:
// sync::DebtorSettings, DATEV's settings_text() such as "fee=own;fee2=0.50 EUR"). They are read
// here as text only; sync::propose_with_debtor_settings() applies them.
struct StateDocument {
  core::State state;
  std::vector<sync::DebtorSettings> debtor_settings;  // in the order of the debtors
};

// Parses a state document. `source` names it in errors ("STATE.json").
// Checks each record on its own (types, dates, amounts, currencies, duplicate ids; a plan's
// total against its parts and its installments, ascending installment dates, the creditor's
// IBAN check digits); references between records (an item's debtor, a plan's items) are
// checked by the engines that use them.
core::Result<core::State> parse_state(std::string_view json, std::string_view source);

// read_file + parse_state.
core::Result<core::State> load_state(const std::string& path);

// parse_state and load_state with the debtors' dunning settings. `"dunning_settings"` must be a
// string; an empty one is the same as none.
core::Result<StateDocument> parse_state_document(std::string_view json, std::string_view source);
core::Result<StateDocument> load_state_document(const std::string& path);

}  // namespace mahnwerk::jsonfile
