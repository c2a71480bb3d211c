// Positive letters: each kind inside and outside the run's window, one reminder per installment
// however the runs are cut, plan payments confirmed through the plan and plain payments through
// the claims, no letter for a full payment, order and unique file names.
// Items fall due after every as_of used here, so the claims carry no interest: an item's open
// total is its amount less its payments.
#include "connector/core/events.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "connector/core/claim.h"
#include "connector/core/letter.h"

namespace mahnwerk::core {
namespace {

Money eur(std::int64_t minor) { return Money(minor, Currency::eur()); }
Date d(unsigned month, unsigned day) { return make_date(2025, month, day); }

Debtor debtor(std::string id, DebtorKind kind) {
  Debtor out;
  out.id = std::move(id);
  out.name = "Debtor " + out.id;
  out.kind = kind;
  return out;
}

OpenItem item(std::string id, std::string debtor_id, std::int64_t amount) {
  OpenItem i;
  i.id = std::move(id);
  i.number = "RE-" + i.id;
  i.debtor = std::move(debtor_id);
  i.invoice_date = d(5, 2);
  i.due_date = d(12, 31);
  i.due_date_agreed = true;
  i.amount = eur(amount);
  i.open_amount = eur(amount);
  return i;
}

Payment on_item(std::string item_id, Date date, std::int64_t amount, std::string reference = "") {
  return Payment{std::move(item_id), "", date, eur(amount), std::move(reference)};
}

Payment on_debtor(std::string debtor_id, Date date, std::int64_t amount, std::string reference = "") {
  return Payment{"", std::move(debtor_id), date, eur(amount), std::move(reference)};
}

// Plan P1 of consumer C1 over item p1 (300.00): agreed on 2 June, three installments of 100.00
// due 1 July, 1 August and 1 September.
PaymentPlan plan_p1(Date agreed_on = d(6, 2)) {
  PaymentPlan p;
  p.id = "P1";
  p.debtor = "C1";
  p.items = {"p1"};
  p.agreed_on = agreed_on;
  p.principal = eur(30000);
  p.costs = eur(0);
  p.interest = eur(0);
  p.plan_interest = eur(0);
  p.total = eur(30000);
  for (const Date due : {d(7, 1), d(8, 1), d(9, 1)}) p.installments.push_back({due, eur(10000), eur(0)});
  return p;
}

// Business B1 with items a (1000.00) and b (500.00); consumer C1 with item p1 under plan P1.
State base_state() {
  State s;
  s.creditor.name = "Beispiel GmbH";
  s.creditor.iban = "DE02120300000000202051";
  s.debtors = {debtor("B1", DebtorKind::kBusiness), debtor("C1", DebtorKind::kConsumer)};
  s.items = {item("a", "B1", 100000), item("b", "B1", 50000), item("p1", "C1", 30000)};
  s.plans = {plan_p1()};
  return s;
}

// One line per event: kind, debtor, reference, amount -> balance, the amount's date, the items.
std::string describe(const LetterEvent& e, const State& s) {
  std::string text = std::string(to_string(e.kind)) + " " + s.debtors[e.debtor_index].id + " " + e.reference +
                     " " + e.amount.to_string() + " -> " + e.balance.to_string();
  if (e.amount_date) text += " (" + format_date(*e.amount_date) + ")";
  text += " [";
  for (std::size_t n = 0; n < e.items.size(); ++n) text += (n > 0 ? " " : "") + s.items[e.items[n]].id;
  return text + "]";
}

class PositiveEventsTest : public ::testing::Test {
 protected:
  Result<std::vector<LetterEvent>> run(const State& s, Date since, Date as_of, int days = 5) const {
    const ClaimEngine engine(table_, calendar_, ClaimPolicy{});
    auto claims = engine.compute(s, as_of);
    EXPECT_TRUE(claims.ok()) << claims.error().to_string();
    return positive_events(s, *claims, since, as_of, days);
  }
  std::vector<std::string> lines(const State& s, Date since, Date as_of, int days = 5) const {
    auto events = run(s, since, as_of, days);
    EXPECT_TRUE(events.ok()) << events.error().to_string();
    std::vector<std::string> out;
    if (events) {
      for (const auto& e : *events) out.push_back(describe(e, s));
    }
    return out;
  }

  BasiszinsTable table_ = BasiszinsTable::create({{make_date(2025, 1, 1), 227}}).value();
  HolidayCalendar calendar_{Region::kNational};
};

struct WindowCase {
  const char* name;
  std::vector<Payment> payments;
  Date since, as_of;
  std::vector<std::string> want;
};

TEST_F(PositiveEventsTest, EachKindInAndOutOfTheWindow) {
  const std::vector<Payment> plan_paid = {on_item("p1", d(7, 1), 10000), on_debtor("C1", d(8, 1), 10000),
                                          on_item("p1", d(9, 1), 10000)};
  const std::vector<WindowCase> cases = {
      {"plan agreed on the day", {}, d(6, 2), d(6, 2), {"plan_agreed C1 P1 0.00 -> 300.00 [p1]"}},
      {"plan agreed in a longer window", {}, d(6, 1), d(6, 10), {"plan_agreed C1 P1 0.00 -> 300.00 [p1]"}},
      {"plan agreed the day before", {}, d(6, 3), d(6, 3), {}},
      {"plan agreed the day after", {}, d(6, 1), d(6, 1), {}},
      {"plan payment on the day",
       {on_item("p1", d(7, 1), 10000, "Rate 1")},
       d(7, 1),
       d(7, 1),
       {"partial_payment C1 P1 100.00 -> 200.00 (2025-07-01) [p1]"}},
      {"plan payment the day before", {on_item("p1", d(7, 1), 10000)}, d(7, 2), d(7, 2), {}},
      {"plan payment of the debtor without item",
       {on_item("p1", d(7, 1), 10000), on_debtor("C1", d(7, 20), 15000)},
       d(7, 20),
       d(7, 20),
       {"partial_payment C1 P1 150.00 -> 50.00 (2025-07-20) [p1]"}},
      {"plan completed on the day",
       plan_paid,
       d(9, 1),
       d(9, 1),
       {"plan_completed C1 P1 0.00 -> 0.00 (2025-09-01) [p1]"}},
      {"plan completed the day before", plan_paid, d(9, 2), d(9, 2), {}},
      {"a quarter's run: each payment once, by date",
       plan_paid,
       d(7, 1),
       d(9, 30),
       {"partial_payment C1 P1 100.00 -> 200.00 (2025-07-01) [p1]",
        "partial_payment C1 P1-2 100.00 -> 100.00 (2025-08-01) [p1]",
        "plan_completed C1 P1 0.00 -> 0.00 (2025-09-01) [p1]"}},
      {"plain partial payment on an item",
       {on_item("a", d(7, 1), 20000, "UEB-1")},
       d(7, 1),
       d(7, 1),
       {"partial_payment B1 UEB-1 200.00 -> 800.00 (2025-07-01) [a]"}},
      {"plain payment the day before", {on_item("a", d(7, 1), 20000)}, d(7, 2), d(7, 2), {}},
      {"plain payment of the debtor without item",
       {on_debtor("B1", d(7, 1), 30000, "Abschlag")},
       d(7, 1),
       d(7, 1),
       {"partial_payment B1 Abschlag 300.00 -> 1200.00 (2025-07-01) [a b]"}},
      {"full payment of an item", {on_item("a", d(7, 1), 100000)}, d(7, 1), d(7, 1), {}},
      {"full payment of everything the debtor owes",
       {on_debtor("B1", d(7, 1), 150000)},
       d(7, 1),
       d(7, 1),
       {}},
  };
  for (const auto& c : cases) {
    State s = base_state();
    s.payments = c.payments;
    EXPECT_EQ(lines(s, c.since, c.as_of), c.want) << c.name;
  }
}

// Daily runs from 20 June to 2 July: the reminder of the 1 July installment goes out once, on
// its reminder day (due date minus the lead time), and never again.
TEST_F(PositiveEventsTest, ReminderOnceAcrossConsecutiveDays) {
  const State s = base_state();
  for (const int days : {1, 3, 5, 10}) {
    std::vector<std::string> sent;
    for (Date day = d(6, 20); day <= d(7, 2); day = add_days(day, 1)) {
      for (const auto& line : lines(s, day, day, days)) sent.push_back(format_date(day) + " " + line);
    }
    const Date reminder_day = add_days(d(7, 1), -days);
    EXPECT_EQ(sent,
              std::vector<std::string>{format_date(reminder_day) +
                                       " installment_reminder C1 P1 100.00 -> 300.00 (2025-07-01) [p1]"})
        << days << " days";
  }
}

struct ReminderCase {
  const char* name;
  std::vector<Payment> payments;
  Date agreed_on;
  Date since, as_of;
  int days;
  std::size_t want;  // reminders
};

TEST_F(PositiveEventsTest, ReminderRules) {
  const std::vector<ReminderCase> cases = {
      {"weekly run holding the reminder day", {}, d(6, 2), d(6, 22), d(6, 28), 5, 1},
      {"the following weekly run", {}, d(6, 2), d(6, 29), d(7, 5), 5, 0},
      {"window ends after the due date: no 'due soon' any more", {}, d(6, 2), d(6, 23), d(7, 2), 5, 0},
      {"installment paid before the reminder day",
       {on_item("p1", d(6, 20), 10000)},
       d(6, 2),
       d(6, 26),
       d(6, 26),
       5,
       0},
      {"installment partly paid: reminded of the rest",
       {on_item("p1", d(6, 20), 4000)},
       d(6, 2),
       d(6, 26),
       d(6, 26),
       5,
       1},
      {"no lead time: no reminders", {}, d(6, 2), d(6, 1), d(7, 1), 0, 0},
      {"reminder day before the agreement", {}, d(6, 28), d(6, 28), d(6, 30), 5, 0},
      {"reminder day on the agreement day", {}, d(6, 26), d(6, 26), d(6, 26), 5, 0},
      {"reminder day the day after the agreement", {}, d(6, 25), d(6, 26), d(6, 26), 5, 1},
  };
  for (const auto& c : cases) {
    State s = base_state();
    s.plans = {plan_p1(c.agreed_on)};
    s.payments = c.payments;
    auto events = run(s, c.since, c.as_of, c.days);
    ASSERT_TRUE(events.ok()) << c.name << ": " << events.error().to_string();
    const auto reminders =
        static_cast<std::size_t>(std::count_if(events->begin(), events->end(), [](const LetterEvent& e) {
          return e.kind == LetterEventKind::kInstallmentReminder;
        }));
    EXPECT_EQ(reminders, c.want) << c.name;
  }
}

TEST_F(PositiveEventsTest, ReminderNamesTheOpenRestAndTheDueDate) {
  State s = base_state();
  s.payments = {on_item("p1", d(6, 20), 4000)};
  auto events = run(s, d(6, 26), d(6, 26));
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1U);
  const LetterEvent& e = events->front();
  EXPECT_EQ(e.amount, eur(6000));
  EXPECT_EQ(e.amount_date, d(7, 1));
  EXPECT_EQ(e.deadline, d(7, 1));
  EXPECT_EQ(e.date, d(6, 26));
  ASSERT_TRUE(e.plan.has_value());
  EXPECT_EQ(e.plan->installments[0].paid, eur(4000));  // the evaluated plan, not the stored one
}

TEST_F(PositiveEventsTest, PlanPaymentVersusPlainPayment) {
  State s = base_state();
  // Before the agreement the plan counts nothing: a plain payment on the item, its balance from
  // the claims. After it, the plan confirms the payment with the plan's remainder.
  s.payments = {on_item("p1", d(6, 1), 5000, "vorab"), on_item("p1", d(6, 5), 5000, "Rate")};
  EXPECT_EQ(lines(s, d(6, 1), d(6, 5)),
            (std::vector<std::string>{"partial_payment C1 vorab 50.00 -> 200.00 (2025-06-01) [p1]",
                                      "plan_agreed C1 P1 0.00 -> 250.00 [p1]",
                                      "partial_payment C1 P1 50.00 -> 250.00 (2025-06-05) [p1]"}));
  // A completed or cancelled plan counts nothing either.
  for (const PlanStatus status : {PlanStatus::kCompleted, PlanStatus::kCancelled}) {
    s.plans[0].status = status;
    EXPECT_EQ(lines(s, d(6, 5), d(6, 5)),
              std::vector<std::string>{"partial_payment C1 Rate 50.00 -> 200.00 (2025-06-05) [p1]"});
  }
}

TEST_F(PositiveEventsTest, CancelledPlanGetsNoConfirmation) {
  State s = base_state();
  s.plans[0].status = PlanStatus::kCancelled;
  EXPECT_TRUE(lines(s, d(6, 2), d(6, 2)).empty());
  s.plans[0].status = PlanStatus::kCompleted;
  EXPECT_EQ(lines(s, d(6, 2), d(6, 2)), std::vector<std::string>{"plan_agreed C1 P1 0.00 -> 300.00 [p1]"});
}

TEST_F(PositiveEventsTest, OrderedByDebtorThenDateThenKind) {
  State s = base_state();
  s.plans = {plan_p1(d(7, 1))};
  s.payments = {on_item("p1", d(7, 1), 10000), on_item("b", d(7, 1), 1000, "z"),
                on_item("a", d(6, 30), 1000, "y")};
  EXPECT_EQ(lines(s, d(6, 30), d(7, 1)),
            (std::vector<std::string>{"partial_payment B1 y 10.00 -> 990.00 (2025-06-30) [a]",
                                      "partial_payment B1 z 10.00 -> 490.00 (2025-07-01) [b]",
                                      "plan_agreed C1 P1 0.00 -> 200.00 [p1]",
                                      "partial_payment C1 P1 100.00 -> 200.00 (2025-07-01) [p1]"}));
}

TEST_F(PositiveEventsTest, SharedReferencesBecomeUniqueFileNames) {
  State s = base_state();
  s.payments = {on_item("a", d(7, 1), 1000, "UEB"), on_item("a", d(7, 1), 1000, "UEB"),
                on_item("b", d(7, 1), 1000, "UEB-2"), on_item("a", d(7, 1), 1000),
                on_item("b", d(7, 1), 1000)};
  auto events = run(s, d(7, 1), d(7, 1));
  ASSERT_TRUE(events.ok());
  std::vector<std::string> references;
  std::set<std::string> stems;
  for (const auto& e : *events) {
    references.push_back(e.reference);
    auto data = letter_data(e, s);
    ASSERT_TRUE(data.ok()) << data.error().to_string();
    EXPECT_TRUE(stems.insert(data->file_stem).second) << data->file_stem;
  }
  EXPECT_EQ(references, (std::vector<std::string>{"", "2", "UEB", "UEB-3", "UEB-2"}));
}

// One run that holds every kind; letter_data accepts each of them.
TEST_F(PositiveEventsTest, EveryKindMakesLetterData) {
  State s = base_state();
  s.items.push_back(item("p2", "C1", 10000));
  PaymentPlan p2 = plan_p1();
  p2.id = "P2";
  p2.items = {"p2"};
  p2.principal = p2.total = eur(10000);
  p2.installments = {{d(6, 15), eur(10000), eur(0)}};
  s.plans.push_back(p2);
  s.payments = {on_item("a", d(6, 10), 1000), on_item("p2", d(6, 15), 10000), on_item("p1", d(6, 20), 1000),
                on_debtor("C1", d(6, 21), 0)};  // zero: ignored
  auto events = run(s, d(6, 2), d(6, 26));
  ASSERT_TRUE(events.ok()) << events.error().to_string();
  std::vector<std::string> kinds;
  for (const auto& e : *events) {
    kinds.emplace_back(to_string(e.kind));
    auto data = letter_data(e, s);
    EXPECT_TRUE(data.ok()) << describe(e, s) << ": " << data.error().to_string();
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"partial_payment", "plan_agreed", "plan_agreed",
                                             "plan_completed", "partial_payment", "installment_reminder"}));
}

TEST_F(PositiveEventsTest, RefusesBadArguments) {
  const State s = base_state();
  auto reversed = run(s, d(7, 2), d(7, 1));
  ASSERT_FALSE(reversed.ok());
  EXPECT_EQ(reversed.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(reversed.error().context, "since");
  for (const int days : {-1, kMaxReminderDaysBefore + 1}) {
    auto bad = run(s, d(7, 1), d(7, 1), days);
    ASSERT_FALSE(bad.ok()) << days;
    EXPECT_EQ(bad.error().context, "reminder_days_before");
  }
  auto mismatch = positive_events(s, ClaimSet{}, d(7, 1), d(7, 1), 5);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().kind, ErrorKind::kInternal);
}

TEST_F(PositiveEventsTest, PlanOfAnUnknownDebtorIsInvalidInput) {
  State s = base_state();
  s.plans[0].debtor = "X9";
  const ClaimEngine engine(table_, calendar_, ClaimPolicy{});
  State without_plan = s;
  without_plan.plans.clear();
  auto claims = engine.compute(without_plan, d(6, 2));
  ASSERT_TRUE(claims.ok());
  auto events = positive_events(s, *claims, d(6, 2), d(6, 2), 5);
  ASSERT_FALSE(events.ok());
  EXPECT_EQ(events.error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(events.error().context, "plans[0].debtor");
}

}  // namespace
}  // namespace mahnwerk::core
