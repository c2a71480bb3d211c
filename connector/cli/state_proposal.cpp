// propose_state_file(): the shared per-debtor proposal with DATEV's reading of the settings text.
#include "connector/cli/state_proposal.h"

#include <iostream>

#include "adapters/datev/debitoren.h"

namespace mahnwerk::cli {

core::Result<core::Proposal> propose_state_file(const jsonfile::StateDocument& document,
                                                const core::Policy& policy, const core::Date& as_of,
                                                const core::BasiszinsTable& table,
                                                const core::HolidayCalendar& calendar,
                                                sync::ProposeOptions options) {
  auto proposed = sync::propose_with_debtor_settings(document.state, policy, document.debtor_settings,
                                                     datev::debtor_policy, as_of, table, calendar, options);
  if (!proposed) return proposed.error();
  for (const std::string& w : proposed->warnings) std::cerr << "mahnwerk: warning: " << w << "\n";
  return std::move(proposed.value().proposal);
}

}  // namespace mahnwerk::cli
