// § 286 BGB: Verzug start and ground, table-driven.
#include "connector/core/verzug.h"

#include <gtest/gtest.h>

#include <vector>

namespace mahnwerk::core {
namespace {

struct Case {
  const char* name;
  Date invoice;
  std::optional<Date> due;
  bool agreed;
  std::optional<Date> received;
  bool consumer;
  bool notice;
  std::vector<Date> mahnungen;
  std::optional<Date> expected_start;
  VerzugGround expected_ground;
};

TEST(Verzug, StartAndGroundTable) {
  const HolidayCalendar calendar(Region::kNational);
  const std::vector<Case> cases = {
      {"agreed due date: default from the next day",
       make_date(2025, 2, 12),
       make_date(2025, 3, 14),
       true,
       std::nullopt,
       false,
       false,
       {},
       make_date(2025, 3, 15),
       VerzugGround::kAgreedDueDate},
      {"agreed due date on a Saturday moves to Monday (§ 193)",
       make_date(2025, 2, 12),
       make_date(2025, 3, 15),
       true,
       std::nullopt,
       false,
       false,
       {},
       make_date(2025, 3, 18),
       VerzugGround::kAgreedDueDate},
      {"business, unilateral due date: 30 days, end on a Sunday moves to Monday",
       make_date(2025, 2, 12),
       make_date(2025, 3, 14),
       false,
       std::nullopt,
       false,
       false,
       {},
       make_date(2025, 4, 15),
       VerzugGround::kThirtyDays},
      {"business, receipt after the due date counts",
       make_date(2025, 3, 1),
       make_date(2025, 3, 5),
       false,
       make_date(2025, 3, 10),
       false,
       false,
       {},
       make_date(2025, 4, 10),
       VerzugGround::kThirtyDays},
      {"30-day end on Good Friday moves past Easter Monday",
       make_date(2025, 3, 10),
       make_date(2025, 3, 19),
       false,
       make_date(2025, 3, 12),
       false,
       false,
       {},
       make_date(2025, 4, 23),
       VerzugGround::kThirtyDays},
      {"consumer without the § 286 III notice and no Mahnung: no default",
       make_date(2025, 2, 12),
       make_date(2025, 3, 14),
       false,
       std::nullopt,
       true,
       false,
       {},
       std::nullopt,
       VerzugGround::kNone},
      {"consumer with the notice: 30 days",
       make_date(2025, 2, 12),
       make_date(2025, 3, 14),
       false,
       std::nullopt,
       true,
       true,
       {},
       make_date(2025, 4, 15),
       VerzugGround::kThirtyDays},
      {"consumer without notice: Mahnung after due date",
       make_date(2025, 2, 12),
       make_date(2025, 3, 14),
       false,
       std::nullopt,
       true,
       false,
       {make_date(2025, 4, 2)},
       make_date(2025, 4, 3),
       VerzugGround::kMahnung},
      {"a Mahnung before the due date does not count",
       make_date(2025, 2, 12),
       make_date(2025, 3, 14),
       false,
       std::nullopt,
       true,
       false,
       {make_date(2025, 3, 10)},
       std::nullopt,
       VerzugGround::kNone},
      {"business: Mahnung earlier than the 30-day end wins",
       make_date(2025, 2, 12),
       make_date(2025, 3, 14),
       false,
       std::nullopt,
       false,
       false,
       {make_date(2025, 3, 25), make_date(2025, 3, 20)},
       make_date(2025, 3, 21),
       VerzugGround::kMahnung},
      {"agreed date wins over a later Mahnung",
       make_date(2025, 2, 12),
       make_date(2025, 3, 14),
       true,
       std::nullopt,
       false,
       false,
       {make_date(2025, 3, 20)},
       make_date(2025, 3, 15),
       VerzugGround::kAgreedDueDate},
      {"no due date: 30 days after receipt, end on a Saturday",
       make_date(2025, 6, 2),
       std::nullopt,
       false,
       std::nullopt,
       false,
       false,
       {},
       make_date(2025, 7, 8),
       VerzugGround::kThirtyDays},
  };
  for (const auto& c : cases) {
    const VerzugInput in{c.invoice, c.due, c.agreed, c.received, c.consumer, c.notice, c.mahnungen, 3};
    const VerzugResult r = verzug_start(in, calendar);
    EXPECT_EQ(r.start, c.expected_start) << c.name;
    EXPECT_EQ(r.ground, c.expected_ground) << c.name;
    EXPECT_FALSE(r.explanation().empty()) << c.name;
  }
}

TEST(Verzug, ExplanationNamesGroundDatesAndParagraphs) {
  const HolidayCalendar calendar(Region::kNational);
  const VerzugInput in{
      make_date(2025, 2, 12), make_date(2025, 3, 15), true, std::nullopt, false, false, {}, 3};
  const auto text = verzug_start(in, calendar).explanation();
  EXPECT_NE(text.find("2025-03-18"), std::string::npos) << text;
  EXPECT_NE(text.find("moved to 2025-03-17 by § 193 BGB"), std::string::npos) << text;
  EXPECT_NE(text.find("§ 286 II Nr. 1 BGB"), std::string::npos) << text;
}

TEST(Verzug, AssumedReceiptIsReported) {
  const HolidayCalendar calendar(Region::kNational);
  const VerzugInput in{make_date(2025, 6, 2), std::nullopt, false, std::nullopt, false, false, {}, 3};
  const auto r = verzug_start(in, calendar);
  EXPECT_TRUE(r.receipt_assumed);
  EXPECT_EQ(r.receipt, make_date(2025, 6, 5));
  EXPECT_NE(r.explanation().find("assumed"), std::string::npos);
}

}  // namespace
}  // namespace mahnwerk::core
