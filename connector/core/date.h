// Calendar dates as std::chrono::year_month_day, with the few operations the law needs:
// strict ISO parsing, day arithmetic, adding years or months the BGB way (§ 188 III: a day
// that does not exist in the target month becomes that month's last day).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "connector/core/result.h"

namespace mahnwerk::core {

using Date = std::chrono::year_month_day;

// Strict "YYYY-MM-DD" with a real calendar day (2023-02-29 is invalid input).
Result<Date> parse_date(std::string_view text);
std::string format_date(const Date& date);
// "31.12.2025": the form German letters and DATEV use.
std::string format_date_german(const Date& date);

constexpr Date make_date(int y, unsigned m, unsigned d) {
  return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

namespace date_tables {
// Conversions between dates and day numbers by table lookup for 1970 .. 2169 (the engines
// convert several times per item; the arithmetic of <chrono> costs a few dozen instructions
// each time). Other dates take the <chrono> path; results are the same either way.
inline constexpr int kFirstYear = 1970;
inline constexpr int kYears = 200;
inline constexpr int kDays = 73049;  // 1970-01-01 .. 2169-12-31
struct PackedDate {
  std::int16_t year;
  std::uint8_t month;
  std::uint8_t day;
};
struct MonthStarts {
  std::int32_t values[kYears * 12];  // day number of each month's 1st
};
struct Dates {
  PackedDate values[kDays];  // the date of each day number
};
extern const MonthStarts kMonthStart;
extern const Dates kDates;
}  // namespace date_tables

// Days since 1970-01-01; cheap integer arithmetic for hot paths.
inline int day_number(const Date& date) {
  const auto year = static_cast<unsigned>(static_cast<int>(date.year()) - date_tables::kFirstYear);
  const unsigned month = static_cast<unsigned>(date.month()) - 1;
  if (year < static_cast<unsigned>(date_tables::kYears) && month < 12) {
    return date_tables::kMonthStart.values[year * 12 + month] +
           static_cast<int>(static_cast<unsigned>(date.day())) - 1;
  }
  return static_cast<int>(std::chrono::sys_days(date).time_since_epoch().count());
}
inline Date from_day_number(int n) {
  if (static_cast<unsigned>(n) < static_cast<unsigned>(date_tables::kDays)) {
    const date_tables::PackedDate p = date_tables::kDates.values[n];
    return Date{std::chrono::year{p.year}, std::chrono::month{p.month}, std::chrono::day{p.day}};
  }
  return Date{std::chrono::sys_days{std::chrono::days{n}}};
}

inline Date add_days(const Date& date, int days) { return from_day_number(day_number(date) + days); }
// to - from in days (negative when `to` is earlier).
inline int days_between(const Date& from, const Date& to) { return day_number(to) - day_number(from); }

inline int year_of(const Date& date) { return static_cast<int>(date.year()); }
inline unsigned month_of(const Date& date) { return static_cast<unsigned>(date.month()); }
inline unsigned day_of(const Date& date) { return static_cast<unsigned>(date.day()); }

// Monday = 1 ... Sunday = 7 (ISO 8601).
inline unsigned iso_weekday(const Date& date) {
  return std::chrono::weekday(std::chrono::sys_days(date)).iso_encoding();
}
inline bool is_weekend(const Date& date) { return iso_weekday(date) >= 6; }

// Adds months; a missing day (31 April, 29 February) becomes the last day of that month.
Date add_months(const Date& date, int months);
inline Date add_years(const Date& date, int years) { return add_months(date, 12 * years); }

inline Date end_of_year(int year) { return make_date(year, 12, 31); }

}  // namespace mahnwerk::core
