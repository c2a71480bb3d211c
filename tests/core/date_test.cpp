// Dates: strict ISO parsing and BGB month arithmetic.
#include "connector/core/date.h"

#include <gtest/gtest.h>

namespace mahnwerk::core {
namespace {

TEST(Date, ParsesStrictIso) {
  auto d = parse_date("2024-02-29");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, make_date(2024, 2, 29));
  for (std::string_view bad :
       {"2023-02-29", "2024-13-01", "2024-1-01", "24-01-01", "2024/01/01", "", "2024-01-32", "abcd-ef-gh"}) {
    EXPECT_FALSE(parse_date(bad).ok()) << bad;
  }
}

TEST(Date, FormatsIsoAndGerman) {
  EXPECT_EQ(format_date(make_date(2025, 7, 1)), "2025-07-01");
  EXPECT_EQ(format_date_german(make_date(2025, 7, 1)), "01.07.2025");
}

TEST(Date, AddsMonthsClampingToMonthEnd) {
  EXPECT_EQ(add_months(make_date(2024, 1, 31), 1), make_date(2024, 2, 29));
  EXPECT_EQ(add_months(make_date(2023, 1, 31), 1), make_date(2023, 2, 28));
  EXPECT_EQ(add_months(make_date(2024, 11, 30), 3), make_date(2025, 2, 28));
  EXPECT_EQ(add_years(make_date(2024, 2, 29), 3), make_date(2027, 2, 28));
  EXPECT_EQ(add_months(make_date(2024, 3, 15), -3), make_date(2023, 12, 15));
}

TEST(Date, CountsDaysAndWeekdays) {
  EXPECT_EQ(days_between(make_date(2024, 1, 1), make_date(2025, 1, 1)), 366);
  EXPECT_EQ(add_days(make_date(2024, 12, 31), 1), make_date(2025, 1, 1));
  EXPECT_EQ(iso_weekday(make_date(2025, 11, 23)), 7u);  // a Sunday
  EXPECT_TRUE(is_weekend(make_date(2025, 11, 22)));
  EXPECT_FALSE(is_weekend(make_date(2025, 11, 24)));
  EXPECT_EQ(from_day_number(day_number(make_date(2001, 9, 9))), make_date(2001, 9, 9));
}

}  // namespace
}  // namespace mahnwerk::core
