// German public holidays from one data table (rule, Länder, years of validity), the Easter
// computus they hang on, and the per-region day bitmap behind business days and § 193 BGB.
#include "connector/core/calendar.h"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <string>

namespace mahnwerk::core {
namespace {

// One bit per Region value; kNational is a region of its own so that "nationwide" rows can
// carry it and Land-only rows cannot.
using RegionMask = std::uint32_t;

constexpr RegionMask bit(Region region) { return RegionMask{1} << static_cast<unsigned>(region); }

template <typename... Regions>
constexpr RegionMask in(Regions... regions) {
  return (RegionMask{0} | ... | bit(regions));
}

// kNational and all 16 Länder.
constexpr RegionMask kEverywhere = (RegionMask{1} << kRegionCount) - 1;

enum class DateRule : std::uint8_t { kFixed, kEasterOffset, kWednesdayBefore23November };

struct When {
  DateRule rule = DateRule::kFixed;
  unsigned month = 0;
  unsigned day = 0;
  int easter_offset = 0;
};

constexpr When fixed(unsigned month, unsigned day) { return {DateRule::kFixed, month, day, 0}; }
constexpr When easter(int offset) { return {DateRule::kEasterOffset, 0, 0, offset}; }
constexpr When kWednesdayBefore23Nov{DateRule::kWednesdayBefore23November, 0, 0, 0};

struct HolidayRule {
  std::string_view name;
  When when;
  int first_year;  // inclusive
  int last_year;   // inclusive
  RegionMask regions;
};

using enum Region;

constexpr RegionMask kNewLaender = in(kBB, kMV, kSN, kST, kTH);
constexpr RegionMask kOldLaenderAndBerlin = in(kBW, kBY, kBE, kHB, kHH, kHE, kNI, kNW, kRP, kSL, kSH);

// The Länder's holiday laws as data. Before 3 October 1990 the table uses today's Länder; the
// GDR's own 1990 holiday list is not modelled separately. Holidays kept only in a small part
// of a Land are left out: the Augsburger Friedensfest (8 August, city of Augsburg) and
// Fronleichnam in some Catholic communes of Sachsen (Sorbian area) and Thüringen (Eichsfeld).
// Years after today follow today's law.
// clang-format off
constexpr HolidayRule kHolidayRules[] = {
  // name                       date            from  until where
  {"Neujahr",                   fixed(1, 1),    1990, 2100, kEverywhere},
  {"Heilige Drei Könige",       fixed(1, 6),    1990, 2100, in(kBW, kBY)},
  // Sachsen-Anhalt's Feiertagsgesetz of 1992 added it; 6 January 1993 was the first one.
  {"Heilige Drei Könige",       fixed(1, 6),    1993, 2100, in(kST)},
  {"Internationaler Frauentag", fixed(3, 8),    2019, 2100, in(kBE)},
  {"Internationaler Frauentag", fixed(3, 8),    2023, 2100, in(kMV)},
  {"Karfreitag",                easter(-2),     1990, 2100, kEverywhere},
  // Brandenburg names Easter and Whit Sunday in its law; elsewhere they are "just" Sundays.
  {"Ostersonntag",              easter(0),      1990, 2100, in(kBB)},
  {"Ostermontag",               easter(1),      1990, 2100, kEverywhere},
  {"Tag der Arbeit",            fixed(5, 1),    1990, 2100, kEverywhere},
  // One-off anniversaries of the end of the war in Europe (75th and 80th).
  {"Tag der Befreiung",         fixed(5, 8),    2020, 2020, in(kBE)},
  {"Tag der Befreiung",         fixed(5, 8),    2025, 2025, in(kBE)},
  {"Christi Himmelfahrt",       easter(39),     1990, 2100, kEverywhere},
  {"Pfingstsonntag",            easter(49),     1990, 2100, in(kBB)},
  {"Pfingstmontag",             easter(50),     1990, 2100, kEverywhere},
  {"Fronleichnam",              easter(60),     1990, 2100, in(kBW, kBY, kHE, kNW, kRP, kSL)},
  // West Germany's day of unity until the Einigungsvertrag moved it to 3 October; its last
  // one, a Sunday, fell before unification, so only the old Länder and (West) Berlin had it.
  {"Tag der deutschen Einheit (17. Juni)", fixed(6, 17), 1990, 1990, kOldLaenderAndBerlin},
  // In Bayern only in communes with a predominantly Catholic population, which are most of
  // them; we count it for the whole Land. That errs on the debtor's side: a deadline may move
  // one day later than needed, never one day too early.
  {"Mariä Himmelfahrt",         fixed(8, 15),   1990, 2100, in(kBY, kSL)},
  {"Weltkindertag",             fixed(9, 20),   2019, 2100, in(kTH)},
  {"Tag der Deutschen Einheit", fixed(10, 3),   1990, 2100, kEverywhere},
  // The new Länder have kept it since their founding on 3 October 1990; the whole country had
  // it once for the 500th anniversary of the Reformation; four northern Länder since 2018.
  {"Reformationstag",           fixed(10, 31),  1990, 2100, kNewLaender},
  {"Reformationstag",           fixed(10, 31),  2017, 2017, kEverywhere},
  {"Reformationstag",           fixed(10, 31),  2018, 2100, in(kHB, kHH, kNI, kSH)},
  {"Allerheiligen",             fixed(11, 1),   1990, 2100, in(kBW, kBY, kNW, kRP, kSL)},
  // Abolished from 1995 everywhere but Sachsen to fund the Pflegeversicherung.
  {"Buß- und Bettag",           kWednesdayBefore23Nov, 1990, 1994, kEverywhere},
  {"Buß- und Bettag",           kWednesdayBefore23Nov, 1995, 2100, in(kSN)},
  {"1. Weihnachtstag",          fixed(12, 25),  1990, 2100, kEverywhere},
  {"2. Weihnachtstag",          fixed(12, 26),  1990, 2100, kEverywhere},
};

// Indexed by Region's value.
constexpr std::string_view kRegionCodes[kRegionCount] = {
  "DE",    "DE-BW", "DE-BY", "DE-BE", "DE-BB", "DE-HB", "DE-HH", "DE-HE", "DE-MV",
  "DE-NI", "DE-NW", "DE-RP", "DE-SL", "DE-SN", "DE-ST", "DE-SH", "DE-TH",
};
// clang-format on

constexpr std::string_view kCountryPrefix = "DE-";

Date wednesday_before_23_november(int year) {
  const Date nov22 = make_date(year, 11, 22);
  // ISO Wednesday is 3; step back 0..6 days to reach it.
  const int back = (static_cast<int>(iso_weekday(nov22)) - 3 + 7) % 7;
  return add_days(nov22, -back);
}

Date date_in_year(const When& when, int year, const Date& easter_date) {
  switch (when.rule) {
    case DateRule::kFixed:
      return make_date(year, when.month, when.day);
    case DateRule::kEasterOffset:
      return add_days(easter_date, when.easter_offset);
    case DateRule::kWednesdayBefore23November:
      return wednesday_before_23_november(year);
  }
  assert(false && "unhandled DateRule");
  return make_date(year, 1, 1);
}

// Calls emit(date, name) for every rule that applies to `region` in `year`, in table order.
// Allocates nothing, so the calendar's constructor can share it with public_holidays.
template <typename Emit>
void for_each_holiday(int year, Region region, Emit&& emit) {
  if (year < kFirstHolidayYear || year > kLastHolidayYear) return;
  const Date easter_date = easter_sunday(year);
  for (const HolidayRule& rule : kHolidayRules) {
    if (year < rule.first_year || year > rule.last_year) continue;
    if ((rule.regions & bit(region)) == 0) continue;
    emit(date_in_year(rule.when, year, easter_date), rule.name);
  }
}

char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return ascii_upper(x) == ascii_upper(y); });
}

}  // namespace

Result<Region> parse_region(std::string_view code) {
  for (int i = 0; i < kRegionCount; ++i) {
    const std::string_view full = kRegionCodes[i];
    const bool is_land = full.starts_with(kCountryPrefix);
    if (equals_ignoring_case(code, full) ||
        (is_land && equals_ignoring_case(code, full.substr(kCountryPrefix.size())))) {
      return static_cast<Region>(i);
    }
  }
  return invalid_input("unknown region \"" + std::string(code) +
                       "\" (expected DE for nationwide holidays, or a Bundesland as BY or DE-BY)");
}

std::string_view region_code(Region region) {
  const auto index = static_cast<std::size_t>(region);
  assert(index < static_cast<std::size_t>(kRegionCount));
  return kRegionCodes[index];
}

// Anonymous Gregorian algorithm (Meeus/Jones/Butcher).
Date easter_sunday(int year) {
  const int a = year % 19;  // position in the 19-year Metonic cycle
  const int b = year / 100;
  const int c = year % 100;
  const int d = b / 4;
  const int e = b % 4;
  const int f = (b + 8) / 25;
  const int g = (b - f + 1) / 3;
  const int h = (19 * a + b - d - g + 15) % 30;  // days from 21 March to the Paschal full moon
  const int i = c / 4;
  const int k = c % 4;
  const int l = (32 + 2 * e + 2 * i - h - k) % 7;  // days from the full moon to Sunday
  const int m = (a + 11 * h + 22 * l) / 451;
  const int month = (h + l - 7 * m + 114) / 31;
  const int day = (h + l - 7 * m + 114) % 31 + 1;
  return make_date(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
}

std::vector<Holiday> public_holidays(int year, Region region) {
  std::vector<Holiday> holidays;
  for_each_holiday(year, region, [&](const Date& date, std::string_view name) {
    holidays.push_back(Holiday{date, name});
  });
  // Two holidays on one day are both listed (1 May 2008 was also Christi Himmelfahrt), in name
  // order; a rule that overlaps another with the same name (Reformationstag 2017) counts once.
  std::sort(holidays.begin(), holidays.end(), [](const Holiday& x, const Holiday& y) {
    return x.date != y.date ? x.date < y.date : x.name < y.name;
  });
  const auto duplicates =
      std::unique(holidays.begin(), holidays.end(),
                  [](const Holiday& x, const Holiday& y) { return x.date == y.date && x.name == y.name; });
  holidays.erase(duplicates, holidays.end());
  return holidays;
}

HolidayCalendar::HolidayCalendar(Region region)
    : region_(region), first_day_(day_number(make_date(kFirstHolidayYear, 1, 1))) {
  const int end_day = day_number(make_date(kLastHolidayYear + 1, 1, 1));
  holiday_bits_.assign(static_cast<std::size_t>(end_day - first_day_), false);
  for (int year = kFirstHolidayYear; year <= kLastHolidayYear; ++year) {
    for_each_holiday(year, region_, [&](const Date& date, std::string_view /*name*/) {
      holiday_bits_[static_cast<std::size_t>(day_number(date) - first_day_)] = true;
    });
  }
  // Backwards from the last day: a business day is 0 days from one, any other day one more
  // than the day after it (the last day counts by itself, into the days past the table).
  to_business_day_.assign(holiday_bits_.size(), 0);
  for (std::size_t i = holiday_bits_.size(); i-- > 0;) {
    const int day = first_day_ + static_cast<int>(i);
    if (is_business_day(from_day_number(day))) continue;
    int offset = 1;
    if (i + 1 < holiday_bits_.size()) {
      offset += to_business_day_[i + 1];
    } else {
      while (!is_business_day(from_day_number(day + offset))) ++offset;
    }
    to_business_day_[i] = static_cast<std::uint8_t>(offset);
  }
}

bool HolidayCalendar::is_holiday(const Date& date) const {
  const int index = day_number(date) - first_day_;
  if (index < 0 || static_cast<std::size_t>(index) >= holiday_bits_.size()) return false;
  return holiday_bits_[static_cast<std::size_t>(index)];
}

bool HolidayCalendar::is_business_day(const Date& date) const {
  return !is_weekend(date) && !is_holiday(date);
}

int HolidayCalendar::shift_193_day(int day) const {
  const int index = day - first_day_;
  if (index >= 0 && static_cast<std::size_t>(index) < to_business_day_.size()) {
    return day + to_business_day_[static_cast<std::size_t>(index)];
  }
  return day_number(next_business_day_on_or_after(from_day_number(day)));
}

Date HolidayCalendar::next_business_day_on_or_after(const Date& date) const {
  // Within the table one lookup. Outside, on day numbers: one calendar conversion each way
  // instead of several per day tried. Day 0 (1970-01-01) was a Thursday. Terminates quickly:
  // no run of weekend days and holidays is longer than four days.
  const int first = day_number(date);
  const int table_index = first - first_day_;
  if (table_index >= 0 && static_cast<std::size_t>(table_index) < to_business_day_.size()) {
    const int offset = to_business_day_[static_cast<std::size_t>(table_index)];
    return offset == 0 ? date : from_day_number(first + offset);
  }
  int day = first;
  while (true) {
    const int iso_weekday = ((day % 7 + 7) % 7 + 3) % 7 + 1;
    if (iso_weekday < 6) {
      const int index = day - first_day_;
      if (index < 0 || static_cast<std::size_t>(index) >= holiday_bits_.size() ||
          !holiday_bits_[static_cast<std::size_t>(index)]) {
        break;
      }
    }
    ++day;
  }
  return day == first ? date : from_day_number(day);
}

Date HolidayCalendar::add_business_days(const Date& date, int n) const {
  assert(n >= 0);
  Date day = date;
  for (int left = n; left > 0;) {
    day = add_days(day, 1);
    if (is_business_day(day)) --left;
  }
  return day;
}

}  // namespace mahnwerk::core
