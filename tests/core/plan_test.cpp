// Payment plans: the proposal (frozen figures, schedule, § 193, plan interest, validation) and
// the evaluation (§ 367 order, completion, Verfallklausel, § 498 for consumers, reminders).
// Every expected cent is derived in the comment next to it.
#include "connector/core/plan.h"

#include <gtest/gtest.h>

namespace mahnwerk::core {
namespace {

Money eur(std::int64_t minor) { return Money(minor, Currency::eur()); }

BasiszinsTable table_2024_2025() {
  return BasiszinsTable::create({{make_date(2024, 1, 1), 362},
                                 {make_date(2024, 7, 1), 337},
                                 {make_date(2025, 1, 1), 227},
                                 {make_date(2025, 7, 1), 127}})
      .value();
}

Debtor debtor(std::string id, DebtorKind kind) {
  Debtor d;
  d.id = std::move(id);
  d.name = "Debtor " + d.id;
  d.kind = kind;
  return d;
}

OpenItem item(std::string id, std::string debtor_id, Date invoice, Date due, std::int64_t amount) {
  OpenItem i;
  i.id = std::move(id);
  i.number = "RE-" + i.id;
  i.debtor = std::move(debtor_id);
  i.invoice_date = invoice;
  i.due_date = due;
  i.due_date_agreed = true;
  i.amount = eur(amount);
  i.open_amount = eur(amount);
  return i;
}

// A consumer with one item that is not yet due on the agreement day: nothing but principal.
State consumer_state(std::int64_t amount) {
  State s;
  s.debtors.push_back(debtor("C1", DebtorKind::kConsumer));
  s.items.push_back(item("1", "C1", make_date(2025, 1, 2), make_date(2025, 12, 31), amount));
  return s;
}

PlanRequest request(int installments, Date first_due, PlanInterval interval = PlanInterval::kMonthly) {
  PlanRequest r;
  r.debtor = "C1";
  r.installments = installments;
  r.first_due = first_due;
  r.interval = interval;
  return r;
}

std::vector<Date> dues(const PaymentPlan& plan) {
  std::vector<Date> out;
  for (const auto& i : plan.installments) out.push_back(i.due);
  return out;
}

std::vector<std::int64_t> amounts(const PaymentPlan& plan) {
  std::vector<std::int64_t> out;
  for (const auto& i : plan.installments) out.push_back(i.amount.minor());
  return out;
}

class ProposePlanTest : public ::testing::Test {
 protected:
  Result<PaymentPlan> propose(const State& s, const PlanRequest& r, Date agreed_on = make_date(2025, 3, 1)) {
    const ClaimEngine engine(table_, calendar_, ClaimPolicy{});
    return propose_plan(s, r, agreed_on, engine, calendar_);
  }
  BasiszinsTable table_ = table_2024_2025();
  HolidayCalendar calendar_{Region::kNational};
};

TEST_F(ProposePlanTest, EqualInstallmentsRoundedDownWithTheRemainderInTheLast) {
  struct Case {
    std::int64_t total;
    int n;
    std::vector<std::int64_t> want;
  };
  const Case cases[] = {
      {100000, 3, {33333, 33333, 33334}},         // 1000.00 / 3 = 333.33 rest 0.01
      {100000, 4, {25000, 25000, 25000, 25000}},  // even split
      {100, 7, {14, 14, 14, 14, 14, 14, 16}},     // 1.00 / 7 = 0.14 rest 0.02
      {99999, 1, {99999}},                        // one installment takes everything
  };
  for (const auto& c : cases) {
    auto plan = propose(consumer_state(c.total), request(c.n, make_date(2025, 4, 1)));
    ASSERT_TRUE(plan.ok()) << plan.error().to_string();
    EXPECT_EQ(amounts(*plan), c.want) << c.total << " / " << c.n;
    EXPECT_EQ(plan->total, eur(c.total));
    EXPECT_EQ(plan->status, PlanStatus::kActive);
  }
}

TEST_F(ProposePlanTest, MaxInstallmentGivesTheSmallestCountThatStaysUnderIt) {
  struct Case {
    std::int64_t total;
    std::int64_t max;
    std::vector<std::int64_t> want;
  };
  const Case cases[] = {
      {100000, 30000, {25000, 25000, 25000, 25000}},  // ceil(1000 / 300) = 4, equal split
      {100000, 100000, {100000}},                     // one installment is enough
      {100000, 33333, {25000, 25000, 25000, 25000}},  // 3 x 333.33 = 999.99 < 1000.00
      // ceil(3.99 / 1.00) = 4 gives 0.99, 0.99, 0.99, 1.02: the last is over 1.00; 5 gives
      // 0.79 x 4 and 3.99 - 3.16 = 0.83.
      {399, 100, {79, 79, 79, 79, 83}},
  };
  for (const auto& c : cases) {
    PlanRequest r = request(0, make_date(2025, 4, 1));
    r.max_installment = eur(c.max);
    auto plan = propose(consumer_state(c.total), r);
    ASSERT_TRUE(plan.ok()) << plan.error().to_string();
    EXPECT_EQ(amounts(*plan), c.want) << c.total << " max " << c.max;
  }
}

TEST_F(ProposePlanTest, MonthlyFromA31stStaysOnTheMonthEndAndMovesOffTheWeekend) {
  EXPECT_EQ(nominal_due(make_date(2025, 1, 31), PlanInterval::kMonthly, 1), make_date(2025, 2, 28));
  EXPECT_EQ(nominal_due(make_date(2025, 1, 31), PlanInterval::kMonthly, 2),
            make_date(2025, 3, 31));  // not chained
  auto plan = propose(consumer_state(60000), request(6, make_date(2025, 1, 31)), make_date(2025, 1, 15));
  ASSERT_TRUE(plan.ok()) << plan.error().to_string();
  const std::vector<Date> want{
      make_date(2025, 1, 31), make_date(2025, 2, 28), make_date(2025, 3, 31),
      make_date(2025, 4, 30), make_date(2025, 6, 2),  // Sat 31 May -> Mon 2 June (§ 193)
      make_date(2025, 6, 30)};
  EXPECT_EQ(dues(*plan), want);
}

TEST_F(ProposePlanTest, DueDatesMoveOffHolidaysAndWeekendsPer193) {
  struct Case {
    PlanInterval interval;
    Date first;
    std::vector<Date> want;
  };
  const Case cases[] = {
      // Thu 25 Dec and Fri 26 Dec are holidays, then the weekend: Mon 29 Dec. Sun 25 Jan -> 26.
      {PlanInterval::kMonthly,
       make_date(2025, 12, 25),
       {make_date(2025, 12, 29), make_date(2026, 1, 26), make_date(2026, 2, 25)}},
      // Weekly from Thu 18 Dec: 25 Dec -> 29 Dec; Neujahr (Thu 1 Jan) -> Fri 2 Jan.
      {PlanInterval::kWeekly,
       make_date(2025, 12, 18),
       {make_date(2025, 12, 18), make_date(2025, 12, 29), make_date(2026, 1, 2)}},
      // Biweekly from Thu 11 Dec: 25 Dec -> 29 Dec, 8 Jan stays.
      {PlanInterval::kBiweekly,
       make_date(2025, 12, 11),
       {make_date(2025, 12, 11), make_date(2025, 12, 29), make_date(2026, 1, 8)}},
  };
  for (const auto& c : cases) {
    auto plan = propose(consumer_state(30000), request(3, c.first, c.interval), make_date(2025, 12, 1));
    ASSERT_TRUE(plan.ok()) << plan.error().to_string();
    EXPECT_EQ(dues(*plan), c.want) << to_string(c.interval);
  }
}

TEST_F(ProposePlanTest, FreezesPrincipalCostsAndInterestFromTheClaimEngine) {
  State s;
  s.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  s.items.push_back(item("1", "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  s.items.push_back(item("2", "D1", make_date(2024, 8, 1), make_date(2024, 9, 30), 20000));  // not due yet
  PlanRequest r = request(2, make_date(2024, 9, 30));
  r.debtor = "D1";
  auto plan = propose(s, r, make_date(2024, 8, 31));
  ASSERT_TRUE(plan.ok()) << plan.error().to_string();
  // Item 1 (claim_test): 1000.00 in default since 2024-06-01; interest to 2024-08-31 is
  // 10.37 + 21.01 = 31.38 (3138.4658 cents), € 40 flat fee. Item 2: principal only.
  EXPECT_EQ(plan->items, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(plan->principal, eur(120000));
  EXPECT_EQ(plan->costs, eur(4000));
  EXPECT_EQ(plan->interest, eur(3138));
  EXPECT_EQ(plan->plan_interest, eur(0));
  EXPECT_EQ(plan->total, eur(127138));
  EXPECT_EQ(amounts(*plan), (std::vector<std::int64_t>{63569, 63569}));
  EXPECT_EQ(plan->id, "D1-20240831");
  EXPECT_EQ(acknowledgement_date(*plan), make_date(2024, 8, 31));
  const std::string text = explain(*plan);
  EXPECT_NE(text.find("§ 212"), std::string::npos) << text;
  EXPECT_NE(text.find("1200.00 EUR"), std::string::npos) << text;
  EXPECT_NE(text.find("§ 193"), std::string::npos) << text;
}

TEST_F(ProposePlanTest, PlanInterestIsSimpleOnTheDecliningPrincipal) {
  // 3650.00 at 10 % p.a. agreed 2025-01-02, two weekly installments, nominal 2025-01-12 (a
  // Sunday: paid on the 13th, interest still to the nominal date) and 2025-01-19:
  // 10 days on 3650.00 = 10.00, 7 days on 1825.00 = 3.50; total 13.50.
  State s = consumer_state(365000);
  PlanRequest r = request(2, make_date(2025, 1, 12), PlanInterval::kWeekly);
  r.plan_interest_bp = 1000;
  auto plan = propose(s, r, make_date(2025, 1, 2));
  ASSERT_TRUE(plan.ok()) << plan.error().to_string();
  EXPECT_EQ(plan->plan_interest, eur(1350));
  EXPECT_EQ(plan->total, eur(366350));
  EXPECT_EQ(amounts(*plan), (std::vector<std::int64_t>{183175, 183175}));
  EXPECT_EQ(dues(*plan), (std::vector<Date>{make_date(2025, 1, 13), make_date(2025, 1, 20)}));
  EXPECT_NE(explain(*plan).find("10.00 % p.a."), std::string::npos) << explain(*plan);
}

TEST_F(ProposePlanTest, EmptyItemListTakesTheDebtorsOpenItemsOutsideActivePlans) {
  State s = consumer_state(10000);
  s.items.push_back(item("2", "C1", make_date(2025, 1, 5), make_date(2025, 12, 31), 20000));
  s.items.push_back(item("3", "C1", make_date(2025, 1, 5), make_date(2025, 12, 31), 40000));
  s.items.push_back(item("4", "C1", make_date(2025, 1, 5), make_date(2025, 12, 31), 80000));
  s.items[3].open_amount = eur(0);  // paid in the books
  PaymentPlan other;
  other.id = "P0";
  other.items = {"2"};
  s.plans.push_back(other);
  PaymentPlan cancelled = other;
  cancelled.id = "P-cancelled";
  cancelled.items = {"3"};
  cancelled.status = PlanStatus::kCancelled;
  s.plans.push_back(cancelled);
  auto plan = propose(s, request(1, make_date(2025, 4, 1)));
  ASSERT_TRUE(plan.ok()) << plan.error().to_string();
  EXPECT_EQ(plan->items, (std::vector<std::string>{"1", "3"}));
  EXPECT_EQ(plan->total, eur(50000));
}

TEST_F(ProposePlanTest, InvalidRequestsNameTheField) {
  State s = consumer_state(10000);
  s.debtors.push_back(debtor("C2", DebtorKind::kConsumer));
  s.items.push_back(item("other", "C2", make_date(2025, 1, 5), make_date(2025, 12, 31), 5000));
  s.items.push_back(item("planned", "C1", make_date(2025, 1, 5), make_date(2025, 12, 31), 5000));
  s.items.push_back(item("paid", "C1", make_date(2025, 1, 5), make_date(2025, 12, 31), 5000));
  s.items.back().open_amount = eur(0);
  PaymentPlan existing;
  existing.id = "P1";
  existing.debtor = "C1";
  existing.items = {"planned"};
  s.plans.push_back(existing);

  struct Case {
    const char* name;
    void (*edit)(PlanRequest&);
    const char* field;
    const char* message_part;
  };
  const Case cases[] = {
      {"unknown debtor", [](PlanRequest& r) { r.debtor = "X"; }, "debtor", "unknown debtor"},
      {"unknown item",
       [](PlanRequest& r) {
         r.items = {"1", "nope"};
       },
       "items[1]", "unknown item"},
      {"other debtor's item", [](PlanRequest& r) { r.items = {"other"}; }, "items[0]",
       "belongs to debtor \"C2\""},
      {"item in active plan", [](PlanRequest& r) { r.items = {"planned"}; }, "items[0]",
       "active plan \"P1\""},
      {"item listed twice",
       [](PlanRequest& r) {
         r.items = {"1", "1"};
       },
       "items[1]", "twice"},
      {"nothing open on item", [](PlanRequest& r) { r.items = {"paid"}; }, "items[0]", "nothing is open"},
      {"neither", [](PlanRequest& r) { r.installments = 0; }, "installments", "give installments"},
      {"both", [](PlanRequest& r) { r.max_installment = Money(100, Currency::eur()); }, "installments",
       "not both"},
      {"too few", [](PlanRequest& r) { r.installments = -1; }, "installments", "between 1 and 120"},
      {"too many", [](PlanRequest& r) { r.installments = 121; }, "installments", "between 1 and 120"},
      {"max not positive",
       [](PlanRequest& r) {
         r.installments = 0;
         r.max_installment = Money(0, Currency::eur());
       },
       "max_installment", "positive"},
      {"max needs too many",
       [](PlanRequest& r) {
         r.installments = 0;
         r.max_installment = Money(50, Currency::eur());
       },
       "max_installment", "more than 120"},
      {"first due before agreement", [](PlanRequest& r) { r.first_due = make_date(2025, 2, 1); }, "first_due",
       "before the agreement"},
      {"duplicate id", [](PlanRequest& r) { r.id = "P1"; }, "id", "exists already"},
  };
  for (const auto& c : cases) {
    PlanRequest r = request(3, make_date(2025, 4, 1));
    c.edit(r);
    auto plan = propose(s, r);
    ASSERT_FALSE(plan.ok()) << c.name;
    EXPECT_EQ(plan.error().kind, ErrorKind::kInvalidInput) << c.name;
    EXPECT_EQ(plan.error().context, c.field) << c.name << ": " << plan.error().to_string();
    EXPECT_NE(plan.error().message.find(c.message_part), std::string::npos)
        << c.name << ": " << plan.error().message;
  }
}

TEST_F(ProposePlanTest, NothingOpenAndSubCentInstallmentsAreRefused) {
  State s = consumer_state(100);
  s.items[0].open_amount = eur(0);
  auto none = propose(s, request(1, make_date(2025, 4, 1)));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().context, "items");
  EXPECT_NE(none.error().message.find("nothing open"), std::string::npos) << none.error().message;

  auto tiny = propose(consumer_state(5), request(6, make_date(2025, 4, 1)));  // 0.05 in 6 parts
  ASSERT_FALSE(tiny.ok());
  EXPECT_EQ(tiny.error().context, "installments");
  EXPECT_NE(tiny.error().message.find("less than one cent"), std::string::npos) << tiny.error().message;
}

// ---- evaluation -------------------------------------------------------------------------

// A plan agreed on 2025-01-02 with installments due on the 15th of each month from January
// (fixed dates; evaluation does not shift them), total = principal + costs + interest.
PaymentPlan plan_of(std::vector<std::int64_t> installment_amounts, std::int64_t costs = 0,
                    std::int64_t interest = 0) {
  PaymentPlan p;
  p.id = "P1";
  p.debtor = "C1";
  p.items = {"1"};
  p.agreed_on = make_date(2025, 1, 2);
  std::int64_t total = 0;
  for (std::size_t k = 0; k < installment_amounts.size(); ++k) {
    p.installments.push_back(
        {add_months(make_date(2025, 1, 15), static_cast<int>(k)), eur(installment_amounts[k]), eur(0)});
    total += installment_amounts[k];
  }
  p.total = eur(total);
  p.costs = eur(costs);
  p.interest = eur(interest);
  p.principal = eur(total - costs - interest);
  return p;
}

Payment pay(Date date, std::int64_t amount, std::string item = "1") {
  return Payment{std::move(item), "", date, eur(amount), "Rate"};
}

std::vector<PlanEventKind> kinds(const PlanEvaluation& ev) {
  std::vector<PlanEventKind> out;
  for (const auto& e : ev.events) out.push_back(e.kind);
  return out;
}

bool has_event(const PlanEvaluation& ev, PlanEventKind kind) {
  for (const auto& e : ev.events) {
    if (e.kind == kind) return true;
  }
  return false;
}

TEST(EvaluatePlan, PaymentsGoToCostsThenInterestThenPrincipal) {
  // Total 1000.00 = principal 900.00 + costs 40.00 + interest 60.00, four installments of 250.
  const PaymentPlan plan = plan_of({25000, 25000, 25000, 25000}, 4000, 6000);
  const std::vector<Payment> payments{pay(make_date(2025, 1, 14), 25000), pay(make_date(2025, 2, 14), 10000)};
  const auto ev = evaluate_plan(plan, payments, make_date(2025, 2, 20), false, 0);
  EXPECT_EQ(ev.paid_total, eur(35000));
  EXPECT_EQ(ev.paid_costs, eur(4000));
  EXPECT_EQ(ev.paid_interest, eur(6000));
  EXPECT_EQ(ev.paid_principal, eur(25000));
  EXPECT_EQ(ev.remaining, eur(65000));
  EXPECT_EQ(ev.plan.installments[0].paid, eur(25000));
  EXPECT_EQ(ev.plan.installments[1].paid, eur(10000));
  EXPECT_EQ(ev.plan.status, PlanStatus::kActive);
  ASSERT_EQ(kinds(ev),
            (std::vector<PlanEventKind>{PlanEventKind::kPartialPayment, PlanEventKind::kPartialPayment}));
  EXPECT_EQ(ev.events[1].installment, 1);
  EXPECT_EQ(ev.events[1].amount, eur(10000));
  EXPECT_NE(ev.events[1].explanation.find("650.00 EUR of the plan remains open"), std::string::npos)
      << ev.events[1].explanation;
}

TEST(EvaluatePlan, CompletesWhenEverythingIsPaidAndKeepsTheOverpayment) {
  const PaymentPlan plan = plan_of({25000, 25000});
  const std::vector<Payment> payments{pay(make_date(2025, 2, 20), 30000), pay(make_date(2025, 1, 10), 25000)};
  const auto ev = evaluate_plan(plan, payments, make_date(2025, 3, 1), false, 5);
  EXPECT_EQ(ev.plan.status, PlanStatus::kCompleted);
  EXPECT_EQ(ev.unapplied, eur(5000));
  EXPECT_EQ(ev.remaining, eur(0));
  ASSERT_EQ(kinds(ev),
            (std::vector<PlanEventKind>{PlanEventKind::kPartialPayment, PlanEventKind::kCompleted}));
  EXPECT_EQ(ev.events[1].date, make_date(2025, 2, 20));  // the completing payment (sorted by date)
  EXPECT_EQ(ev.events[1].amount, eur(50000));
}

TEST(EvaluatePlan, CountsOnlyThePlansPaymentsBetweenAgreementAndAsOf) {
  const PaymentPlan plan = plan_of({25000, 25000});
  const std::vector<Payment> payments{
      pay(make_date(2025, 1, 1), 1000),                                             // before the agreement
      pay(make_date(2025, 1, 10), 2000, "other-item"),                              // another item
      Payment{"", "C1", make_date(2025, 1, 11), eur(3000), "unapplied, debtor's"},  // counted
      Payment{"", "C9", make_date(2025, 1, 11), eur(4000), "another debtor"},
      pay(make_date(2025, 3, 2), 5000),  // after as_of
  };
  const auto ev = evaluate_plan(plan, payments, make_date(2025, 3, 1), false, 0);
  EXPECT_EQ(ev.paid_total, eur(3000));
}

struct DefaultCase {
  const char* name;
  std::vector<Payment> payments;
  Date as_of;
  int consecutive;
  PlanStatus status;
};

TEST(EvaluatePlan, VerfallklauselNeedsConsecutiveInstallmentsInArrearsAfterGrace) {
  // Four installments of 250.00 due 15 Jan, 15 Feb, 15 Mar, 15 Apr; grace 7 days.
  const DefaultCase cases[] = {
      {"two missed", {}, make_date(2025, 2, 23), 2, PlanStatus::kDefaulted},
      // 15 Feb + 7 = 22 Feb is still grace: only January is in arrears.
      {"second within grace", {}, make_date(2025, 2, 22), 1, PlanStatus::kActive},
      // January paid late, February paid, March missed: one installment in arrears.
      {"missed, paid, missed",
       {pay(make_date(2025, 1, 30), 25000), pay(make_date(2025, 2, 14), 25000)},
       make_date(2025, 3, 30),
       1,
       PlanStatus::kActive},
      // A partial payment leaves both installments partly in arrears (§ 498: "ganz oder teilweise").
      {"partly paid", {pay(make_date(2025, 2, 1), 30000)}, make_date(2025, 3, 23), 2, PlanStatus::kDefaulted},
      // Catching up before the evaluation cures the arrears.
      {"caught up", {pay(make_date(2025, 2, 25), 50000)}, make_date(2025, 2, 26), 0, PlanStatus::kActive},
  };
  const PaymentPlan plan = plan_of({25000, 25000, 25000, 25000});
  for (const auto& c : cases) {
    const auto ev = evaluate_plan(plan, c.payments, c.as_of, false, 0);
    EXPECT_EQ(ev.consecutive_arrears, c.consecutive) << c.name;
    EXPECT_EQ(ev.plan.status, c.status) << c.name;
    EXPECT_EQ(has_event(ev, PlanEventKind::kDefaulted), c.status == PlanStatus::kDefaulted) << c.name;
  }
}

TEST(EvaluatePlan, DefaultEventCarriesTheRemainderAndMissedEventsTheirFirstDayInArrears) {
  const PaymentPlan plan = plan_of({25000, 25000, 25000, 25000});
  const auto ev = evaluate_plan(plan, {}, make_date(2025, 2, 23), false, 0);
  ASSERT_EQ(kinds(ev),
            (std::vector<PlanEventKind>{PlanEventKind::kInstallmentMissed, PlanEventKind::kInstallmentMissed,
                                        PlanEventKind::kDefaulted}));
  EXPECT_EQ(ev.events[0].date, make_date(2025, 1, 23));
  EXPECT_EQ(ev.events[1].date, make_date(2025, 2, 23));
  EXPECT_EQ(ev.events[2].amount, eur(100000));
  EXPECT_EQ(ev.arrears, eur(50000));
  EXPECT_NE(ev.events[2].explanation.find("dunning resumes"), std::string::npos);
}

TEST(EvaluatePlan, GraceDaysAreThePlansOwn) {
  PaymentPlan plan = plan_of({25000, 25000, 25000});
  plan.grace_days = 0;
  EXPECT_EQ(evaluate_plan(plan, {}, make_date(2025, 1, 16), false, 0).consecutive_arrears, 1);
  EXPECT_EQ(evaluate_plan(plan, {}, make_date(2025, 1, 15), false, 0).consecutive_arrears, 0);
  plan.grace_days = 14;
  EXPECT_EQ(evaluate_plan(plan, {}, make_date(2025, 1, 29), false, 0).consecutive_arrears, 0);
  EXPECT_EQ(evaluate_plan(plan, {}, make_date(2025, 1, 30), false, 0).consecutive_arrears, 1);
}

TEST(EvaluatePlan, ConsumerPlanWithoutChargesDefaultsOnTwoMissed) {
  const PaymentPlan plan = plan_of({25000, 25000, 25000, 25000});
  EXPECT_EQ(evaluate_plan(plan, {}, make_date(2025, 2, 23), true, 0).plan.status, PlanStatus::kDefaulted);
  PaymentPlan one = plan;
  one.default_after_missed = 1;  // a consumer keeps the two-installment minimum
  EXPECT_EQ(evaluate_plan(one, {}, make_date(2025, 1, 23), true, 0).plan.status, PlanStatus::kActive);
  EXPECT_EQ(evaluate_plan(one, {}, make_date(2025, 1, 23), false, 0).plan.status, PlanStatus::kDefaulted);
}

// n installments of a 1000.00 plan with plan interest (a consumer plan with charges).
PaymentPlan charged_plan(int n) {
  std::vector<std::int64_t> parts(static_cast<std::size_t>(n), 100000 / n);
  parts.back() += 100000 - (100000 / n) * n;
  PaymentPlan p = plan_of(parts);
  p.plan_interest_bp = 500;
  return p;
}

struct Case498 {
  const char* name;
  int installments;
  Date as_of;
  std::optional<Date> final_notice;
  PlanStatus status;
  bool final_notice_event;
};

TEST(EvaluatePlan, ConsumerPlanWithChargesFollows498) {
  const Case498 cases[] = {
      // 24 x 41.66 (last 41.82): two missed = 83.32 < 100.00 (10 %): not yet.
      {"below 10 %", 24, make_date(2025, 2, 23), std::nullopt, PlanStatus::kActive, false},
      // Three missed = 124.98 >= 100.00, no notice yet: send the final notice.
      {"10 % without notice", 24, make_date(2025, 3, 23), std::nullopt, PlanStatus::kActive, true},
      // Notice sent 2025-03-24 (arrears then due), 14 days later on 2025-04-07: defaulted.
      {"notice 14 days ago", 24, make_date(2025, 4, 7), make_date(2025, 3, 24), PlanStatus::kDefaulted,
       false},
      // Only 13 days after the notice: the deadline still runs.
      {"notice 13 days ago", 24, make_date(2025, 4, 6), make_date(2025, 3, 24), PlanStatus::kActive, false},
      // A notice sent before the current arrears arose does not count: send a new one.
      {"stale notice", 24, make_date(2025, 3, 23), make_date(2025, 1, 10), PlanStatus::kActive, true},
      // 36 x 27.77: term 2025-01-15..2027-12-15 (< 3 years): three missed 83.31 < 10 %.
      {"36 months, 8.3 %", 36, make_date(2025, 3, 23), std::nullopt, PlanStatus::kActive, false},
      // 40 x 25.00: term > 3 years, threshold 5 %: three missed 75.00 >= 50.00.
      {"40 months, 7.5 %", 40, make_date(2025, 3, 23), std::nullopt, PlanStatus::kActive, true},
      {"40 months, noticed", 40, make_date(2025, 4, 7), make_date(2025, 3, 24), PlanStatus::kDefaulted,
       false},
  };
  for (const auto& c : cases) {
    PaymentPlan plan = charged_plan(c.installments);
    plan.final_notice_date = c.final_notice;
    const auto ev = evaluate_plan(plan, {}, c.as_of, true, 0);
    EXPECT_EQ(ev.plan.status, c.status) << c.name;
    EXPECT_EQ(has_event(ev, PlanEventKind::kFinalNotice), c.final_notice_event) << c.name;
    if (c.final_notice_event) {
      const PlanEvent& e = ev.events.back();
      EXPECT_EQ(e.kind, PlanEventKind::kFinalNotice) << c.name;
      EXPECT_EQ(e.date, c.as_of) << c.name;
      EXPECT_EQ(e.amount, ev.arrears) << c.name;
      EXPECT_NE(e.explanation.find("§ 498"), std::string::npos) << e.explanation;
    }
  }
}

TEST(EvaluatePlan, CostsAloneMakeAConsumerPlanCharged) {
  PaymentPlan plan = plan_of(std::vector<std::int64_t>(24, 4000), 500);  // 960.00 incl. 5.00 costs
  const auto ev = evaluate_plan(plan, {}, make_date(2025, 2, 23), true, 0);
  EXPECT_EQ(ev.plan.status, PlanStatus::kActive);  // 80.00 < 96.00
  EXPECT_FALSE(has_event(ev, PlanEventKind::kFinalNotice));
}

TEST(EvaluatePlan, CancelledCompletedAndDefaultedPlansKeepTheirStatus) {
  for (PlanStatus status : {PlanStatus::kCancelled, PlanStatus::kDefaulted, PlanStatus::kCompleted}) {
    PaymentPlan plan = plan_of({25000, 25000, 25000});
    plan.status = status;
    const auto ev = evaluate_plan(plan, std::vector<Payment>{pay(make_date(2025, 1, 10), 1000)},
                                  make_date(2025, 6, 1), false, 10);
    EXPECT_EQ(ev.plan.status, status) << to_string(status);
    EXPECT_TRUE(ev.events.empty()) << to_string(status);
    EXPECT_EQ(ev.paid_total, eur(1000)) << to_string(status);
    EXPECT_FALSE(plan_covers(ev.plan, "1")) << to_string(status);
  }
}

TEST(EvaluatePlan, RemindsOfInstallmentsDueSoon) {
  const PaymentPlan plan = plan_of({25000, 25000, 25000});
  const std::vector<Payment> early{pay(make_date(2025, 1, 10), 50000)};
  struct Case {
    Date as_of;
    int days_before;
    std::vector<Payment> payments;
    int want_installment;  // -1: no reminder
  };
  const Case cases[] = {
      {make_date(2025, 1, 10), 5, {}, 0},      // 15 Jan within 5 days
      {make_date(2025, 1, 15), 5, {}, 0},      // on the due date itself
      {make_date(2025, 1, 9), 5, {}, -1},      // 6 days before
      {make_date(2025, 1, 10), 0, {}, -1},     // reminders off
      {make_date(2025, 2, 12), 5, early, -1},  // February paid in advance
  };
  for (const auto& c : cases) {
    const auto ev = evaluate_plan(plan, c.payments, c.as_of, false, c.days_before);
    int got = -1;
    for (const auto& e : ev.events) {
      if (e.kind == PlanEventKind::kInstallmentDueSoon) got = e.installment;
    }
    EXPECT_EQ(got, c.want_installment) << format_date(c.as_of);
  }
}

TEST(Plan, CoversOnlyItsItemsWhileActive) {
  PaymentPlan plan = plan_of({100});
  EXPECT_TRUE(plan_covers(plan, "1"));
  EXPECT_FALSE(plan_covers(plan, "2"));
  plan.status = PlanStatus::kDefaulted;
  EXPECT_FALSE(plan_covers(plan, "1"));
}

TEST(Plan, ParsesIntervalsAndStatuses) {
  for (PlanInterval i : {PlanInterval::kMonthly, PlanInterval::kBiweekly, PlanInterval::kWeekly}) {
    EXPECT_EQ(parse_plan_interval(to_string(i)).value(), i);
  }
  for (PlanStatus s :
       {PlanStatus::kActive, PlanStatus::kCompleted, PlanStatus::kDefaulted, PlanStatus::kCancelled}) {
    EXPECT_EQ(parse_plan_status(to_string(s)).value(), s);
  }
  EXPECT_FALSE(parse_plan_interval("daily").ok());
  EXPECT_FALSE(parse_plan_status("paused").ok());
}

}  // namespace
}  // namespace mahnwerk::core
