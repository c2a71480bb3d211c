// §§ 195, 199, 212 BGB limitation.
#include "connector/core/limitation.h"

#include <gtest/gtest.h>

#include <vector>

namespace mahnwerk::core {
namespace {

TEST(Limitation, EndsThreeYearsAfterTheYearTheClaimArose) {
  const struct {
    Date arose;
    Date expected;
  } cases[] = {
      {make_date(2025, 3, 14), make_date(2028, 12, 31)},
      {make_date(2025, 12, 31), make_date(2028, 12, 31)},
      {make_date(2024, 1, 1), make_date(2027, 12, 31)},
  };
  for (const auto& c : cases) {
    const auto r = limitation(c.arose, {});
    EXPECT_EQ(r.limitation_date, c.expected);
    EXPECT_FALSE(r.acknowledged_on.has_value());
  }
}

TEST(Limitation, AcknowledgementRestartsAFullPeriodFromTheNextDay) {
  const std::vector<Date> acks{make_date(2027, 5, 10)};
  const auto r = limitation(make_date(2025, 3, 14), acks);
  EXPECT_EQ(r.regular_end, make_date(2028, 12, 31));
  EXPECT_EQ(r.limitation_date, make_date(2030, 5, 10));
  EXPECT_EQ(r.acknowledged_on, make_date(2027, 5, 10));
  EXPECT_NE(r.explanation().find("§ 212"), std::string::npos);
}

TEST(Limitation, AcknowledgementBeforeThePeriodBeganChangesNothing) {
  const std::vector<Date> acks{make_date(2025, 6, 1)};
  const auto r = limitation(make_date(2025, 3, 14), acks);
  EXPECT_EQ(r.limitation_date, make_date(2028, 12, 31));
  EXPECT_FALSE(r.acknowledged_on.has_value());
}

TEST(Limitation, ChainedAcknowledgementsInAnyOrder) {
  const std::vector<Date> acks{make_date(2030, 1, 15), make_date(2027, 5, 10), make_date(2035, 1, 1)};
  const auto r = limitation(make_date(2025, 3, 14), acks);
  // 2027-05-10 -> 2030-05-10; 2030-01-15 -> 2033-01-15; 2035-01-01 came after expiry.
  EXPECT_EQ(r.limitation_date, make_date(2033, 1, 15));
  EXPECT_EQ(r.acknowledged_on, make_date(2030, 1, 15));
}

TEST(Limitation, LeapDayAcknowledgementEndsOnTheLastDayOfFebruary) {
  const std::vector<Date> acks{make_date(2028, 2, 29)};
  EXPECT_EQ(limitation(make_date(2026, 7, 1), acks).limitation_date, make_date(2031, 2, 28));
}

}  // namespace
}  // namespace mahnwerk::core
