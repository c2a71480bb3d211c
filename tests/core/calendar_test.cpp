// Calendar: Easter computus, German public holidays per Land and their history 1990–2100,
// business days, the § 193 BGB shift and region codes.
#include "connector/core/calendar.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace mahnwerk::core {
namespace {

using enum Region;

constexpr Region kAllRegions[] = {kNational, kBW, kBY, kBE, kBB, kHB, kHH, kHE, kMV,
                                  kNI,       kNW, kRP, kSL, kSN, kST, kSH, kTH};

std::string describe(const Date& date, Region region) {
  return format_date(date) + " in " + std::string(region_code(region));
}

TEST(Calendar, ComputesGregorianEasterSunday) {
  // Checked against a published Easter table; 1818 and 2285 are the earliest possible date,
  // 2038 the latest.
  const Date cases[] = {
      make_date(1818, 3, 22), make_date(1990, 4, 15), make_date(2000, 4, 23), make_date(2008, 3, 23),
      make_date(2011, 4, 24), make_date(2017, 4, 16), make_date(2019, 4, 21), make_date(2024, 3, 31),
      make_date(2025, 4, 20), make_date(2038, 4, 25), make_date(2100, 3, 28), make_date(2285, 3, 22),
  };
  for (const Date& expected : cases) {
    EXPECT_EQ(easter_sunday(year_of(expected)), expected) << format_date(expected);
  }
}

struct HolidayListCase {
  int year;
  Region region;
  std::vector<std::pair<Date, std::string_view>> expected;
};

TEST(Calendar, ListsEveryHolidayOfAYearAndRegionInDateOrder) {
  const HolidayListCase cases[] = {
      {2025,
       kBY,
       {{make_date(2025, 1, 1), "Neujahr"},
        {make_date(2025, 1, 6), "Heilige Drei Könige"},
        {make_date(2025, 4, 18), "Karfreitag"},
        {make_date(2025, 4, 21), "Ostermontag"},
        {make_date(2025, 5, 1), "Tag der Arbeit"},
        {make_date(2025, 5, 29), "Christi Himmelfahrt"},
        {make_date(2025, 6, 9), "Pfingstmontag"},
        {make_date(2025, 6, 19), "Fronleichnam"},
        {make_date(2025, 8, 15), "Mariä Himmelfahrt"},
        {make_date(2025, 10, 3), "Tag der Deutschen Einheit"},
        {make_date(2025, 11, 1), "Allerheiligen"},
        {make_date(2025, 12, 25), "1. Weihnachtstag"},
        {make_date(2025, 12, 26), "2. Weihnachtstag"}}},
      {2025,
       kBE,
       {{make_date(2025, 1, 1), "Neujahr"},
        {make_date(2025, 3, 8), "Internationaler Frauentag"},
        {make_date(2025, 4, 18), "Karfreitag"},
        {make_date(2025, 4, 21), "Ostermontag"},
        {make_date(2025, 5, 1), "Tag der Arbeit"},
        {make_date(2025, 5, 8), "Tag der Befreiung"},
        {make_date(2025, 5, 29), "Christi Himmelfahrt"},
        {make_date(2025, 6, 9), "Pfingstmontag"},
        {make_date(2025, 10, 3), "Tag der Deutschen Einheit"},
        {make_date(2025, 12, 25), "1. Weihnachtstag"},
        {make_date(2025, 12, 26), "2. Weihnachtstag"}}},
      {2025,
       kBB,
       {{make_date(2025, 1, 1), "Neujahr"},
        {make_date(2025, 4, 18), "Karfreitag"},
        {make_date(2025, 4, 20), "Ostersonntag"},
        {make_date(2025, 4, 21), "Ostermontag"},
        {make_date(2025, 5, 1), "Tag der Arbeit"},
        {make_date(2025, 5, 29), "Christi Himmelfahrt"},
        {make_date(2025, 6, 8), "Pfingstsonntag"},
        {make_date(2025, 6, 9), "Pfingstmontag"},
        {make_date(2025, 10, 3), "Tag der Deutschen Einheit"},
        {make_date(2025, 10, 31), "Reformationstag"},
        {make_date(2025, 12, 25), "1. Weihnachtstag"},
        {make_date(2025, 12, 26), "2. Weihnachtstag"}}},
      {2017,
       kNational,
       {{make_date(2017, 1, 1), "Neujahr"},
        {make_date(2017, 4, 14), "Karfreitag"},
        {make_date(2017, 4, 17), "Ostermontag"},
        {make_date(2017, 5, 1), "Tag der Arbeit"},
        {make_date(2017, 5, 25), "Christi Himmelfahrt"},
        {make_date(2017, 6, 5), "Pfingstmontag"},
        {make_date(2017, 10, 3), "Tag der Deutschen Einheit"},
        {make_date(2017, 10, 31), "Reformationstag"},
        {make_date(2017, 12, 25), "1. Weihnachtstag"},
        {make_date(2017, 12, 26), "2. Weihnachtstag"}}},
      // Reformationstag is both a Sachsen and a 2017-nationwide rule: listed once.
      {2017,
       kSN,
       {{make_date(2017, 1, 1), "Neujahr"},
        {make_date(2017, 4, 14), "Karfreitag"},
        {make_date(2017, 4, 17), "Ostermontag"},
        {make_date(2017, 5, 1), "Tag der Arbeit"},
        {make_date(2017, 5, 25), "Christi Himmelfahrt"},
        {make_date(2017, 6, 5), "Pfingstmontag"},
        {make_date(2017, 10, 3), "Tag der Deutschen Einheit"},
        {make_date(2017, 10, 31), "Reformationstag"},
        {make_date(2017, 11, 22), "Buß- und Bettag"},
        {make_date(2017, 12, 25), "1. Weihnachtstag"},
        {make_date(2017, 12, 26), "2. Weihnachtstag"}}},
      {2024,
       kSN,
       {{make_date(2024, 1, 1), "Neujahr"},
        {make_date(2024, 3, 29), "Karfreitag"},
        {make_date(2024, 4, 1), "Ostermontag"},
        {make_date(2024, 5, 1), "Tag der Arbeit"},
        {make_date(2024, 5, 9), "Christi Himmelfahrt"},
        {make_date(2024, 5, 20), "Pfingstmontag"},
        {make_date(2024, 10, 3), "Tag der Deutschen Einheit"},
        {make_date(2024, 10, 31), "Reformationstag"},
        {make_date(2024, 11, 20), "Buß- und Bettag"},
        {make_date(2024, 12, 25), "1. Weihnachtstag"},
        {make_date(2024, 12, 26), "2. Weihnachtstag"}}},
      // Christi Himmelfahrt fell on 1 May: both holidays are listed, in name order.
      {2008,
       kNational,
       {{make_date(2008, 1, 1), "Neujahr"},
        {make_date(2008, 3, 21), "Karfreitag"},
        {make_date(2008, 3, 24), "Ostermontag"},
        {make_date(2008, 5, 1), "Christi Himmelfahrt"},
        {make_date(2008, 5, 1), "Tag der Arbeit"},
        {make_date(2008, 5, 12), "Pfingstmontag"},
        {make_date(2008, 10, 3), "Tag der Deutschen Einheit"},
        {make_date(2008, 12, 25), "1. Weihnachtstag"},
        {make_date(2008, 12, 26), "2. Weihnachtstag"}}},
      // The first year: West Germany's 17 June still counted, Buß- und Bettag everywhere.
      {1990,
       kBY,
       {{make_date(1990, 1, 1), "Neujahr"},
        {make_date(1990, 1, 6), "Heilige Drei Könige"},
        {make_date(1990, 4, 13), "Karfreitag"},
        {make_date(1990, 4, 16), "Ostermontag"},
        {make_date(1990, 5, 1), "Tag der Arbeit"},
        {make_date(1990, 5, 24), "Christi Himmelfahrt"},
        {make_date(1990, 6, 4), "Pfingstmontag"},
        {make_date(1990, 6, 14), "Fronleichnam"},
        {make_date(1990, 6, 17), "Tag der deutschen Einheit (17. Juni)"},
        {make_date(1990, 8, 15), "Mariä Himmelfahrt"},
        {make_date(1990, 10, 3), "Tag der Deutschen Einheit"},
        {make_date(1990, 11, 1), "Allerheiligen"},
        {make_date(1990, 11, 21), "Buß- und Bettag"},
        {make_date(1990, 12, 25), "1. Weihnachtstag"},
        {make_date(1990, 12, 26), "2. Weihnachtstag"}}},
      // The last year.
      {2100,
       kTH,
       {{make_date(2100, 1, 1), "Neujahr"},
        {make_date(2100, 3, 26), "Karfreitag"},
        {make_date(2100, 3, 29), "Ostermontag"},
        {make_date(2100, 5, 1), "Tag der Arbeit"},
        {make_date(2100, 5, 6), "Christi Himmelfahrt"},
        {make_date(2100, 5, 17), "Pfingstmontag"},
        {make_date(2100, 9, 20), "Weltkindertag"},
        {make_date(2100, 10, 3), "Tag der Deutschen Einheit"},
        {make_date(2100, 10, 31), "Reformationstag"},
        {make_date(2100, 12, 25), "1. Weihnachtstag"},
        {make_date(2100, 12, 26), "2. Weihnachtstag"}}},
  };
  for (const auto& c : cases) {
    std::vector<std::string> actual;
    for (const Holiday& h : public_holidays(c.year, c.region)) {
      actual.push_back(format_date(h.date) + " " + std::string(h.name));
    }
    std::vector<std::string> expected;
    for (const auto& [date, name] : c.expected) {
      expected.push_back(format_date(date) + " " + std::string(name));
    }
    EXPECT_EQ(actual, expected) << c.year << " " << region_code(c.region);
  }
}

TEST(Calendar, ListsNothingOutsideTheSupportedYears) {
  for (const int year : {1989, 2101}) {
    for (const Region region : kAllRegions) {
      EXPECT_TRUE(public_holidays(year, region).empty()) << year << " " << region_code(region);
    }
  }
}

struct DayCase {
  Date date;
  Region region;
  bool holiday;
};

TEST(Calendar, FollowsHolidayHistoryAtItsBoundaryYears) {
  const DayCase cases[] = {
      // Tag der Deutschen Einheit from 1990; before 1990 nothing is known.
      {make_date(1990, 10, 3), kNational, true},
      {make_date(1989, 10, 3), kNational, false},
      // 17 June: the old Länder's last one in 1990, never in the new Länder.
      {make_date(1990, 6, 17), kNW, true},
      {make_date(1990, 6, 17), kSN, false},
      {make_date(1990, 6, 17), kNational, false},
      {make_date(1991, 6, 17), kNW, false},
      // Buß- und Bettag: everywhere until 1994, then only Sachsen.
      {make_date(1994, 11, 16), kNational, true},
      {make_date(1994, 11, 16), kBY, true},
      {make_date(1995, 11, 22), kNational, false},
      {make_date(1995, 11, 22), kBY, false},
      {make_date(1995, 11, 22), kSN, true},
      // Reformationstag: new Länder from 1990, everyone in 2017, four northern Länder from 2018.
      {make_date(1990, 10, 31), kBB, true},
      {make_date(1990, 10, 31), kMV, true},
      {make_date(1990, 10, 31), kSN, true},
      {make_date(1990, 10, 31), kST, true},
      {make_date(1990, 10, 31), kTH, true},
      {make_date(1990, 10, 31), kBY, false},
      {make_date(2016, 10, 31), kHB, false},
      {make_date(2016, 10, 31), kNational, false},
      {make_date(2017, 10, 31), kNational, true},
      {make_date(2017, 10, 31), kBY, true},
      {make_date(2017, 10, 31), kNW, true},
      {make_date(2017, 10, 31), kBE, true},
      {make_date(2018, 10, 31), kNational, false},
      {make_date(2018, 10, 31), kBY, false},
      {make_date(2018, 10, 31), kNW, false},
      {make_date(2018, 10, 31), kHB, true},
      {make_date(2018, 10, 31), kHH, true},
      {make_date(2018, 10, 31), kNI, true},
      {make_date(2018, 10, 31), kSH, true},
      // Internationaler Frauentag: Berlin from 2019, Mecklenburg-Vorpommern from 2023.
      {make_date(2018, 3, 8), kBE, false},
      {make_date(2019, 3, 8), kBE, true},
      {make_date(2022, 3, 8), kMV, false},
      {make_date(2023, 3, 8), kMV, true},
      {make_date(2023, 3, 8), kNational, false},
      // Weltkindertag: Thüringen from 2019.
      {make_date(2018, 9, 20), kTH, false},
      {make_date(2019, 9, 20), kTH, true},
      {make_date(2019, 9, 20), kSN, false},
      // Tag der Befreiung: Berlin in 2020 and 2025 only.
      {make_date(2019, 5, 8), kBE, false},
      {make_date(2020, 5, 8), kBE, true},
      {make_date(2021, 5, 8), kBE, false},
      {make_date(2025, 5, 8), kBE, true},
      {make_date(2025, 5, 8), kBB, false},
      {make_date(2026, 5, 8), kBE, false},
      // Heilige Drei Könige: BW and BY throughout, Sachsen-Anhalt from 1993.
      {make_date(1990, 1, 6), kBY, true},
      {make_date(1990, 1, 6), kBW, true},
      {make_date(1992, 1, 6), kST, false},
      {make_date(1993, 1, 6), kST, true},
      {make_date(2025, 1, 6), kNW, false},
      // Land-only holidays; communal ones (Fronleichnam in parts of SN and TH) are left out.
      {make_date(2025, 6, 19), kHE, true},
      {make_date(2025, 6, 19), kSL, true},
      {make_date(2025, 6, 19), kSN, false},
      {make_date(2025, 6, 19), kTH, false},
      {make_date(2025, 8, 15), kBY, true},
      {make_date(2025, 8, 15), kSL, true},
      {make_date(2025, 8, 15), kNW, false},
      {make_date(2025, 11, 1), kRP, true},
      {make_date(2025, 11, 1), kHE, false},
      {make_date(2025, 4, 20), kBB, true},
      {make_date(2025, 4, 20), kBY, false},
      {make_date(2025, 6, 8), kBB, true},
      // The edges of the table.
      {make_date(1990, 1, 1), kNational, true},
      {make_date(2100, 12, 26), kNational, true},
      {make_date(2101, 1, 1), kNational, false},
      {make_date(1989, 12, 25), kNational, false},
  };
  for (const auto& c : cases) {
    const HolidayCalendar calendar(c.region);
    EXPECT_EQ(calendar.is_holiday(c.date), c.holiday) << describe(c.date, c.region);
  }
}

TEST(Calendar, BitmapAgreesWithTheHolidayListsInEveryRegionAndYear) {
  for (const Region region : kAllRegions) {
    const HolidayCalendar calendar(region);
    EXPECT_EQ(calendar.region(), region);
    for (int year = kFirstHolidayYear; year <= kLastHolidayYear; ++year) {
      const std::vector<Holiday> holidays = public_holidays(year, region);
      int listed_days = 0;
      for (std::size_t i = 0; i < holidays.size(); ++i) {
        EXPECT_EQ(year_of(holidays[i].date), year);
        EXPECT_TRUE(calendar.is_holiday(holidays[i].date)) << describe(holidays[i].date, region);
        if (i == 0 || holidays[i].date != holidays[i - 1].date) ++listed_days;
      }
      int bitmap_days = 0;
      for (Date d = make_date(year, 1, 1); year_of(d) == year; d = add_days(d, 1)) {
        if (calendar.is_holiday(d)) ++bitmap_days;
      }
      EXPECT_EQ(bitmap_days, listed_days) << year << " " << region_code(region);
    }
  }
}

struct BusinessDayCase {
  Date date;
  Region region;
  bool business_day;
};

TEST(Calendar, BusinessDaysAreWeekdaysThatAreNoHoliday) {
  const BusinessDayCase cases[] = {
      {make_date(2025, 11, 24), kNational, true},   // Monday
      {make_date(2025, 11, 28), kNational, true},   // Friday
      {make_date(2025, 11, 22), kNational, false},  // Saturday
      {make_date(2025, 11, 23), kNational, false},  // Sunday
      {make_date(2025, 4, 18), kNational, false},   // Karfreitag
      {make_date(2025, 12, 24), kNational, true},   // Heiligabend is a working day
      {make_date(2025, 12, 31), kNational, true},   // so is Silvester
      {make_date(2025, 10, 31), kSN, false},        // Reformationstag
      {make_date(2025, 10, 31), kBY, true},         // not a holiday there
      {make_date(2101, 1, 3), kNational, true},     // outside the table: only weekends count
  };
  for (const auto& c : cases) {
    const HolidayCalendar calendar(c.region);
    EXPECT_EQ(calendar.is_business_day(c.date), c.business_day) << describe(c.date, c.region);
  }
}

struct ShiftCase {
  Date date;
  Region region;
  Date expected;
};

TEST(Calendar, Section193MovesWeekendsAndHolidaysToTheNextBusinessDay) {
  const ShiftCase cases[] = {
      {make_date(2025, 11, 22), kNational, make_date(2025, 11, 24)},  // Saturday -> Monday
      {make_date(2025, 11, 23), kNational, make_date(2025, 11, 24)},  // Sunday -> Monday
      {make_date(2025, 11, 24), kNational, make_date(2025, 11, 24)},  // Monday stays
      // Karfreitag, then the weekend, then Ostermontag.
      {make_date(2025, 4, 18), kNational, make_date(2025, 4, 22)},
      // 1. and 2. Weihnachtstag (Thursday, Friday), then the weekend.
      {make_date(2025, 12, 25), kNational, make_date(2025, 12, 29)},
      {make_date(2025, 12, 31), kNational, make_date(2025, 12, 31)},
      // Reformationstag on a Friday: a holiday in Sachsen, a working day in Bayern.
      {make_date(2025, 10, 31), kSN, make_date(2025, 11, 3)},
      {make_date(2025, 10, 31), kBY, make_date(2025, 10, 31)},
      // Allerheiligen on a Saturday in Bayern.
      {make_date(2025, 11, 1), kBY, make_date(2025, 11, 3)},
      {make_date(2025, 5, 29), kNational, make_date(2025, 5, 30)},  // Christi Himmelfahrt
      {make_date(2024, 11, 20), kSN, make_date(2024, 11, 21)},      // Buß- und Bettag
      {make_date(2024, 11, 20), kBY, make_date(2024, 11, 20)},
      // Outside the table Neujahr is an ordinary day; 2101-01-01 is a Saturday.
      {make_date(2101, 1, 1), kNational, make_date(2101, 1, 3)},
  };
  for (const auto& c : cases) {
    const HolidayCalendar calendar(c.region);
    EXPECT_EQ(calendar.shift_193(c.date), c.expected) << describe(c.date, c.region);
    EXPECT_EQ(calendar.next_business_day_on_or_after(c.date), c.expected) << describe(c.date, c.region);
  }
}

// The shift works on day numbers; it must agree with the day-by-day definition everywhere,
// including before 1970 (negative day numbers) and outside the holiday table.
TEST(Calendar, Section193AgreesWithTheBusinessDayDefinitionOnEveryDay) {
  for (const Region region : {kNational, kBY, kSN}) {
    const HolidayCalendar calendar(region);
    for (Date date = make_date(1965, 1, 1); date <= make_date(2105, 12, 31); date = add_days(date, 1)) {
      Date expected = date;
      while (!calendar.is_business_day(expected)) expected = add_days(expected, 1);
      ASSERT_EQ(calendar.shift_193(date), expected) << describe(date, region);
    }
  }
  EXPECT_EQ(HolidayCalendar().shift_193(make_date(1969, 12, 27)), make_date(1969, 12, 29));  // Saturday
}

struct AddCase {
  Date date;
  int n;
  Region region;
  Date expected;
};

TEST(Calendar, AddsBusinessDaysSkippingWeekendsAndHolidays) {
  const AddCase cases[] = {
      {make_date(2025, 11, 24), 0, kNational, make_date(2025, 11, 24)},
      {make_date(2025, 11, 22), 0, kNational, make_date(2025, 11, 22)},  // zero days: unchanged
      {make_date(2025, 11, 21), 1, kNational, make_date(2025, 11, 24)},  // Friday -> Monday
      {make_date(2025, 11, 22), 1, kNational, make_date(2025, 11, 24)},  // Saturday -> Monday
      {make_date(2025, 11, 24), 5, kNational, make_date(2025, 12, 1)},
      {make_date(2025, 11, 24), 14, kNational, make_date(2025, 12, 12)},
      // Over Easter: Karfreitag and Ostermontag are skipped.
      {make_date(2025, 4, 17), 1, kNational, make_date(2025, 4, 22)},
      // Over Christmas: 25 and 26 December, then the weekend.
      {make_date(2025, 12, 24), 1, kNational, make_date(2025, 12, 29)},
      {make_date(2025, 12, 24), 3, kNational, make_date(2025, 12, 31)},
      {make_date(2025, 10, 30), 1, kSN, make_date(2025, 11, 3)},
      {make_date(2025, 10, 30), 1, kBY, make_date(2025, 10, 31)},
      {make_date(2025, 10, 30), 2, kBY, make_date(2025, 11, 3)},
      {make_date(2024, 11, 19), 1, kSN, make_date(2024, 11, 21)},
      {make_date(2024, 11, 19), 1, kNational, make_date(2024, 11, 20)},
      // Across a year end and across the last year of the table.
      {make_date(2025, 12, 31), 1, kNational, make_date(2026, 1, 2)},
      {make_date(2100, 12, 31), 1, kNational, make_date(2101, 1, 3)},
  };
  for (const auto& c : cases) {
    const HolidayCalendar calendar(c.region);
    EXPECT_EQ(calendar.add_business_days(c.date, c.n), c.expected)
        << describe(c.date, c.region) << " + " << c.n;
  }
}

TEST(Calendar, ParsesRegionCodesIgnoringCase) {
  const std::pair<std::string_view, Region> cases[] = {
      {"DE", kNational}, {"de", kNational}, {"DE-BY", kBY}, {"de-by", kBY}, {"De-By", kBY}, {"BY", kBY},
      {"by", kBY},       {"bY", kBY},       {"DE-BW", kBW}, {"BE", kBE},    {"BB", kBB},    {"DE-HB", kHB},
      {"HH", kHH},       {"he", kHE},       {"MV", kMV},    {"NI", kNI},    {"NW", kNW},    {"RP", kRP},
      {"SL", kSL},       {"DE-SN", kSN},    {"st", kST},    {"SH", kSH},    {"DE-TH", kTH}, {"th", kTH},
  };
  for (const auto& [code, region] : cases) {
    const Result<Region> parsed = parse_region(code);
    ASSERT_TRUE(parsed.ok()) << code << ": " << parsed.error().to_string();
    EXPECT_EQ(*parsed, region) << code;
  }
}

TEST(Calendar, RejectsUnknownRegionCodes) {
  for (const std::string_view bad : {"", "D", "DE-", "-BY", "XX", "DE-XX", "DE-DE", "BY ", " BY", "DEBY",
                                     "DE_BY", "AT-BY", "DE-BY-X", "Bayern", "NRW", "B"}) {
    const Result<Region> parsed = parse_region(bad);
    ASSERT_FALSE(parsed.ok()) << "\"" << bad << "\"";
    EXPECT_EQ(parsed.error().kind, ErrorKind::kInvalidInput);
    EXPECT_NE(parsed.error().message.find(std::string(bad)), std::string::npos) << parsed.error().message;
  }
}

TEST(Calendar, RegionCodesRoundTrip) {
  EXPECT_EQ(region_code(kNational), "DE");
  EXPECT_EQ(region_code(kBY), "DE-BY");
  EXPECT_EQ(region_code(kTH), "DE-TH");
  for (const Region region : kAllRegions) {
    const Result<Region> parsed = parse_region(region_code(region));
    ASSERT_TRUE(parsed.ok()) << region_code(region);
    EXPECT_EQ(*parsed, region);
  }
}

// § 193 goes through a precomputed table within 1990–2100: it must give, for every day in and
// around the table, the day a day-by-day search gives.
TEST(HolidayCalendar, Shift193EqualsTheDayByDaySearchOnEveryDay) {
  for (const Region region : {kNational, kBY, kSN}) {
    const HolidayCalendar calendar(region);
    for (int day = day_number(make_date(1989, 12, 1)); day <= day_number(make_date(2101, 1, 31)); ++day) {
      const Date date = from_day_number(day);
      Date expected = date;
      while (!calendar.is_business_day(expected)) expected = add_days(expected, 1);
      ASSERT_EQ(calendar.shift_193(date), expected) << format_date(date);
      ASSERT_EQ(calendar.shift_193_day(day), day_number(expected)) << format_date(date);
    }
  }
}

}  // namespace
}  // namespace mahnwerk::core
