// Account defaults as data: one row per chart of accounts.
#include "adapters/datev/accounts.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace mahnwerk::datev {
namespace {

struct ChartRow {
  Chart chart;
  std::string_view names[3];
  std::string_view code;
  std::string_view fee;
  std::string_view interest;
};

constexpr std::array<ChartRow, 2> kCharts = {{
    {Chart::kSkr03, {"SKR03", "03", "3"}, "03", "2700", "2650"},
    {Chart::kSkr04, {"SKR04", "04", "4"}, "04", "4830", "7100"},
}};

const ChartRow& row_of(Chart chart) {
  return *std::find_if(kCharts.begin(), kCharts.end(), [&](const ChartRow& r) { return r.chart == chart; });
}

core::Result<std::string> account_or_default(std::string_view value, std::string_view fallback,
                                             std::string_view field) {
  if (value.empty()) return std::string(fallback);
  const bool digits = std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || value.size() < 4 || value.size() > 9) {
    return core::Error{core::ErrorKind::kBadConfig,
                       "an account number is 4 to 9 digits, got \"" + std::string(value) + "\"",
                       "accounts." + std::string(field)};
  }
  return std::string(value);
}

}  // namespace

RevenueAccounts default_revenue_accounts(Chart chart) {
  const ChartRow& r = row_of(chart);
  return {std::string(r.fee), std::string(r.interest)};
}

core::Result<Chart> parse_chart(std::string_view text) {
  std::string upper(text);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  for (const ChartRow& r : kCharts) {
    if (std::find(std::begin(r.names), std::end(r.names), upper) != std::end(r.names)) return r.chart;
  }
  return core::Error{core::ErrorKind::kBadConfig,
                     "chart of accounts must be SKR03 or SKR04, got \"" + std::string(text) + "\"", "skr"};
}

std::string_view skr_code(Chart chart) { return row_of(chart).code; }

core::Result<RevenueAccounts> revenue_accounts(Chart chart, std::string_view fee_revenue,
                                               std::string_view interest_revenue) {
  const RevenueAccounts defaults = default_revenue_accounts(chart);
  RevenueAccounts out;
  MW_ASSIGN_OR_RETURN(out.fee, account_or_default(fee_revenue, defaults.fee, "fee_revenue"));
  MW_ASSIGN_OR_RETURN(out.interest,
                      account_or_default(interest_revenue, defaults.interest, "interest_revenue"));
  return out;
}

}  // namespace mahnwerk::datev
