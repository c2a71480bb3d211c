// Date parsing and month arithmetic.
#include "connector/core/date.h"

#include <cstdio>

namespace mahnwerk::core {
namespace date_tables {
namespace {

constexpr bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }
constexpr unsigned days_in_month(int year, unsigned month) {
  constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

constexpr MonthStarts month_starts() {
  MonthStarts t{};
  std::int32_t day = 0;
  for (int y = 0; y < kYears; ++y) {
    for (unsigned m = 1; m <= 12; ++m) {
      t.values[y * 12 + static_cast<int>(m) - 1] = day;
      day += static_cast<std::int32_t>(days_in_month(kFirstYear + y, m));
    }
  }
  return t;
}

constexpr Dates dates() {
  Dates t{};
  int n = 0;
  for (int y = 0; y < kYears; ++y) {
    for (unsigned m = 1; m <= 12; ++m) {
      for (unsigned d = 1; d <= days_in_month(kFirstYear + y, m); ++d) {
        t.values[n++] = PackedDate{static_cast<std::int16_t>(kFirstYear + y), static_cast<std::uint8_t>(m),
                                   static_cast<std::uint8_t>(d)};
      }
    }
  }
  return t;
}

}  // namespace

// Computed at compile time.
constinit const MonthStarts kMonthStart = month_starts();
constinit const Dates kDates = dates();
static_assert(month_starts().values[kYears * 12 - 1] + 31 == kDays, "kDays covers the table's years");

}  // namespace date_tables

Result<Date> parse_date(std::string_view text) {
  auto fail = [&] {
    return invalid_input("not a date: \"" + std::string(text) + "\" (expected YYYY-MM-DD)");
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return fail();
  int parts[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8};
  const std::size_t lengths[3] = {4, 2, 2};
  for (int p = 0; p < 3; ++p) {
    for (std::size_t i = 0; i < lengths[p]; ++i) {
      const char c = text[starts[p] + i];
      if (c < '0' || c > '9') return fail();
      parts[p] = parts[p] * 10 + (c - '0');
    }
  }
  const Date date = make_date(parts[0], static_cast<unsigned>(parts[1]), static_cast<unsigned>(parts[2]));
  if (!date.ok()) return fail();
  return date;
}

std::string format_date(const Date& date) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", year_of(date), month_of(date), day_of(date));
  return buf;
}

std::string format_date_german(const Date& date) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02u.%02u.%04d", day_of(date), month_of(date), year_of(date));
  return buf;
}

Date add_months(const Date& date, int months) {
  const std::chrono::year_month ym =
      std::chrono::year_month(date.year(), date.month()) + std::chrono::months{months};
  const std::chrono::day last =
      std::chrono::year_month_day_last(ym.year(), std::chrono::month_day_last(ym.month())).day();
  return Date{ym.year(), ym.month(), date.day() > last ? last : date.day()};
}

}  // namespace mahnwerk::core
