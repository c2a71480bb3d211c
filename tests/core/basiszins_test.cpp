// Basiszinssatz table: validation of the half-year sequence, lookups inside and past the table,
// the stale-table warning, and the percent text forms.
#include "connector/core/basiszins.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace mahnwerk::core {
namespace {

constexpr Date d(int y, unsigned m, unsigned day) { return make_date(y, m, day); }

// The last five half-years of the Bundesbank table (research B.3).
std::vector<BasiszinsEntry> recent_entries() {
  return {{d(2023, 7, 1), 312},
          {d(2024, 1, 1), 362},
          {d(2024, 7, 1), 337},
          {d(2025, 1, 1), 227},
          {d(2025, 7, 1), 127}};
}

BasiszinsTable recent_table() { return BasiszinsTable::create(recent_entries()).value(); }

TEST(BasiszinsTable, AcceptsConsecutiveHalfYears) {
  auto table = BasiszinsTable::create(recent_entries());
  ASSERT_TRUE(table.ok()) << table.error().to_string();
  EXPECT_EQ(table->entries().size(), 5u);
  EXPECT_EQ(table->first_date(), d(2023, 7, 1));
}

TEST(BasiszinsTable, AcceptsASingleEntry) {
  EXPECT_TRUE(BasiszinsTable::create({{d(2002, 1, 1), 257}}).ok());
}

struct InvalidTableCase {
  std::string_view what;
  std::vector<BasiszinsEntry> entries;
  std::string_view context;
  std::string_view message_part;
};

TEST(BasiszinsTable, RejectsInvalidTablesAsBadConfig) {
  const InvalidTableCase cases[] = {
      {"empty", {}, "entries", "no entries"},
      {"not a half-year start",
       {{d(2002, 1, 1), 257}, {d(2002, 2, 1), 247}},
       "entries[1].valid_from",
       "2002-02-01 is not a 1 January or 1 July"},
      {"mid-month",
       {{d(2002, 1, 15), 257}},
       "entries[0].valid_from",
       "2002-01-15 is not a 1 January or 1 July"},
      {"invalid date", {{make_date(2002, 13, 1), 257}}, "entries[0].valid_from", "not a 1 January or 1 July"},
      {"unsorted",
       {{d(2002, 7, 1), 247}, {d(2002, 1, 1), 257}},
       "entries[1].valid_from",
       "2002-01-01 does not follow 2002-07-01"},
      {"duplicate",
       {{d(2002, 1, 1), 257}, {d(2002, 1, 1), 257}},
       "entries[1].valid_from",
       "strictly ascending"},
      {"gap",
       {{d(2002, 1, 1), 257}, {d(2002, 7, 1), 247}, {d(2003, 7, 1), 122}},
       "entries[2].valid_from",
       "half-year 2003-01-01 missing between 2002-07-01 and 2003-07-01"},
  };
  for (const auto& c : cases) {
    auto table = BasiszinsTable::create(c.entries);
    ASSERT_FALSE(table.ok()) << c.what;
    EXPECT_EQ(table.error().kind, ErrorKind::kBadConfig) << c.what;
    EXPECT_EQ(table.error().context, c.context) << c.what;
    EXPECT_NE(table.error().message.find(c.message_part), std::string::npos)
        << c.what << ": " << table.error().message;
  }
}

struct LookupCase {
  Date date;
  int rate_bp;
  Date valid_from;
  bool known;
  Date half_year_start;
};

TEST(BasiszinsTable, FindsTheRateInForce) {
  const BasiszinsTable table = recent_table();
  const LookupCase cases[] = {
      {d(2023, 7, 1), 312, d(2023, 7, 1), true, d(2023, 7, 1)},
      {d(2023, 12, 31), 312, d(2023, 7, 1), true, d(2023, 7, 1)},
      {d(2024, 1, 1), 362, d(2024, 1, 1), true, d(2024, 1, 1)},
      {d(2024, 6, 30), 362, d(2024, 1, 1), true, d(2024, 1, 1)},
      {d(2024, 7, 1), 337, d(2024, 7, 1), true, d(2024, 7, 1)},
      {d(2024, 2, 29), 362, d(2024, 1, 1), true, d(2024, 1, 1)},
      {d(2025, 3, 15), 227, d(2025, 1, 1), true, d(2025, 1, 1)},
      {d(2025, 12, 31), 127, d(2025, 7, 1), true, d(2025, 7, 1)},
      // Past the next scheduled change after the last entry: last rate, flagged.
      {d(2026, 1, 1), 127, d(2025, 7, 1), false, d(2026, 1, 1)},
      {d(2026, 6, 30), 127, d(2025, 7, 1), false, d(2026, 1, 1)},
      {d(2027, 8, 15), 127, d(2025, 7, 1), false, d(2027, 7, 1)},
  };
  for (const auto& c : cases) {
    const auto lookup = table.rate_on(c.date);
    ASSERT_TRUE(lookup.has_value()) << format_date(c.date);
    EXPECT_EQ(lookup->rate_bp, c.rate_bp) << format_date(c.date);
    EXPECT_EQ(lookup->valid_from, c.valid_from) << format_date(c.date);
    EXPECT_EQ(lookup->known, c.known) << format_date(c.date);
    EXPECT_EQ(lookup->half_year_start, c.half_year_start) << format_date(c.date);
  }
}

TEST(BasiszinsTable, HasNoRateBeforeTheFirstEntry) {
  const BasiszinsTable table = recent_table();
  EXPECT_FALSE(table.rate_on(d(2023, 6, 30)).has_value());
  EXPECT_FALSE(table.rate_on(d(2001, 1, 1)).has_value());
}

TEST(BasiszinsLookup, WarnsOnlyWhenTheRateIsNotInTheTable) {
  const BasiszinsTable table = recent_table();
  EXPECT_EQ(table.rate_on(d(2026, 1, 1))->warning(),
            "rate for 2026-01-01 not in table; used 1.27 % from 2025-07-01");
  EXPECT_EQ(table.rate_on(d(2026, 9, 30))->warning(),
            "rate for 2026-07-01 not in table; used 1.27 % from 2025-07-01");
  EXPECT_EQ(table.rate_on(d(2025, 9, 30))->warning(), "");
}

TEST(BasiszinsLookup, WarningShowsNegativeRates) {
  const BasiszinsTable table = BasiszinsTable::create({{d(2016, 7, 1), -88}}).value();
  EXPECT_EQ(table.rate_on(d(2017, 2, 1))->warning(),
            "rate for 2017-01-01 not in table; used -0.88 % from 2016-07-01");
}

TEST(Percent, ParsesToBasisPoints) {
  const std::pair<std::string_view, int> cases[] = {
      {"1.27", 127},  {"-0.88", -88},  {"5", 500},  {"0.5", 50},  {"0", 0},          {"-0.00", 0},
      {"+3.62", 362}, {"12.62", 1262}, {"0.05", 5}, {"-1", -100}, {"100.00", 10000},
  };
  for (const auto& [text, bp] : cases) {
    auto parsed = parse_percent_bp(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.error().to_string();
    EXPECT_EQ(*parsed, bp) << text;
  }
}

TEST(Percent, RejectsGarbage) {
  for (std::string_view bad : {"", "-", "+", "1.234", "0.125", ".5", "5.", "abc", "1,27", " 1.27", "1.27 ",
                               "1.2.3", "1e2", "--1", "1.27%", "99999999"}) {
    auto parsed = parse_percent_bp(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().kind, ErrorKind::kInvalidInput) << bad;
  }
}

TEST(Percent, FormatsWithTwoDecimals) {
  const std::pair<int, std::string_view> cases[] = {
      {127, "1.27"}, {-88, "-0.88"}, {500, "5.00"},   {50, "0.50"},    {0, "0.00"},
      {5, "0.05"},   {-5, "-0.05"},  {1262, "12.62"}, {-100, "-1.00"},
  };
  for (const auto& [bp, text] : cases) EXPECT_EQ(format_percent_bp(bp), text) << bp;
}

TEST(Percent, FormatRoundTripsThroughParse) {
  for (int bp = -1000; bp <= 1000; ++bp) EXPECT_EQ(parse_percent_bp(format_percent_bp(bp)).value(), bp);
}

}  // namespace
}  // namespace mahnwerk::core
