// § 288 interest: surcharges, day counts, the Zinsstaffel split at 1 January / 1 July, exact sums
// rounded once, and the published worked examples of research B.11 reproduced to the cent.
#include "connector/core/interest.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace mahnwerk::core {
namespace {

constexpr Date d(int y, unsigned m, unsigned day) { return make_date(y, m, day); }
Money eur(std::int64_t minor) { return Money(minor, Currency::eur()); }

// Basiszinssatz in basis points per half-year from 2002-01-01 to 2025-07-01 (research B.3,
// the same figures as config/basiszins.json).
constexpr int kBundesbankRates[] = {
    257, 247, 197, 122, 114, 113, 121, 117, 137, 195, 270, 319,  // 2002 - 2007
    332, 319, 162, 12,  12,  12,  12,  37,  12,  12,  -13, -38,  // 2008 - 2013
    -63, -73, -83, -83, -83, -88, -88, -88, -88, -88, -88, -88,  // 2014 - 2019
    -88, -88, -88, -88, -88, -88, 162, 312, 362, 337, 227, 127,  // 2020 - 2025
};

BasiszinsTable table_from(const int* rates, std::size_t count) {
  std::vector<BasiszinsEntry> entries;
  for (std::size_t i = 0; i < count; ++i) {
    const int year = 2002 + static_cast<int>(i / 2);
    entries.push_back({d(year, i % 2 == 0 ? 1u : 7u, 1), rates[i]});
  }
  return BasiszinsTable::create(std::move(entries)).value();
}

BasiszinsTable bundesbank_table() { return table_from(kBundesbankRates, std::size(kBundesbankRates)); }

// The same 48 half-years at one fixed rate: for published examples whose rate is not a
// Basiszinssatz + surcharge of the real table.
BasiszinsTable constant_table(int rate_bp) {
  std::vector<int> rates(std::size(kBundesbankRates), rate_bp);
  return table_from(rates.data(), rates.size());
}

Money interest(const BasiszinsTable& table, std::int64_t principal_minor, Date from, Date to,
               DayCount convention, int surcharge_bp) {
  auto result = compute_interest(table, eur(principal_minor), from, to, convention, surcharge_bp);
  EXPECT_TRUE(result.ok()) << result.error().to_string();
  return result.ok() ? result->total : Money();
}

TEST(DayCount, ParsesAndPrintsTheConventions) {
  const std::pair<std::string_view, DayCount> cases[] = {
      {"act/365", DayCount::kAct365}, {"act/act", DayCount::kActAct}, {"act/360", DayCount::kAct360},
      {"30/360", DayCount::k30E360},  {"30e/360", DayCount::k30E360}, {"ACT/365", DayCount::kAct365},
      {"30E/360", DayCount::k30E360},
  };
  for (const auto& [text, convention] : cases) {
    auto parsed = parse_day_count(text);
    ASSERT_TRUE(parsed.ok()) << text;
    EXPECT_EQ(*parsed, convention) << text;
  }
  EXPECT_EQ(to_string(DayCount::kAct365), "act/365");
  EXPECT_EQ(to_string(DayCount::kActAct), "act/act");
  EXPECT_EQ(to_string(DayCount::kAct360), "act/360");
  EXPECT_EQ(to_string(DayCount::k30E360), "30/360");
  for (std::string_view bad : {"", "act", "365", "act/364", "actual/365", "30/365"}) {
    auto parsed = parse_day_count(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().kind, ErrorKind::kInvalidInput);
  }
}

TEST(DebtorKind, ParsesAndPrintsTheKinds) {
  for (DebtorKind kind : {DebtorKind::kBusiness, DebtorKind::kConsumer, DebtorKind::kPublic}) {
    EXPECT_EQ(parse_debtor_kind(to_string(kind)).value(), kind);
  }
  EXPECT_EQ(to_string(DebtorKind::kBusiness), "business");
  EXPECT_EQ(to_string(DebtorKind::kConsumer), "consumer");
  EXPECT_EQ(to_string(DebtorKind::kPublic), "public");
  for (std::string_view bad : {"", "Business", "b2b", "private"}) {
    EXPECT_FALSE(parse_debtor_kind(bad).ok()) << bad;
  }
}

TEST(StatutorySurcharge, FollowsParagraph288AndTheTransitionRule) {
  struct Case {
    DebtorKind kind;
    std::optional<Date> contract_date;
    int surcharge_bp;
  };
  const Case cases[] = {
      {DebtorKind::kConsumer, std::nullopt, 500},   {DebtorKind::kConsumer, d(2010, 1, 1), 500},
      {DebtorKind::kBusiness, std::nullopt, 900},   {DebtorKind::kBusiness, d(2014, 7, 29), 900},
      {DebtorKind::kBusiness, d(2014, 7, 28), 800}, {DebtorKind::kBusiness, d(2005, 3, 1), 800},
      {DebtorKind::kPublic, std::nullopt, 900},     {DebtorKind::kPublic, d(2014, 7, 28), 800},
      {DebtorKind::kPublic, d(2020, 1, 1), 900},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(statutory_surcharge_bp(c.kind, c.contract_date), c.surcharge_bp)
        << to_string(c.kind) << " " << (c.contract_date ? format_date(*c.contract_date) : "none");
  }
}

struct DaysCase {
  DayCount convention;
  Date from;
  Date to;
  int days;
};

TEST(InterestDays, CountsBothEndsPerConvention) {
  const DaysCase cases[] = {
      // P5 (wirtschaftswissen.de): due 01.07.2021, paid 05.07.2021, interest 02.–05.07. = 4 days.
      {DayCount::kAct365, d(2021, 7, 2), d(2021, 7, 5), 4},
      {DayCount::kActAct, d(2021, 7, 2), d(2021, 7, 5), 4},
      {DayCount::kAct360, d(2021, 7, 2), d(2021, 7, 5), 4},
      {DayCount::k30E360, d(2021, 7, 2), d(2021, 7, 5), 4},
      {DayCount::kAct365, d(2024, 1, 1), d(2024, 12, 31), 366},
      {DayCount::kAct365, d(2024, 3, 5), d(2024, 3, 5), 1},
      // P3 (p-konto.de): 01.01.–30.07.2016 = 210 Banktage.
      {DayCount::k30E360, d(2016, 1, 1), d(2016, 7, 30), 210},
      {DayCount::kAct365, d(2016, 1, 1), d(2016, 7, 30), 212},
      {DayCount::k30E360, d(2024, 1, 1), d(2024, 12, 31), 360},
      {DayCount::k30E360, d(2023, 1, 1), d(2023, 1, 31), 30},
      {DayCount::k30E360, d(2023, 2, 1), d(2023, 2, 28), 30},  // last day of February counts as the 30th
      {DayCount::k30E360, d(2024, 2, 1), d(2024, 2, 28), 28},  // not the last day in a leap year
      {DayCount::k30E360, d(2024, 2, 1), d(2024, 2, 29), 30},
      {DayCount::k30E360, d(2023, 1, 15), d(2023, 3, 14), 60},
      {DayCount::k30E360, d(2023, 1, 31), d(2023, 1, 31), 0},  // the 31st is the 30th again
      {DayCount::k30E360, d(2023, 7, 1), d(2023, 12, 31), 180},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(interest_days(c.convention, c.from, c.to), c.days)
        << to_string(c.convention) << " " << format_date(c.from) << ".." << format_date(c.to);
  }
}

TEST(InterestDays, ThirtyThreeSixtyAddsUpAcrossSplitPoints) {
  const Date from = d(2023, 11, 17);
  for (Date to = from; to < d(2025, 3, 1); to = add_days(to, 1)) {
    for (Date cut = from; cut < to; cut = add_days(cut, 7)) {
      EXPECT_EQ(interest_days(DayCount::k30E360, from, cut) +
                    interest_days(DayCount::k30E360, add_days(cut, 1), to),
                interest_days(DayCount::k30E360, from, to))
          << format_date(cut) << " " << format_date(to);
    }
  }
}

struct PublishedCase {
  std::string_view source;
  int table_rate_bp;  // Basiszinssatz of a constant table; 0: the Bundesbank table
  int surcharge_bp;
  std::int64_t principal_minor;
  Date from;
  Date to;
  DayCount convention;
  std::int64_t expected_minor;
};

TEST(Interest, ReproducesThePublishedExamples) {
  const PublishedCase cases[] = {
      // P1 anleiter.de: 1,000.00 consumer, 5.12 % (Basiszins 0.12 in 2010), 25 days act/365.
      {"P1", 0, 500, 100000, d(2010, 3, 1), d(2010, 3, 25), DayCount::kAct365, 351},
      // P2 kosmologelei: 354.16 at 4.12 % (−0.88 + 5), 30.04.–17.06.2018 = 49 days.
      {"P2 act/360", 0, 500, 35416, d(2018, 4, 30), d(2018, 6, 17), DayCount::kAct360, 199},
      {"P2 act/365", 0, 500, 35416, d(2018, 4, 30), d(2018, 6, 17), DayCount::kAct365, 196},
      // P3 p-konto.de: 10,000.00 at 6 %, 01.01.–30.07.2016 = 210 Banktage (split at 1 July).
      {"P3", 100, 500, 1000000, d(2016, 1, 1), d(2016, 7, 30), DayCount::k30E360, 35000},
      // P4 meineimmobilie.de: 500.00 at 6 % for 25 and 24 days.
      {"P4 25 days", 100, 500, 50000, d(2020, 10, 1), d(2020, 10, 25), DayCount::kAct365, 205},
      {"P4 24 days", 100, 500, 50000, d(2020, 10, 1), d(2020, 10, 24), DayCount::kAct365, 197},
  };
  const BasiszinsTable bundesbank = bundesbank_table();
  for (const auto& c : cases) {
    const BasiszinsTable table = c.table_rate_bp == 0 ? bundesbank : constant_table(c.table_rate_bp);
    EXPECT_EQ(interest(table, c.principal_minor, c.from, c.to, c.convention, c.surcharge_bp),
              eur(c.expected_minor))
        << c.source;
  }
}

TEST(Interest, SplitsAtABasiszinsChange) {
  // Business 10,000.00 from 2024-06-01 to 2024-08-31, act/365:
  //   2024-06-01..06-30: 30 days at 3.62 + 9 = 12.62 %: 1,000,000 × 1262 × 30 / 3,650,000 = 10,372.6027 ct
  //   2024-07-01..08-31: 62 days at 3.37 + 9 = 12.37 %: 1,000,000 × 1237 × 62 / 3,650,000 = 21,012.0548 ct
  //   total 31,384.6575 ct -> 313.85
  auto result =
      compute_interest(bundesbank_table(), eur(1000000), d(2024, 6, 1), d(2024, 8, 31), DayCount::kAct365,
                       statutory_surcharge_bp(DebtorKind::kBusiness, std::nullopt));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  ASSERT_EQ(result->periods.size(), 2u);
  const InterestPeriod& june = result->periods[0];
  EXPECT_EQ(june.from, d(2024, 6, 1));
  EXPECT_EQ(june.to, d(2024, 6, 30));
  EXPECT_EQ(june.days, 30);
  EXPECT_EQ(june.year_basis, 365);
  EXPECT_EQ(june.basiszins_bp, 362);
  EXPECT_EQ(june.rate_bp, 1262);
  EXPECT_TRUE(june.rate_known);
  EXPECT_EQ(june.principal, eur(1000000));
  EXPECT_EQ(june.exact, static_cast<Int128>(1000000) * 1262 * 30 * (1603080 / 365));
  EXPECT_EQ(june.amount(), eur(10373));
  const InterestPeriod& summer = result->periods[1];
  EXPECT_EQ(summer.from, d(2024, 7, 1));
  EXPECT_EQ(summer.to, d(2024, 8, 31));
  EXPECT_EQ(summer.days, 62);
  EXPECT_EQ(summer.basiszins_bp, 337);
  EXPECT_EQ(summer.rate_bp, 1237);
  EXPECT_EQ(summer.amount(), eur(21012));
  EXPECT_EQ(result->total, eur(31385));
  EXPECT_TRUE(result->warnings.empty());
}

TEST(Interest, RoundsOnlyTheSum) {
  // 30/360, same claim: 30 days at 12.62 % = 10,516.67 ct and 60 days (July 1 to August 31,
  // the 31st counting as the 30th) at 12.37 % = 20,616.67 ct. The periods rounded one by one
  // would give 313.34; the exact sum 31,133.33 ct rounds to 311.33.
  auto result = compute_interest(bundesbank_table(), eur(1000000), d(2024, 6, 1), d(2024, 8, 31),
                                 DayCount::k30E360, 900);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->periods.size(), 2u);
  EXPECT_EQ(result->periods[0].days, 30);
  EXPECT_EQ(result->periods[1].days, 60);
  EXPECT_EQ(result->periods[0].year_basis, 360);
  EXPECT_EQ(result->periods[0].amount() + result->periods[1].amount(), eur(31134));
  EXPECT_EQ(result->total, eur(31133));
}

TEST(Interest, ActActUsesTheDaysOfEachYear) {
  // Consumer 1,000.00 from 2023-12-01 to 2024-01-31:
  //   2023-12: 31 days at 3.12 + 5 = 8.12 % over 365: 100,000 × 812 × 31 / 3,650,000 = 689.6438 ct
  //   2024-01: 31 days at 3.62 + 5 = 8.62 % over 366: 100,000 × 862 × 31 / 3,660,000 = 730.1093 ct
  //   total 1,419.7531 ct -> 14.20 (act/365 would give 689.6438 + 732.1096 -> 14.22)
  const BasiszinsTable table = bundesbank_table();
  auto act_act = compute_interest(table, eur(100000), d(2023, 12, 1), d(2024, 1, 31), DayCount::kActAct, 500);
  ASSERT_TRUE(act_act.ok());
  ASSERT_EQ(act_act->periods.size(), 2u);
  EXPECT_EQ(act_act->periods[0].to, d(2023, 12, 31));
  EXPECT_EQ(act_act->periods[0].year_basis, 365);
  EXPECT_EQ(act_act->periods[0].rate_bp, 812);
  EXPECT_EQ(act_act->periods[1].from, d(2024, 1, 1));
  EXPECT_EQ(act_act->periods[1].year_basis, 366);
  EXPECT_EQ(act_act->periods[1].rate_bp, 862);
  EXPECT_EQ(act_act->total, eur(1420));
  EXPECT_EQ(interest(table, 100000, d(2023, 12, 1), d(2024, 1, 31), DayCount::kAct365, 500), eur(1422));
}

TEST(Interest, SplitsEveryHalfYearOverALongPeriod) {
  // 2013-05-15 .. 2015-02-10: 2013-H1 rest, 2013-H2, 2014-H1, 2014-H2, 2015 start.
  auto result = compute_interest(bundesbank_table(), eur(250000), d(2013, 5, 15), d(2015, 2, 10),
                                 DayCount::kAct365, 800);
  ASSERT_TRUE(result.ok());
  const std::pair<Date, int> expected[] = {{d(2013, 5, 15), -13},
                                           {d(2013, 7, 1), -38},
                                           {d(2014, 1, 1), -63},
                                           {d(2014, 7, 1), -73},
                                           {d(2015, 1, 1), -83}};
  ASSERT_EQ(result->periods.size(), std::size(expected));
  int days = 0;
  Int128 exact = 0;
  for (std::size_t i = 0; i < std::size(expected); ++i) {
    EXPECT_EQ(result->periods[i].from, expected[i].first) << i;
    EXPECT_EQ(result->periods[i].basiszins_bp, expected[i].second) << i;
    EXPECT_EQ(result->periods[i].rate_bp, expected[i].second + 800) << i;
    if (i > 0) {
      EXPECT_EQ(result->periods[i].from, add_days(result->periods[i - 1].to, 1)) << i;
    }
    days += result->periods[i].days;
    exact += result->periods[i].exact;
  }
  EXPECT_EQ(result->periods.back().to, d(2015, 2, 10));
  EXPECT_EQ(days, days_between(d(2013, 5, 15), d(2015, 2, 10)) + 1);
  EXPECT_EQ(result->total, eur(round_fraction(exact, kInterestDenominator, Rounding::kHalfUp)));
}

TEST(Interest, FloorsTheRateAtZero) {
  // A Basiszinssatz of −6.00 % plus 5 points would be −1 %: no negative interest.
  const BasiszinsTable table = constant_table(-600);
  auto result = compute_interest(table, eur(100000), d(2020, 1, 1), d(2020, 12, 31), DayCount::kAct365, 500);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->periods.size(), 2u);
  for (const auto& period : result->periods) {
    EXPECT_EQ(period.basiszins_bp, -600);
    EXPECT_EQ(period.rate_bp, 0);
    EXPECT_EQ(period.exact, 0);
  }
  EXPECT_EQ(result->total, eur(0));
  // Business: −6 + 9 = 3 %, 1,000.00 for a leap year of 366 days over 365: 30.08.
  EXPECT_EQ(interest(table, 100000, d(2020, 1, 1), d(2020, 12, 31), DayCount::kAct365, 900), eur(3008));
}

TEST(Interest, ContractBeforeJuly2014GetsEightPoints) {
  // 10,000.00 business, 2024-01-01 .. 2024-03-31 (91 days) at 3.62 + 8 = 11.62 %:
  // 1,000,000 × 1162 × 91 / 3,650,000 = 28,970.41 ct -> 289.70 (9 points: 31,463.56 ct -> 314.64).
  const BasiszinsTable table = bundesbank_table();
  const int old_contract = statutory_surcharge_bp(DebtorKind::kBusiness, d(2013, 5, 2));
  const int new_contract = statutory_surcharge_bp(DebtorKind::kBusiness, d(2014, 7, 29));
  EXPECT_EQ(interest(table, 1000000, d(2024, 1, 1), d(2024, 3, 31), DayCount::kAct365, old_contract),
            eur(28970));
  EXPECT_EQ(interest(table, 1000000, d(2024, 1, 1), d(2024, 3, 31), DayCount::kAct365, new_contract),
            eur(31464));
}

TEST(Interest, WarnsWhenTheTableIsStale) {
  // The table ends with 1.27 % from 2025-07-01; 2026 rates are not in it.
  auto result = compute_interest(bundesbank_table(), eur(100000), d(2025, 12, 1), d(2026, 8, 15),
                                 DayCount::kAct365, 500);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->periods.size(), 3u);
  EXPECT_TRUE(result->periods[0].rate_known);
  EXPECT_FALSE(result->periods[1].rate_known);
  EXPECT_FALSE(result->periods[2].rate_known);
  EXPECT_EQ(result->periods[1].basiszins_bp, 127);
  EXPECT_EQ(result->periods[2].rate_bp, 627);
  const std::vector<std::string> expected = {
      "rate for 2026-01-01 not in table; used 1.27 % from 2025-07-01",
      "rate for 2026-07-01 not in table; used 1.27 % from 2025-07-01",
  };
  EXPECT_EQ(result->warnings, expected);
}

TEST(InterestAccumulator, KeepsWarningsDistinctAndClears) {
  const BasiszinsTable table = bundesbank_table();
  InterestAccumulator accumulator(table, DayCount::kAct365, 900);
  ASSERT_TRUE(accumulator.accrue(eur(50000), d(2026, 1, 10), d(2026, 2, 10)).ok());
  ASSERT_TRUE(accumulator.accrue(eur(20000), d(2026, 2, 11), d(2026, 3, 10)).ok());
  EXPECT_EQ(accumulator.warnings().size(), 1u);
  EXPECT_EQ(accumulator.periods().size(), 2u);
  EXPECT_GT(accumulator.exact_total(), 0);
  accumulator.clear();
  EXPECT_EQ(accumulator.exact_total(), 0);
  EXPECT_TRUE(accumulator.periods().empty());
  EXPECT_TRUE(accumulator.warnings().empty());
  EXPECT_EQ(accumulator.rounded_total(Currency::eur()), eur(0));
}

TEST(InterestAccumulator, SumsSeveralPrincipalsExactly) {
  // A Zinsstaffel where the principal drops after a partial payment: 1,000.00 for 10 days, then
  // 333.33 for 10 days, consumer 2024-H1 (8.62 %), act/365.
  //   100,000 × 862 × 10 / 3,650,000 = 236.1644 ct;  33,333 × 862 × 10 / 3,650,000 = 78.7209 ct
  //   sum 314.8853 ct -> 3.15
  const BasiszinsTable table = bundesbank_table();
  InterestAccumulator accumulator(table, DayCount::kAct365, 500);
  ASSERT_TRUE(accumulator.accrue(eur(100000), d(2024, 2, 1), d(2024, 2, 10)).ok());
  ASSERT_TRUE(accumulator.accrue(eur(33333), d(2024, 2, 11), d(2024, 2, 20)).ok());
  EXPECT_EQ(accumulator.rounded_total(Currency::eur()), eur(315));
  EXPECT_EQ(accumulator.periods()[1].principal, eur(33333));
  accumulator.set_surcharge_bp(900);
  accumulator.clear();
  ASSERT_TRUE(accumulator.accrue(eur(100000), d(2024, 2, 1), d(2024, 2, 10)).ok());
  EXPECT_EQ(accumulator.periods()[0].rate_bp, 1262);
}

TEST(InterestAccumulator, MergesContinuationsButNotRealSteps) {
  // Stopping and resuming with the same principal in the same half-year is one period; a new
  // principal or a new half-year starts the next. 2024-H1 business: 12.62 %.
  const BasiszinsTable table = bundesbank_table();
  InterestAccumulator accumulator(table, DayCount::kAct365, 900);
  ASSERT_TRUE(accumulator.accrue(eur(100000), d(2024, 6, 1), d(2024, 6, 10)).ok());
  ASSERT_TRUE(accumulator.accrue(eur(100000), d(2024, 6, 11), d(2024, 7, 5)).ok());
  ASSERT_TRUE(accumulator.accrue(eur(50000), d(2024, 7, 6), d(2024, 7, 10)).ok());
  const auto& periods = accumulator.periods();
  ASSERT_EQ(periods.size(), 3u);
  EXPECT_EQ(periods[0].from, d(2024, 6, 1));
  EXPECT_EQ(periods[0].to, d(2024, 6, 30));
  EXPECT_EQ(periods[0].days, 30);
  EXPECT_EQ(periods[1].to, d(2024, 7, 5));
  EXPECT_EQ(periods[2].principal, eur(50000));
  Int128 sum = 0;
  for (const auto& p : periods) sum += p.exact;
  EXPECT_TRUE(sum == accumulator.exact_total());
  auto taken = accumulator.take_periods();
  EXPECT_EQ(taken.size(), 3u);
}

TEST(InterestAccumulator, IgnoresEmptyRangesAndNonPositivePrincipals) {
  const BasiszinsTable table = bundesbank_table();
  InterestAccumulator accumulator(table, DayCount::kAct365, 500);
  EXPECT_TRUE(accumulator.accrue(eur(0), d(2024, 1, 1), d(2024, 12, 31)).ok());
  EXPECT_TRUE(accumulator.accrue(eur(-5000), d(2024, 1, 1), d(2024, 12, 31)).ok());
  EXPECT_TRUE(accumulator.accrue(eur(5000), d(2024, 1, 2), d(2024, 1, 1)).ok());
  // Nothing is checked when nothing accrues: not even a date before the table.
  EXPECT_TRUE(accumulator.accrue(eur(5000), d(2001, 1, 2), d(2001, 1, 1)).ok());
  EXPECT_TRUE(accumulator.periods().empty());
  EXPECT_EQ(accumulator.exact_total(), 0);
}

TEST(InterestAccumulator, RejectsAStartBeforeTheTable) {
  const BasiszinsTable table = bundesbank_table();
  InterestAccumulator accumulator(table, DayCount::kAct365, 500);
  auto status = accumulator.accrue(eur(100000), d(2001, 12, 15), d(2002, 2, 1));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(status.error().message.find("2001-12-15"), std::string::npos) << status.error().message;
  EXPECT_TRUE(accumulator.periods().empty());

  auto result = compute_interest(table, eur(100000), d(2001, 12, 31), d(2002, 2, 1), DayCount::kAct365, 500);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("2001-12-31"), std::string::npos);
  EXPECT_TRUE(
      compute_interest(table, eur(100000), d(2002, 1, 1), d(2002, 2, 1), DayCount::kAct365, 500).ok());
}

TEST(Interest, KeepsTheCurrencyOfThePrincipal) {
  const Currency jpy = Currency::from_code("JPY").value();
  // 1,000,000 JPY at 5.12 % for 25 days: 3,506.85 -> 3,507 JPY.
  auto result = compute_interest(bundesbank_table(), Money(1000000, jpy), d(2010, 3, 1), d(2010, 3, 25),
                                 DayCount::kAct365, 500);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->total, Money(3507, jpy));
  EXPECT_EQ(result->periods[0].amount(), Money(3507, jpy));
}

}  // namespace
}  // namespace mahnwerk::core
