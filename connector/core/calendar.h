// German public holidays (nationwide and per Bundesland, 1990–2100), business days and the
// § 193 BGB shift: a deadline or performance date on a Saturday, Sunday or public holiday
// moves to the next business day.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <string_view>
#include <vector>

#include "connector/core/date.h"
#include "connector/core/result.h"

namespace mahnwerk::core {

// kNational = only the holidays every Land keeps; the others are the 16 Länder (ISO 3166-2:DE).
enum class Region : std::uint8_t {
  kNational,
  kBW,
  kBY,
  kBE,
  kBB,
  kHB,
  kHH,
  kHE,
  kMV,
  kNI,
  kNW,
  kRP,
  kSL,
  kSN,
  kST,
  kSH,
  kTH,
};
inline constexpr int kRegionCount = 17;

// Accepts "DE", "DE-BY", "BY" (case-insensitive). Anything else is invalid input.
Result<Region> parse_region(std::string_view code);
// "DE" or "DE-BY".
std::string_view region_code(Region region);

inline constexpr int kFirstHolidayYear = 1990;
inline constexpr int kLastHolidayYear = 2100;

struct Holiday {
  Date date;
  std::string_view name;  // German name, e.g. "Karfreitag"
};

// Easter Sunday of the Gregorian calendar (any year 1583–4099).
Date easter_sunday(int year);

// The public holidays of `region` in `year`, sorted by date. Years outside 1990–2100 give an
// empty list (callers that need them treat such dates as ordinary days and say so).
std::vector<Holiday> public_holidays(int year, Region region);

// Precomputed lookups for one region over 1990–2100: O(1) per query, no allocation.
class HolidayCalendar {
 public:
  explicit HolidayCalendar(Region region = Region::kNational);

  Region region() const { return region_; }
  bool is_holiday(const Date& date) const;
  // Monday to Friday and not a public holiday.
  bool is_business_day(const Date& date) const;
  // `date` itself when it is a business day, else the next one.
  Date next_business_day_on_or_after(const Date& date) const;
  // § 193 BGB: identical to next_business_day_on_or_after; named for the law it applies.
  Date shift_193(const Date& date) const { return next_business_day_on_or_after(date); }
  // The same on day numbers (core::day_number), for hot paths that count in days.
  int shift_193_day(int day) const;
  // `date` plus n business days (n >= 0).
  Date add_business_days(const Date& date, int n) const;

 private:
  Region region_;
  // Bit i set: day (first day of 1990 + i) is a public holiday in this region.
  std::vector<bool> holiday_bits_;
  // Entry i: days from day (first day of 1990 + i) to the next business day on or after it
  // (§ 193 shifts in the hot paths of the claim engine: one lookup instead of a loop).
  std::vector<std::uint8_t> to_business_day_;
  int first_day_ = 0;
};

}  // namespace mahnwerk::core
