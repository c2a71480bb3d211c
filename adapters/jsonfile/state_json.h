// The canonical JSON form of a Mandant's state (DESIGN.md §4): the `creditor`, `debtors`,
// `items`, `payments`, the histories `notices` and `charges`, and the payment `plans`. Amounts
// are strings with a '.' decimal point, dates YYYY-MM-DD. Every error names the source and the
// JSON path of the field.
#pragma once

#include <string>
#include <string_view>

#include "connector/core/model.h"
#include "connector/core/result.h"

namespace mahnwerk::jsonfile {

// Parses a state document. `source` names it in errors ("STATE.json").
// Checks each record on its own (types, dates, amounts, currencies, duplicate ids; a plan's
// total against its parts and its installments, ascending installment dates, the creditor's
// IBAN check digits); references between records (an item's debtor, a plan's items) are
// checked by the engines that use them.
core::Result<core::State> parse_state(std::string_view json, std::string_view source);

// read_file + parse_state.
core::Result<core::State> load_state(const std::string& path);

}  // namespace mahnwerk::jsonfile
