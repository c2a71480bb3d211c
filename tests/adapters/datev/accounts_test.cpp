// Revenue account defaults (SKR03/SKR04), the tenant's overrides, and the documented data file.
#include "adapters/datev/accounts.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace mahnwerk::datev {
namespace {

TEST(Accounts, DefaultsPerChart) {
  EXPECT_EQ(default_revenue_accounts(Chart::kSkr03).fee, "2700");
  EXPECT_EQ(default_revenue_accounts(Chart::kSkr03).interest, "2650");
  EXPECT_EQ(default_revenue_accounts(Chart::kSkr04).fee, "4830");
  EXPECT_EQ(default_revenue_accounts(Chart::kSkr04).interest, "7100");
}

TEST(Accounts, ParsesChartNames) {
  for (const char* s : {"SKR03", "skr03", "03", "3"}) EXPECT_EQ(parse_chart(s).value(), Chart::kSkr03) << s;
  for (const char* s : {"SKR04", "04"}) EXPECT_EQ(parse_chart(s).value(), Chart::kSkr04) << s;
  auto bad = parse_chart("SKR49");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, core::ErrorKind::kBadConfig);
  EXPECT_EQ(skr_code(Chart::kSkr04), "04");
}

TEST(Accounts, TenantValuesWinAndEmptyTakesTheDefault) {
  auto a = revenue_accounts(Chart::kSkr04, "48300", "");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->fee, "48300");
  EXPECT_EQ(a->interest, "7100");
  auto bad = revenue_accounts(Chart::kSkr03, "27a0", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, core::ErrorKind::kBadConfig);
  EXPECT_EQ(bad.error().context, "accounts.fee_revenue");
  EXPECT_FALSE(revenue_accounts(Chart::kSkr03, "", "12").ok());
}

TEST(Accounts, DataFileEqualsTheBuiltInTable) {
  const char* dir = std::getenv("MAHNWERK_SOURCE_DIR");
  std::ifstream in(std::string(dir ? dir : ".") + "/config/accounts.json");
  ASSERT_TRUE(in) << "config/accounts.json";
  std::stringstream s;
  s << in.rdbuf();
  const std::string text = s.str();
  for (Chart chart : {Chart::kSkr03, Chart::kSkr04}) {
    const std::string name = "\"SKR" + std::string(skr_code(chart)) + "\"";
    const std::size_t at = text.find(name);
    ASSERT_NE(at, std::string::npos) << name;
    const std::string block = text.substr(at, text.find('}', at) - at);
    const RevenueAccounts d = default_revenue_accounts(chart);
    EXPECT_NE(block.find("\"fee_revenue\": \"" + d.fee + "\""), std::string::npos) << name;
    EXPECT_NE(block.find("\"interest_revenue\": \"" + d.interest + "\""), std::string::npos) << name;
  }
}

}  // namespace
}  // namespace mahnwerk::datev
