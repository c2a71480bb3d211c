// Revenue accounts for the write-back of Mahngebühren and Verzugszinsen: the SKR03 and SKR04
// defaults (sources in docs/datev-writing.md and config/accounts.json) and the tenant's choice.
#pragma once

#include <string>
#include <string_view>

#include "connector/core/result.h"

namespace mahnwerk::datev {

enum class Chart { kSkr03, kSkr04 };

// Where a fee or interest is booked (Gegenkonto of the posting on the debitor).
struct RevenueAccounts {
  std::string fee;       // Mahngebühren and the Verzugspauschale (§ 288 V BGB)
  std::string interest;  // Verzugszinsen (§ 288 BGB)
};

// SKR03: fee 2700 "Sonstige Erträge", interest 2650 "Sonstige Zinsen und ähnliche Erträge".
// SKR04: fee 4830 "Sonstige betriebliche Erträge", interest 7100 "Sonstige Zinsen und
// ähnliche Erträge". Both are compensation for damage, outside VAT (UStAE 1.3 Abs. 6), so the
// accounts carry no automatic tax.
RevenueAccounts default_revenue_accounts(Chart chart);

// "SKR03" / "03" / "skr03" -> kSkr03, likewise SKR04; anything else kBadConfig.
core::Result<Chart> parse_chart(std::string_view text);
std::string_view skr_code(Chart chart);  // "03" | "04", as the EXTF header writes it

// The tenant's accounts: each configured value (digits, 4..9) wins over the chart's default;
// an empty value takes the default. A malformed value is kBadConfig naming `fee_revenue` or
// `interest_revenue`.
core::Result<RevenueAccounts> revenue_accounts(Chart chart, std::string_view fee_revenue,
                                               std::string_view interest_revenue);

}  // namespace mahnwerk::datev
