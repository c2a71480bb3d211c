// The Mahnvorschlag: a scenario per rule, and a property test over random multi-run histories.
#include "connector/core/proposal.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>

namespace mahnwerk::core {
namespace {

Money eur(std::int64_t minor) { return Money(minor, Currency::eur()); }

// The shape of config/policies/standard.json, built in code so the test stands alone.
Policy standard_policy() {
  Policy p;
  p.name = "Standard";
  Level reminder;
  reminder.name = "Zahlungserinnerung";
  reminder.days_after_due = 7;
  reminder.template_name = "reminder";
  Level first;
  first.name = "1. Mahnung";
  first.days_after_previous = 14;
  first.fee.fixed = eur(76);
  first.flat_fee_b2b = true;
  first.interest = true;
  first.template_name = "mahnung";
  first.tone = Tone::kFirm;
  Level last = first;
  last.name = "letzte Mahnung";
  last.flat_fee_b2b = false;
  last.template_name = "final_notice";
  last.tone = Tone::kFinal;
  last.announces_court = true;
  p.levels = {reminder, first, last};
  p.min_amount = eur(500);
  p.final_action = FinalAction::kMahnbescheid;
  p.material_cost_letter = eur(76);
  return p;
}

BasiszinsTable table() {
  return BasiszinsTable::create({{make_date(2024, 1, 1), 362},
                                 {make_date(2024, 7, 1), 337},
                                 {make_date(2025, 1, 1), 227},
                                 {make_date(2025, 7, 1), 127}})
      .value();
}

class ProposalTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(validate(policy_).empty()); }

  Debtor& debtor(std::string id, DebtorKind kind) {
    Debtor d;
    d.id = std::move(id);
    d.name = "Debtor " + d.id;
    d.kind = kind;
    state_.debtors.push_back(d);
    return state_.debtors.back();
  }
  OpenItem& item(std::string id, std::string debtor_id, Date due, std::int64_t amount, bool agreed = true) {
    OpenItem i;
    i.id = std::move(id);
    i.number = "RE-" + i.id;
    i.debtor = std::move(debtor_id);
    i.invoice_date = add_days(due, -30);
    i.due_date = due;
    i.due_date_agreed = agreed;
    i.amount = eur(amount);
    i.open_amount = eur(amount);
    state_.items.push_back(i);
    return state_.items.back();
  }
  Proposal run(Date as_of) {
    auto p = propose(state_, policy_, as_of, table_, calendar_);
    EXPECT_TRUE(p.ok()) << p.error().to_string();
    return p.ok() ? *p : Proposal{};
  }
  const Skipped* skipped(const Proposal& p, std::string_view id) {
    for (const auto& s : p.skipped) {
      if (state_.items[s.item_index].id == id) return &s;
    }
    return nullptr;
  }

  State state_;
  Policy policy_ = standard_policy();
  BasiszinsTable table_ = table();
  HolidayCalendar calendar_{Region::kNational};
};

TEST_F(ProposalTest, FirstLevelFromItsThresholdOn) {
  debtor("D", DebtorKind::kBusiness);
  item("1", "D", make_date(2025, 3, 14), 100000);
  EXPECT_TRUE(run(make_date(2025, 3, 20)).notices.empty());  // 6 days: waiting
  EXPECT_EQ(skipped(run(make_date(2025, 3, 20)), "1")->reason, SkipReason::kWaiting);
  const Proposal p = run(make_date(2025, 3, 21));  // 7 days after due
  ASSERT_EQ(p.notices.size(), 1u);
  EXPECT_EQ(p.notices[0].level, 0);
  EXPECT_TRUE(p.notices[0].charges.empty());  // a Zahlungserinnerung carries no charge
  EXPECT_EQ(p.notices[0].total, eur(100000));
  // as_of + 14 = 2025-04-04, a Friday.
  EXPECT_EQ(p.notices[0].deadline, make_date(2025, 4, 4));
}

TEST_F(ProposalTest, CatchUpAfterMissedRunsSendsOneNoticeOneLevelUp) {
  debtor("D", DebtorKind::kBusiness);
  item("1", "D", make_date(2024, 6, 14), 100000);
  const Proposal p = run(make_date(2025, 6, 30));  // a year overdue, never dunned
  ASSERT_EQ(p.notices.size(), 1u);
  EXPECT_EQ(p.notices[0].level, 0);
  policy_.allow_skip_levels = true;
  const Proposal skip = run(make_date(2025, 6, 30));
  EXPECT_EQ(skip.notices[0].level, 2);
}

TEST_F(ProposalTest, NextLevelWaitsForTheDaysAndThePreviousDeadline) {
  debtor("D", DebtorKind::kBusiness);
  item("1", "D", make_date(2025, 3, 14), 100000);
  // Zahlungserinnerung sent Friday 2025-04-04: its deadline 2025-04-18 is Good Friday, moved to
  // Tuesday 2025-04-22, so the 1. Mahnung may go out from 2025-04-23 on, not on 04-18.
  state_.notices.push_back({"1", 0, make_date(2025, 4, 4), std::nullopt});
  EXPECT_EQ(skipped(run(make_date(2025, 4, 22)), "1")->reason, SkipReason::kWaiting);
  const Proposal p = run(make_date(2025, 4, 23));
  ASSERT_EQ(p.notices.size(), 1u);
  EXPECT_EQ(p.notices[0].level, 1);
}

TEST_F(ProposalTest, BusinessPaysTheFlatFeeOnceAndNoMahngebuehrOnTop) {
  debtor("D", DebtorKind::kBusiness);
  item("1", "D", make_date(2025, 3, 14), 100000);
  state_.notices.push_back({"1", 0, make_date(2025, 3, 21), std::nullopt});
  Proposal p = run(make_date(2025, 4, 15));
  ASSERT_EQ(p.notices.size(), 1u);
  const Notice& n = p.notices[0];
  std::map<ChargeKind, Money> by_kind;
  for (const auto& c : n.charges) by_kind[c.kind] = c.amount;
  EXPECT_EQ(by_kind[ChargeKind::kFlatFee], eur(4000));
  EXPECT_EQ(by_kind.count(ChargeKind::kFee), 0u);  // § 288 V 3: credited against the € 40
  // Interest 2025-03-15..2025-04-15, 32 days at 11.27 %: 100000 * 0.1127 * 32 / 365 = 988.05 ct.
  EXPECT_EQ(by_kind[ChargeKind::kInterest], eur(988));
  EXPECT_EQ(n.total, eur(100000 + 988 + 4000));

  // The € 40 recorded in the history is never charged again.
  state_.notices.push_back({"1", 1, make_date(2025, 4, 15), std::nullopt});
  state_.charges.push_back({"1", ChargeKind::kFlatFee, 1, eur(4000), make_date(2025, 4, 15)});
  state_.charges.push_back({"1", ChargeKind::kInterest, 1, eur(988), make_date(2025, 4, 15)});
  p = run(make_date(2025, 5, 15));
  ASSERT_EQ(p.notices.size(), 1u);
  for (const auto& c : p.notices[0].charges) {
    EXPECT_NE(c.kind, ChargeKind::kFlatFee);
    // Only the interest since: 30 more days = 100000 * 0.1127 * 62 / 365 = 1914.36 - 988 = 926.
    if (c.kind == ChargeKind::kInterest) {
      EXPECT_EQ(c.amount, eur(926));
    }
  }
}

// § 288 III BGB: where the debtor's agreed rate is what is owed, the interest charge's text
// names it, not "Basiszinssatz + 9.00 points"; where it is higher only in some periods, both.
TEST_F(ProposalTest, InterestTextNamesTheAgreedRateWhereItApplies) {
  debtor("D", DebtorKind::kBusiness);
  item("1", "D", make_date(2025, 3, 14), 100000);
  state_.notices.push_back({"1", 0, make_date(2025, 3, 21), std::nullopt});
  auto interest_of = [this](const Date& as_of) {
    const Proposal p = run(as_of);
    EXPECT_EQ(p.notices.size(), 1u);
    for (const auto& c : p.notices.empty() ? std::vector<ProposedCharge>{} : p.notices[0].charges) {
      if (c.kind != ChargeKind::kInterest) continue;
      std::string lazy;  // the CLI's way renders the same text from the charge's data
      explain(lazy, c, policy_);
      EXPECT_EQ(lazy, c.explanation);
      return c;
    }
    ADD_FAILURE() << "no interest charge";
    return ProposedCharge{};
  };
  // Above the statutory 11.27 % throughout: 100000 * 0.15 * 32 / 365 = 1315.07 ct.
  state_.debtors[0].agreed_interest_bp = 1500;
  ProposedCharge c = interest_of(make_date(2025, 4, 15));
  EXPECT_EQ(c.amount, eur(1315));
  EXPECT_NE(c.explanation.find("the agreed 15.00 % p.a. (§ 288 III BGB)"), std::string::npos)
      << c.explanation;
  EXPECT_EQ(c.explanation.find("Basiszinssatz"), std::string::npos) << c.explanation;
  // Below the statutory rate: the statutory rate is owed and named.
  state_.debtors[0].agreed_interest_bp = 500;
  c = interest_of(make_date(2025, 4, 15));
  EXPECT_EQ(c.amount, eur(988));
  EXPECT_NE(c.explanation.find("Basiszinssatz + 9.00 points"), std::string::npos) << c.explanation;
  EXPECT_EQ(c.explanation.find("agreed"), std::string::npos) << c.explanation;
  // 11.00 %: below 2.27 + 9 until 2025-06-30, above 1.27 + 9 from 2025-07-01.
  state_.debtors[0].agreed_interest_bp = 1100;
  c = interest_of(make_date(2025, 7, 15));
  EXPECT_NE(
      c.explanation.find("the agreed 11.00 % p.a. (§ 288 III BGB) where above Basiszinssatz + 9.00 points"),
      std::string::npos)
      << c.explanation;
}

TEST_F(ProposalTest, ConsumerInDefaultPaysTheMaterialCostButNoFlatFee) {
  debtor("C", DebtorKind::kConsumer);
  item("1", "C", make_date(2025, 3, 14), 100000, /*agreed=*/true);
  state_.notices.push_back({"1", 0, make_date(2025, 3, 21), std::nullopt});
  const Proposal p = run(make_date(2025, 4, 15));
  ASSERT_EQ(p.notices.size(), 1u);
  bool fee = false;
  for (const auto& c : p.notices[0].charges) {
    EXPECT_NE(c.kind, ChargeKind::kFlatFee);
    if (c.kind == ChargeKind::kFee) {
      fee = true;
      EXPECT_EQ(c.amount, eur(76));
    }
  }
  EXPECT_TRUE(fee);
}

TEST_F(ProposalTest, NoFeeOnTheNoticeThatCreatesVerzug) {
  // A consumer invoice without the § 286 III notice and a unilateral due date: the reminder was
  // sent before the due date, so the 1. Mahnung itself creates Verzug and carries no fee.
  debtor("C", DebtorKind::kConsumer);
  item("1", "C", make_date(2025, 3, 14), 100000, /*agreed=*/false);
  state_.notices.push_back({"1", 0, make_date(2025, 3, 10), std::nullopt});
  const Proposal p = run(make_date(2025, 4, 15));
  ASSERT_EQ(p.notices.size(), 1u);
  EXPECT_EQ(p.notices[0].level, 1);
  EXPECT_TRUE(p.notices[0].charges.empty());
}

TEST_F(ProposalTest, SkipsBlockedDisputedInsolventPlannedAndSmallItems) {
  debtor("B", DebtorKind::kBusiness).block_until = make_date(2025, 7, 31);
  debtor("I", DebtorKind::kBusiness).insolvent = true;
  debtor("D", DebtorKind::kBusiness);
  item("blocked", "B", make_date(2025, 3, 14), 100000);
  item("insolvent", "I", make_date(2025, 3, 14), 100000);
  item("disputed", "D", make_date(2025, 3, 14), 100000).disputed = true;
  item("item_blocked", "D", make_date(2025, 3, 14), 100000).block_until = make_date(2025, 6, 30);
  item("small", "D", make_date(2025, 3, 14), 499);
  item("planned", "D", make_date(2025, 3, 14), 100000);
  PaymentPlan plan;
  plan.id = "P1";
  plan.debtor = "D";
  plan.items = {"planned"};
  plan.agreed_on = make_date(2025, 4, 1);
  state_.plans.push_back(plan);
  const Proposal p = run(make_date(2025, 6, 30));
  EXPECT_TRUE(p.notices.empty());
  EXPECT_EQ(skipped(p, "blocked")->reason, SkipReason::kDebtorBlocked);
  EXPECT_EQ(skipped(p, "insolvent")->reason, SkipReason::kInsolvent);
  EXPECT_EQ(skipped(p, "disputed")->reason, SkipReason::kDisputed);
  EXPECT_EQ(skipped(p, "item_blocked")->reason, SkipReason::kItemBlocked);
  EXPECT_EQ(skipped(p, "small")->reason, SkipReason::kBelowMinimum);
  EXPECT_EQ(skipped(p, "planned")->reason, SkipReason::kInPaymentPlan);
  // A block that ended yesterday no longer protects.
  state_.debtors[0].block_until = make_date(2025, 6, 29);
  EXPECT_EQ(run(make_date(2025, 6, 30)).notices.size(), 1u);
}

TEST_F(ProposalTest, UnappliedPaymentsNetAgainstTheOverdueTotal) {
  debtor("D", DebtorKind::kBusiness);
  item("1", "D", make_date(2025, 3, 14), 100000);
  item("2", "D", make_date(2025, 3, 14), 50000);
  state_.payments.push_back({"", "D", make_date(2025, 3, 14), eur(150000), "Sammelzahlung"});
  const Proposal p = run(make_date(2025, 6, 30));
  EXPECT_TRUE(p.notices.empty());
  EXPECT_EQ(skipped(p, "1")->reason, SkipReason::kPaid);
  EXPECT_EQ(skipped(p, "2")->reason, SkipReason::kPaid);
  // Half paid: the notice asks for the rest only.
  state_.payments[0].amount = eur(75000);
  const Proposal half = run(make_date(2025, 6, 30));
  ASSERT_EQ(half.notices.size(), 1u);
  EXPECT_EQ(half.notices[0].total, eur(75000));
}

TEST_F(ProposalTest, OneNoticePerDebtorAndCurrencyAtTheHighestItemLevel) {
  debtor("D", DebtorKind::kBusiness);
  item("eur-old", "D", make_date(2025, 3, 14), 100000);
  item("eur-new", "D", make_date(2025, 6, 2), 20000);
  item("later", "D", make_date(2025, 7, 31), 30000);
  OpenItem& usd = item("usd", "D", make_date(2025, 6, 2), 30000);
  usd.amount = Money(30000, Currency::from_code("USD").value());
  usd.open_amount = usd.amount;
  state_.notices.push_back({"eur-old", 0, make_date(2025, 3, 21), std::nullopt});
  const Proposal p = run(make_date(2025, 6, 30));
  ASSERT_EQ(p.notices.size(), 2u);
  EXPECT_EQ(p.notices[0].currency.code(), "EUR");
  EXPECT_EQ(p.notices[0].level, 1);
  ASSERT_EQ(p.notices[0].items.size(), 2u);
  EXPECT_EQ(p.notices[0].items[1].level, 0);
  ASSERT_EQ(p.notices[0].not_yet_due.size(), 1u);
  EXPECT_EQ(p.notices[1].currency.code(), "USD");
}

TEST_F(ProposalTest, MinimumDaysBetweenNoticesToADebtor) {
  debtor("D", DebtorKind::kBusiness);
  item("1", "D", make_date(2025, 3, 14), 100000);
  item("2", "D", make_date(2025, 6, 13), 100000);
  state_.notices.push_back({"1", 0, make_date(2025, 6, 26), std::nullopt});
  const Proposal p = run(make_date(2025, 6, 30));
  EXPECT_TRUE(p.notices.empty());
  EXPECT_EQ(skipped(p, "2")->reason, SkipReason::kTooSoon);
}

TEST_F(ProposalTest, FinalActionIsOnlyProposed) {
  debtor("D", DebtorKind::kBusiness);
  item("1", "D", make_date(2025, 3, 14), 100000);
  state_.notices.push_back({"1", 0, make_date(2025, 3, 21), std::nullopt});
  state_.notices.push_back({"1", 1, make_date(2025, 4, 7), std::nullopt});
  state_.notices.push_back({"1", 2, make_date(2025, 4, 28), std::nullopt});
  EXPECT_TRUE(run(make_date(2025, 5, 5)).final_actions.empty());  // 7 days after the last notice
  const Proposal p = run(make_date(2025, 5, 20));
  EXPECT_TRUE(p.notices.empty());
  ASSERT_EQ(p.final_actions.size(), 1u);
  EXPECT_EQ(p.final_actions[0].action, FinalAction::kMahnbescheid);
  EXPECT_EQ(skipped(p, "1")->reason, SkipReason::kFinalLevelReached);
}

TEST_F(ProposalTest, ADefaultedPlanResumesDunningAtTheConfiguredLevel) {
  debtor("D", DebtorKind::kBusiness);
  item("1", "D", make_date(2025, 1, 15), 90000);
  state_.notices.push_back({"1", 0, make_date(2025, 1, 22), std::nullopt});
  state_.notices.push_back({"1", 1, make_date(2025, 2, 12), std::nullopt});
  PaymentPlan plan;
  plan.id = "P";
  plan.debtor = "D";
  plan.items = {"1"};
  plan.agreed_on = make_date(2025, 3, 1);
  plan.principal = eur(90000);
  plan.costs = eur(0);
  plan.interest = eur(0);
  plan.plan_interest = eur(0);
  plan.total = eur(90000);
  for (unsigned m = 4; m <= 6; ++m) plan.installments.push_back({make_date(2025, m, 1), eur(30000), eur(0)});
  state_.plans.push_back(plan);
  // One installment in arrears: the plan holds, the item is not dunned.
  Proposal p = run(make_date(2025, 4, 20));
  EXPECT_TRUE(p.notices.empty());
  EXPECT_EQ(skipped(p, "1")->reason, SkipReason::kInPaymentPlan);
  // Two consecutive installments in arrears (plus 7 grace days): the Verfallklausel applies and
  // dunning resumes at plan_default_level (1. Mahnung), not where it stood before the plan.
  p = run(make_date(2025, 5, 20));
  ASSERT_EQ(p.notices.size(), 1u);
  EXPECT_EQ(p.notices[0].level, 1);
  EXPECT_TRUE(p.notices[0].items[0].escalated);
  // A plan stored as defaulted resumes the same way.
  state_.plans[0].status = PlanStatus::kDefaulted;
  policy_.plan_default_level = 2;
  p = run(make_date(2025, 5, 20));
  ASSERT_EQ(p.notices.size(), 1u);
  EXPECT_EQ(p.notices[0].level, 2);
}

TEST_F(ProposalTest, PerNoticeFeeIsSharedByOpenAmount) {
  debtor("C", DebtorKind::kConsumer);
  item("1", "C", make_date(2025, 3, 14), 20000);
  item("2", "C", make_date(2025, 3, 14), 10000);
  state_.notices.push_back({"1", 0, make_date(2025, 3, 21), std::nullopt});
  state_.notices.push_back({"2", 0, make_date(2025, 3, 21), std::nullopt});
  const Proposal p = run(make_date(2025, 4, 15));
  ASSERT_EQ(p.notices.size(), 1u);
  // 0.76 by 2:1 = 0.5067 / 0.2533 -> 0.51 and 0.25 (largest remainder gets the cent).
  EXPECT_EQ(p.notices[0].items[0].fee, eur(51));
  EXPECT_EQ(p.notices[0].items[1].fee, eur(25));
}

// ---- Property test: random states over many consecutive runs --------------------------------

class Lcg {
 public:
  explicit Lcg(std::uint64_t seed) : state_(seed) {}
  int below(int n) {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int>((state_ >> 33) % static_cast<std::uint64_t>(n));
  }

 private:
  std::uint64_t state_;
};

TEST(ProposalProperty, NeverAFeeOnVerzugCreatingNoticeNeverASecondFlatFeeNeverALevelJump) {
  const BasiszinsTable rates = table();
  const HolidayCalendar calendar(Region::kNational);
  std::map<ChargeKind, int> charges_seen;  // the property must not hold vacuously
  int notices_seen = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    Lcg rng(seed);
    Policy policy = standard_policy();
    policy.min_amount = eur(rng.below(2) * 500);
    State state;
    for (int d = 0; d < 6; ++d) {
      Debtor debtor;
      debtor.id = "D" + std::to_string(d);
      debtor.kind = rng.below(2) == 0 ? DebtorKind::kConsumer : DebtorKind::kBusiness;
      state.debtors.push_back(debtor);
    }
    for (int i = 0; i < 30; ++i) {
      OpenItem item;
      item.id = "I" + std::to_string(i);
      item.number = item.id;
      item.debtor = "D" + std::to_string(rng.below(6));
      item.invoice_date = add_days(make_date(2024, 9, 1), rng.below(200));
      item.due_date = add_days(item.invoice_date, 14 * rng.below(3));
      item.due_date_agreed = rng.below(2) == 0;
      item.consumer_notice = rng.below(2) == 0;
      item.amount = eur(100 + rng.below(300000));
      item.open_amount = item.amount;
      state.items.push_back(item);
      if (rng.below(5) == 0) {
        state.payments.push_back({item.id, "", add_days(*item.due_date, rng.below(90)),
                                  eur(1 + rng.below(static_cast<int>(item.amount.minor()))), ""});
        state.items.back().open_amount = item.amount - state.payments.back().amount;
      }
    }
    std::map<std::string, int> flat_fees;
    Date as_of = make_date(2024, 10, 1);
    for (int run = 0; run < 25; ++run) {
      as_of = add_days(as_of, 1 + rng.below(20));
      const std::map<std::string, int> levels_before = [&] {
        std::map<std::string, int> m;
        for (const auto& n : state.notices) m[n.item] = std::max(m.count(n.item) ? m[n.item] : -1, n.level);
        return m;
      }();
      auto proposal = propose(state, policy, as_of, rates, calendar);
      ASSERT_TRUE(proposal.ok()) << proposal.error().to_string();
      const auto claims = ClaimEngine(rates, calendar, policy.claim).compute(state, as_of);
      ASSERT_TRUE(claims.ok());
      for (const Notice& n : proposal->notices) {
        for (const NoticeItem& item : n.items) {
          const std::string& id = state.items[item.item_index].id;
          const int before = levels_before.count(id) ? levels_before.at(id) : -1;
          EXPECT_LE(item.level, before + 1) << "level jump for " << id << " seed " << seed;
        }
        ++notices_seen;
        for (const ProposedCharge& c : n.charges) {
          ++charges_seen[c.kind];
          const ItemClaim& claim = claims->claims[c.item_index];
          const std::string& id = state.items[c.item_index].id;
          if (c.kind == ChargeKind::kFee) {
            ASSERT_TRUE(claim.verzug.start.has_value()) << "fee without Verzug on " << id << " seed " << seed;
            EXPECT_LE(*claim.verzug.start, as_of);
          }
          if (c.kind == ChargeKind::kFlatFee) {
            EXPECT_EQ(++flat_fees[id], 1) << "second € 40 for " << id << " seed " << seed;
            EXPECT_FALSE(is_consumer(state.debtors[n.debtor_index].kind));
          }
          EXPECT_TRUE(c.amount.is_positive());
        }
        // Apply the notice: it becomes history for the next run.
        for (const NoticeItem& item : n.items) {
          if (item.escalated)
            state.notices.push_back({state.items[item.item_index].id, item.level, as_of, std::nullopt});
        }
        for (const ProposedCharge& c : n.charges) {
          state.charges.push_back({state.items[c.item_index].id, c.kind, c.level, c.amount, as_of});
        }
      }
    }
  }
  EXPECT_GT(notices_seen, 200);
  EXPECT_GT(charges_seen[ChargeKind::kFee], 20);
  EXPECT_GT(charges_seen[ChargeKind::kFlatFee], 20);
  EXPECT_GT(charges_seen[ChargeKind::kInterest], 20);
}

TEST(ProposalProperty, SameInputSameProposal) {
  const BasiszinsTable rates = table();
  const HolidayCalendar calendar(Region::kNational);
  State state;
  Debtor d;
  d.id = "D";
  state.debtors.push_back(d);
  for (int i = 0; i < 5; ++i) {
    OpenItem item;
    item.id = std::to_string(i);
    item.debtor = "D";
    item.invoice_date = make_date(2025, 1, 1 + static_cast<unsigned>(i));
    item.due_date = make_date(2025, 2, 1 + static_cast<unsigned>(i));
    item.amount = eur(10000 * (i + 1));
    item.open_amount = item.amount;
    state.items.push_back(item);
  }
  const auto a = propose(state, standard_policy(), make_date(2025, 6, 30), rates, calendar);
  const auto b = propose(state, standard_policy(), make_date(2025, 6, 30), rates, calendar);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->notices.size(), b->notices.size());
  EXPECT_EQ(a->notices[0].explanation, b->notices[0].explanation);
  EXPECT_EQ(a->notices[0].total, b->notices[0].total);
}

// Everything a proposal says, as text, to compare two proposals field by field.
std::string describe(const Proposal& p) {
  std::ostringstream out;
  out << format_date(p.as_of) << "\n";
  for (const Notice& n : p.notices) {
    out << "notice " << n.debtor_index << " " << n.level << " " << n.currency.code() << " " << n.total << " "
        << format_date(n.deadline) << " " << n.explanation << "\n";
    for (const NoticeItem& i : n.items) {
      out << " item " << i.item_index << " " << i.level << " " << i.escalated << " " << i.open_amount << " "
          << i.interest << " " << i.fee << " " << i.flat_fee << "\n";
    }
    for (std::size_t i : n.not_yet_due) out << " not yet due " << i << "\n";
    for (const ProposedCharge& c : n.charges) {
      out << " charge " << to_string(c.kind) << " " << c.item_index << " " << c.level << " " << c.amount
          << " " << c.explanation << "\n";
    }
  }
  for (const Skipped& s : p.skipped)
    out << "skipped " << s.item_index << " " << to_string(s.reason) << " " << s.detail << "\n";
  for (const FinalActionProposal& f : p.final_actions) {
    out << "final " << f.debtor_index << " " << to_string(f.action) << " " << f.total << " " << f.explanation;
    for (std::size_t i : f.items) out << " " << i;
    out << "\n";
  }
  return out.str();
}

// A worker reuses one engine and one Proposal for states of any size: no trace of an earlier
// run may remain.
TEST(ProposalEngine, ReusedAcrossStatesGivesWhatProposeGives) {
  const BasiszinsTable rates = table();
  const HolidayCalendar calendar(Region::kNational);
  Policy policy = standard_policy();
  policy.allow_skip_levels = true;
  ProposalEngine engine(policy, rates, calendar);
  Proposal reused;
  int compared = 0;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    Lcg rng(seed);
    State state;
    const int debtors = 1 + rng.below(8);
    for (int d = 0; d < debtors; ++d) {
      Debtor debtor;
      debtor.id = "D" + std::to_string(d);
      debtor.name = rng.below(3) == 0 ? "" : "Debtor " + debtor.id;
      debtor.kind = rng.below(2) == 0 ? DebtorKind::kConsumer : DebtorKind::kBusiness;
      state.debtors.push_back(debtor);
    }
    const int items = 1 + rng.below(60);
    for (int i = 0; i < items; ++i) {
      OpenItem item;
      item.id = "I" + std::to_string(i);
      item.number = "RE-" + item.id;
      item.debtor = "D" + std::to_string(rng.below(debtors));
      item.invoice_date = add_days(make_date(2024, 9, 1), rng.below(200));
      item.due_date = add_days(item.invoice_date, 14 * rng.below(3));
      item.due_date_agreed = rng.below(2) == 0;
      item.amount = eur(100 + rng.below(300000));
      item.open_amount = item.amount;
      item.disputed = rng.below(20) == 0;
      state.items.push_back(item);
    }
    Date as_of = make_date(2024, 12, 1);
    for (int run = 0; run < 10; ++run, ++compared) {
      as_of = add_days(as_of, 1 + rng.below(25));
      ASSERT_TRUE(engine.propose_into(state, as_of, reused).ok());
      const auto fresh = propose(state, policy, as_of, rates, calendar);
      ASSERT_TRUE(fresh.ok());
      ASSERT_EQ(describe(reused), describe(*fresh)) << "seed " << seed << " run " << run;
      for (const Notice& n : fresh->notices) {
        for (const NoticeItem& item : n.items) {
          if (item.escalated)
            state.notices.push_back({state.items[item.item_index].id, item.level, as_of, std::nullopt});
        }
        for (const ProposedCharge& c : n.charges) {
          state.charges.push_back({state.items[c.item_index].id, c.kind, c.level, c.amount, as_of});
        }
      }
    }
  }
  EXPECT_EQ(compared, 120);
}

// The CLI's way: charge texts rendered afterwards by explain(), working memory freed early.
TEST(ProposalEngine, OneShotWithLazyChargeTextsGivesWhatProposeGives) {
  const BasiszinsTable rates = table();
  const HolidayCalendar calendar(Region::kNational);
  Policy policy = standard_policy();
  policy.allow_skip_levels = true;
  int charges = 0;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    Lcg rng(seed);
    State state;
    const int debtors = 1 + rng.below(8);
    for (int d = 0; d < debtors; ++d) {
      Debtor debtor;
      debtor.id = "D" + std::to_string(d);
      debtor.name = rng.below(3) == 0 ? "" : "Debtor " + debtor.id;
      debtor.kind = rng.below(2) == 0 ? DebtorKind::kConsumer : DebtorKind::kBusiness;
      state.debtors.push_back(debtor);
    }
    const int items = 1 + rng.below(60);
    for (int i = 0; i < items; ++i) {
      OpenItem item;
      item.id = "I" + std::to_string(i);
      item.number = "RE-" + item.id;
      item.debtor = "D" + std::to_string(rng.below(debtors));
      item.invoice_date = add_days(make_date(2024, 9, 1), rng.below(200));
      item.due_date = add_days(item.invoice_date, 14 * rng.below(3));
      item.due_date_agreed = rng.below(2) == 0;
      item.amount = eur(100 + rng.below(300000));
      item.open_amount = item.amount;
      item.disputed = rng.below(20) == 0;
      state.items.push_back(item);
    }
    const Date as_of = add_days(make_date(2024, 12, 1), rng.below(200));
    ProposalEngine engine(policy, rates, calendar);
    engine.set_charge_explanations(false);
    engine.set_one_shot(true);
    Proposal once;
    ASSERT_TRUE(engine.propose_into(state, as_of, once).ok());
    for (Notice& n : once.notices) {
      for (ProposedCharge& c : n.charges) {
        EXPECT_TRUE(c.explanation.empty());
        explain(c.explanation, c, policy);
        ++charges;
      }
    }
    const auto fresh = propose(state, policy, as_of, rates, calendar);
    ASSERT_TRUE(fresh.ok());
    EXPECT_EQ(describe(once), describe(*fresh)) << "seed " << seed;
  }
  EXPECT_GT(charges, 0);
}

}  // namespace
}  // namespace mahnwerk::core
