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

// day_number and from_day_number read tables for 1970 .. 2169 and compute elsewhere: every day
// of the table, and days on both sides of it, agree with <chrono>'s own arithmetic.
TEST(Date, DayNumbersAgreeWithChronoInsideAndOutsideTheTables) {
  const int first = static_cast<int>(std::chrono::sys_days(make_date(1960, 1, 1)).time_since_epoch().count());
  const int last =
      static_cast<int>(std::chrono::sys_days(make_date(2180, 12, 31)).time_since_epoch().count());
  int mismatches = 0;
  for (int n = first; n <= last; ++n) {
    const Date expected{std::chrono::sys_days{std::chrono::days{n}}};
    mismatches += from_day_number(n) != expected;
    mismatches += day_number(expected) != n;
    mismatches += add_days(expected, 1) != Date{std::chrono::sys_days{std::chrono::days{n + 1}}};
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(day_number(make_date(1970, 1, 1)), 0);
  EXPECT_EQ(from_day_number(-1), make_date(1969, 12, 31));
  EXPECT_EQ(from_day_number(73048), make_date(2169, 12, 31));
  EXPECT_EQ(from_day_number(73049), make_date(2170, 1, 1));
  // A day past the month's end counts on, as in <chrono>.
  EXPECT_EQ(day_number(make_date(2023, 2, 30)), day_number(make_date(2023, 3, 2)));
  EXPECT_EQ(day_number(make_date(2300, 2, 30)), day_number(make_date(2300, 3, 2)));
}

}  // namespace
}  // namespace mahnwerk::core
