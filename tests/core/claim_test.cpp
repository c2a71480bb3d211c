// The claim engine: scenarios with hand-computed figures (every expected cent is derived in
// the comment next to it).
#include "connector/core/claim.h"

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

OpenItem item(std::string id, std::string debtor_id, Date invoice, Date due, std::int64_t amount,
              bool agreed = true) {
  OpenItem i;
  i.id = std::move(id);
  i.number = "RE-" + i.id;
  i.debtor = std::move(debtor_id);
  i.invoice_date = invoice;
  i.due_date = due;
  i.due_date_agreed = agreed;
  i.amount = eur(amount);
  i.open_amount = eur(amount);
  return i;
}

class ClaimEngineTest : public ::testing::Test {
 protected:
  Result<ClaimSet> run(const State& state, Date as_of, ClaimPolicy policy = {}) {
    const ClaimEngine engine(table_, calendar_, policy);
    return engine.compute(state, as_of);
  }
  BasiszinsTable table_ = table_2024_2025();
  HolidayCalendar calendar_{Region::kNational};
};

TEST_F(ClaimEngineTest, BusinessItemAcrossABasiszinsChange) {
  State s;
  s.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  s.items.push_back(item("1", "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  auto claims = run(s, make_date(2024, 8, 31));
  ASSERT_TRUE(claims.ok()) << claims.error().to_string();
  const ClaimSet& set = *claims;
  const ItemClaim& c = set.claims[0];
  const auto periods = set.periods_of(c);
  const auto payments = set.payments_of(c);
  EXPECT_EQ(c.verzug.start, make_date(2024, 6, 1));
  EXPECT_EQ(c.verzug.ground, VerzugGround::kAgreedDueDate);
  ASSERT_EQ(periods.size(), 2u);
  // 2024-06-01..06-30: 30 days at 12.62 %: 100000 * 0.1262 * 30 / 365 = 1037.2603 cents
  // 2024-07-01..08-31: 62 days at 12.37 %: 100000 * 0.1237 * 62 / 365 = 2101.2055 cents
  EXPECT_EQ(periods[0].days, 30);
  EXPECT_EQ(periods[0].rate_bp, 1262);
  EXPECT_EQ(periods[1].days, 62);
  EXPECT_EQ(periods[1].rate_bp, 1237);
  EXPECT_EQ(c.interest, eur(3138));  // 3138.4658 cents
  EXPECT_EQ(c.flat_fee, eur(4000));
  EXPECT_EQ(c.open_total, eur(100000 + 3138 + 4000));
  EXPECT_EQ(c.limitation.limitation_date, make_date(2027, 12, 31));
  EXPECT_NE(set.explanation(c, s).find("12.37 %"), std::string::npos);
}

TEST_F(ClaimEngineTest, PartialPaymentGoesToCostsInterestPrincipalAndSplitsTheStaircase) {
  State s;
  s.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  s.items.push_back(item("1", "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  s.items[0].open_amount = eur(50000);
  s.payments.push_back({"1", "", make_date(2024, 7, 15), eur(50000), "Zahlung 1"});
  auto claims = run(s, make_date(2024, 8, 31));
  ASSERT_TRUE(claims.ok()) << claims.error().to_string();
  const ClaimSet& set = *claims;
  const ItemClaim& c = set.claims[0];
  const auto periods = set.periods_of(c);
  const auto payments = set.payments_of(c);
  // Up to 2024-07-14: 1037.2603 + 100000 * 0.1237 * 14 / 365 (474.4658) = 1511.7261 -> 15.12.
  ASSERT_EQ(payments.size(), 1u);
  EXPECT_EQ(payments[0].to_costs, eur(4000));
  EXPECT_EQ(payments[0].to_interest, eur(1512));
  EXPECT_EQ(payments[0].to_principal, eur(50000 - 4000 - 1512));  // 444.88
  EXPECT_TRUE(payments[0].designated);
  // Then 2024-07-15..08-31, 48 days on 555.12 at 12.37 %: 55512 * 0.1237 * 48 / 365 = 903.0357.
  EXPECT_EQ(c.principal_open, eur(55512));
  EXPECT_EQ(c.interest_open, eur(903));
  EXPECT_EQ(c.interest, eur(1512 + 903));
  EXPECT_EQ(c.costs_open, eur(0));
  EXPECT_EQ(c.open_total, eur(55512 + 903));
  ASSERT_EQ(periods.size(), 3u);
  EXPECT_EQ(periods[2].principal, eur(55512));
  EXPECT_TRUE(c.warnings.empty());
}

TEST_F(ClaimEngineTest, ZinssperreChargesNoInterestButKeepsDefaultAndTheFlatFee) {
  State s;
  s.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  s.items.push_back(item("blocked", "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  s.items[0].interest_blocked = true;
  s.items.push_back(item("normal", "D1", make_date(2024, 5, 15), make_date(2024, 6, 14), 100000));
  // Undesignated: both are due and in default on 07-01; § 366 II serves the more burdensome
  // claim first, and the blocked one bears no interest, so the younger item gets the payment.
  s.payments.push_back({"", "D1", make_date(2024, 7, 1), eur(10000), "Sammelzahlung"});
  auto claims = run(s, make_date(2024, 8, 31));
  ASSERT_TRUE(claims.ok()) << claims.error().to_string();
  const ClaimSet& set = *claims;
  const ItemClaim& blocked = set.claims[0];
  EXPECT_EQ(blocked.verzug.start, make_date(2024, 6, 1));
  EXPECT_EQ(blocked.interest, eur(0));
  EXPECT_EQ(blocked.interest_open, eur(0));
  EXPECT_EQ(blocked.periods.count, 0u);
  EXPECT_EQ(blocked.flat_fee, eur(4000));
  EXPECT_EQ(blocked.payments.count, 0u);
  EXPECT_EQ(blocked.open_total, eur(100000 + 4000));
  EXPECT_NE(set.explanation(blocked, s).find("Zinssperre"), std::string::npos);
  const ItemClaim& normal = set.claims[1];
  ASSERT_EQ(normal.payments.count, 1u);
  EXPECT_GT(normal.interest, eur(0));
  EXPECT_EQ(set.explanation(normal, s).find("Zinssperre"), std::string::npos);
}

TEST_F(ClaimEngineTest, AnAgreedRateAppliesWhereItIsAboveTheStatutoryRate) {
  State s;
  s.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  s.debtors[0].agreed_interest_bp = 1250;  // 12.50 % p.a. (§ 288 III)
  s.items.push_back(item("1", "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  auto claims = run(s, make_date(2024, 8, 31));
  ASSERT_TRUE(claims.ok()) << claims.error().to_string();
  const ClaimSet& set = *claims;
  const ItemClaim& c = set.claims[0];
  const auto periods = set.periods_of(c);
  ASSERT_EQ(periods.size(), 2u);
  // 06-01..06-30: the statutory 12.62 % is higher: 100000 * 0.1262 * 30 / 365 = 1037.2603
  // 07-01..08-31: statutory 12.37 %, the agreed 12.50 % applies: 100000 * 0.125 * 62 / 365 = 2123.2877
  EXPECT_EQ(periods[0].rate_bp, 1262);
  EXPECT_EQ(periods[1].rate_bp, 1250);
  EXPECT_EQ(c.interest, eur(3161));  // 3160.5480
  EXPECT_NE(set.explanation(c, s).find("the agreed 12.50 % p.a. where higher, § 288 III BGB"),
            std::string::npos)
      << set.explanation(c, s);
  EXPECT_EQ(agreed_rate_use(periods, c.surcharge_bp), AgreedRateUse::kSome);
}

TEST_F(ClaimEngineTest, ExplanationNamesTheAgreedRateInsteadOfTheStatutoryOne) {
  State s;
  s.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  s.items.push_back(item("1", "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  s.debtors[0].agreed_interest_bp = 1500;  // above 3.62 + 9 and 3.37 + 9 throughout
  auto claims = run(s, make_date(2024, 8, 31));
  ASSERT_TRUE(claims.ok()) << claims.error().to_string();
  const ItemClaim& c = claims->claims[0];
  EXPECT_EQ(agreed_rate_use(claims->periods_of(c), c.surcharge_bp), AgreedRateUse::kAll);
  std::string text = claims->explanation(c, s);
  EXPECT_NE(text.find("Interest (§ 288 III BGB, the agreed 15.00 % p.a., above the statutory Basiszinssatz + "
                      "9.00 points throughout)"),
            std::string::npos)
      << text;
  s.debtors[0].agreed_interest_bp = 400;  // below: the statutory rate is owed
  claims = run(s, make_date(2024, 8, 31));
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(agreed_rate_use(claims->periods_of(claims->claims[0]), 900), AgreedRateUse::kNone);
  text = claims->explanation(claims->claims[0], s);
  EXPECT_NE(
      text.find("Interest (§ 288 BGB, Basiszinssatz + 9.00 points; the agreed 4.00 % p.a. is not higher"),
      std::string::npos)
      << text;
}

TEST_F(ClaimEngineTest, ConsumerGetsNoFlatFeeAndWithoutNoticeNoDefaultWithoutMahnung) {
  State s;
  s.debtors.push_back(debtor("C1", DebtorKind::kConsumer));
  s.items.push_back(item("1", "C1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000, /*agreed=*/false));
  s.items.push_back(item("2", "C1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000, /*agreed=*/false));
  s.items[1].consumer_notice = true;
  auto claims = run(s, make_date(2024, 8, 31));
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->claims[0].verzug.ground, VerzugGround::kNone);
  EXPECT_EQ(claims->claims[0].interest, eur(0));
  EXPECT_EQ(claims->claims[0].open_total, eur(100000));
  // With the notice: 30 days after 2024-05-31 end 2024-06-30 (a Sunday) -> 2024-07-01, default
  // from 2024-07-02; 61 days at 3.37 + 5 = 8.37 %: 100000 * 0.0837 * 61 / 365 = 1398.8219.
  EXPECT_EQ(claims->claims[1].verzug.start, make_date(2024, 7, 2));
  EXPECT_EQ(claims->claims[1].interest, eur(1399));
  EXPECT_EQ(claims->claims[1].flat_fee, eur(0));
  EXPECT_EQ(claims->claims[1].surcharge_bp, 500);
}

TEST_F(ClaimEngineTest, MahnungFromTheHistoryPutsAConsumerInDefault) {
  State s;
  s.debtors.push_back(debtor("C1", DebtorKind::kConsumer));
  s.items.push_back(item("1", "C1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000, false));
  s.notices.push_back({"1", 0, make_date(2024, 6, 7), std::nullopt});  // received 06-10 (assumed)
  auto claims = run(s, make_date(2024, 6, 30));
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->claims[0].verzug.ground, VerzugGround::kMahnung);
  EXPECT_EQ(claims->claims[0].verzug.start, make_date(2024, 6, 11));
  // 20 days at 8.62 %: 100000 * 0.0862 * 20 / 365 = 472.3288 -> 4.72
  EXPECT_EQ(claims->claims[0].interest, eur(472));
}

TEST_F(ClaimEngineTest, UndesignatedPaymentServesTheOlderDueClaimFirst) {
  State s;
  s.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  s.items.push_back(item("new", "D1", make_date(2024, 6, 1), make_date(2024, 6, 28), 30000));
  s.items.push_back(item("old", "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 20000));
  s.items.push_back(item("later", "D1", make_date(2024, 7, 1), make_date(2024, 7, 31), 10000));
  s.payments.push_back({"", "D1", make_date(2024, 7, 1), eur(10000), "Sammelzahlung"});
  auto claims = run(s, make_date(2024, 7, 1));
  ASSERT_TRUE(claims.ok()) << claims.error().to_string();
  // Both due claims are in default with equal rates on 07-01, so the older ("old") goes first:
  // costs 40.00, interest 06-01..06-30 on 200.00 at 12.62 %: 20000*0.1262*30/365 = 207.45 -> 2.07,
  // principal 57.93. "later" is not yet due and gets nothing.
  const ItemClaim& old_claim = claims->claims[1];
  const auto old_payments = claims->payments_of(old_claim);
  ASSERT_EQ(old_payments.size(), 1u);
  EXPECT_FALSE(old_payments[0].designated);
  EXPECT_EQ(old_payments[0].to_costs, eur(4000));
  EXPECT_EQ(old_payments[0].to_interest, eur(207));
  EXPECT_EQ(old_payments[0].to_principal, eur(10000 - 4000 - 207));
  EXPECT_EQ(claims->claims[0].payments.count, 0u);
  EXPECT_EQ(claims->claims[2].payments.count, 0u);
}

TEST_F(ClaimEngineTest, OverpaymentIsReportedAsUnapplied) {
  State s;
  s.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  s.items.push_back(item("1", "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 10000));
  s.items[0].open_amount = eur(0);
  s.payments.push_back({"1", "", make_date(2024, 5, 20), eur(15000), ""});
  auto claims = run(s, make_date(2024, 8, 31));
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->claims[0].open_total, eur(0));
  EXPECT_EQ(claims->claims[0].verzug.ground, VerzugGround::kAgreedDueDate);
  ASSERT_EQ(claims->claims[0].warnings.size(), 1u);
  EXPECT_NE(claims->claims[0].warnings[0].find("50.00"), std::string::npos);
}

TEST_F(ClaimEngineTest, PaidBeforeDefaultOwesNothingMore) {
  State s;
  s.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  s.items.push_back(item("1", "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 10000));
  s.items[0].open_amount = eur(0);
  s.payments.push_back({"1", "", make_date(2024, 5, 30), eur(10000), ""});
  auto claims = run(s, make_date(2024, 8, 31));
  ASSERT_TRUE(claims.ok());
  // In default from 06-01 in law, but with nothing left to owe: no interest accrues on zero.
  EXPECT_EQ(claims->claims[0].interest, eur(0));
  EXPECT_EQ(claims->claims[0].principal_open, eur(0));
}

TEST_F(ClaimEngineTest, UnlistedReductionsLowerThePrincipalWithAWarning) {
  State s;
  s.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  s.items.push_back(item("1", "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  s.items[0].open_amount = eur(60000);  // a 400.00 credit note the file does not list
  auto claims = run(s, make_date(2024, 6, 30));
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->claims[0].principal_open, eur(60000));
  ASSERT_EQ(claims->claims[0].warnings.size(), 1u);
}

TEST_F(ClaimEngineTest, PartialPaymentAfterTheFirstYearRestartsLimitation) {
  State s;
  s.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  s.items.push_back(item("1", "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  s.items[0].open_amount = eur(90000);
  s.payments.push_back({"1", "", make_date(2025, 3, 3), eur(10000), ""});
  auto claims = run(s, make_date(2025, 6, 30));
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->claims[0].limitation.limitation_date, make_date(2028, 3, 3));
}

TEST_F(ClaimEngineTest, EarlierMahngebuehrenAreCostsAndPaidFirst) {
  State s;
  s.debtors.push_back(debtor("C1", DebtorKind::kConsumer));
  s.items.push_back(item("1", "C1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  s.items[0].open_amount = eur(99000);
  s.charges.push_back({"1", ChargeKind::kFee, 1, eur(76), make_date(2024, 6, 20)});
  s.charges.push_back({"1", ChargeKind::kInterest, 1, eur(300), make_date(2024, 6, 20)});  // not a cost
  s.payments.push_back({"1", "", make_date(2024, 7, 1), eur(1000), ""});
  auto claims = run(s, make_date(2024, 7, 1));
  ASSERT_TRUE(claims.ok()) << claims.error().to_string();
  const auto payments = claims->payments_of(claims->claims[0]);
  ASSERT_EQ(payments.size(), 1u);
  // Costs 0.76 first, then interest 06-01..06-30 at 8.62 %: 100000*0.0862*30/365 = 708.49 -> 7.08.
  EXPECT_EQ(payments[0].to_costs, eur(76));
  EXPECT_EQ(payments[0].to_interest, eur(708));
  EXPECT_EQ(payments[0].to_principal, eur(1000 - 76 - 708));
  EXPECT_EQ(claims->claims[0].costs_open, eur(0));
}

TEST_F(ClaimEngineTest, AnAgreedPlanRestartsLimitation) {
  State s;
  s.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  s.items.push_back(item("1", "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  PaymentPlan plan;
  plan.id = "P";
  plan.debtor = "D1";
  plan.items = {"1"};
  plan.agreed_on = make_date(2026, 2, 10);
  s.plans.push_back(plan);
  auto claims = run(s, make_date(2026, 3, 1));
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->claims[0].limitation.limitation_date, make_date(2029, 2, 10));
}

TEST_F(ClaimEngineTest, StaleRateTableWarns) {
  State s;
  s.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  s.items.push_back(item("1", "D1", make_date(2025, 10, 1), make_date(2025, 10, 31), 100000));
  auto claims = run(s, make_date(2026, 2, 28));
  ASSERT_TRUE(claims.ok());
  const auto& w = claims->claims[0].warnings;
  ASSERT_FALSE(w.empty());
  EXPECT_NE(w[0].find("rate for 2026-01-01 not in table"), std::string::npos) << w[0];
}

TEST_F(ClaimEngineTest, BrokenReferencesNameTheField) {
  State s;
  s.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  s.items.push_back(item("1", "D2", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  auto claims = run(s, make_date(2024, 8, 31));
  ASSERT_FALSE(claims.ok());
  EXPECT_EQ(claims.error().context, "items[0].debtor");
  s.items[0].debtor = "D1";
  s.payments.push_back({"9", "", make_date(2024, 6, 1), eur(100), ""});
  claims = run(s, make_date(2024, 8, 31));
  ASSERT_FALSE(claims.ok());
  EXPECT_EQ(claims.error().context, "payments[0].item");
}

TEST_F(ClaimEngineTest, PaymentsAfterAsOfAreIgnored) {
  State s;
  s.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  s.items.push_back(item("1", "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  s.items[0].open_amount = eur(0);
  s.payments.push_back({"1", "", make_date(2024, 9, 15), eur(100000), ""});
  auto claims = run(s, make_date(2024, 8, 31));
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->claims[0].principal_open, eur(100000));
  EXPECT_EQ(claims->claims[0].interest, eur(3138));
}

TEST_F(ClaimEngineTest, LongIdsThatShareTheirFirstEightBytesResolveToTheirOwnItems) {
  State s;
  s.debtors.push_back(debtor("DEBITOR-000001", DebtorKind::kBusiness));
  s.debtors.push_back(debtor("DEBITOR-000002", DebtorKind::kConsumer));
  s.items.push_back(
      item("RECHNUNG-2024-0001", "DEBITOR-000001", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  s.items.push_back(
      item("RECHNUNG-2024-0002", "DEBITOR-000002", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  s.items.push_back(
      item("RECHNUNG", "DEBITOR-000001", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  s.payments.push_back({"RECHNUNG-2024-0002", "", make_date(2024, 6, 10), eur(30000), ""});
  s.payments.push_back({"RECHNUNG", "", make_date(2024, 6, 10), eur(20000), ""});
  s.notices.push_back({"RECHNUNG-2024-0001", 0, make_date(2024, 6, 3), std::nullopt});
  auto claims = run(s, make_date(2024, 8, 31));
  ASSERT_TRUE(claims.ok()) << claims.error().to_string();
  EXPECT_EQ(claims->claims[0].debtor_index, 0u);
  EXPECT_EQ(claims->claims[1].debtor_index, 1u);
  EXPECT_EQ(claims->claims[2].debtor_index, 0u);
  EXPECT_EQ(claims->claims[0].payments.count, 0u);
  ASSERT_EQ(claims->claims[1].payments.count, 1u);
  EXPECT_EQ(claims->payments_of(claims->claims[1])[0].payment_index, 0u);
  ASSERT_EQ(claims->claims[2].payments.count, 1u);
  EXPECT_EQ(claims->payments_of(claims->claims[2])[0].payment_index, 1u);
  const std::vector<std::uint32_t> notice_items(claims->notice_items().begin(), claims->notice_items().end());
  EXPECT_EQ(notice_items, std::vector<std::uint32_t>{0});
  s.payments.push_back({"RECHNUNG-2024-0003", "", make_date(2024, 6, 10), eur(100), ""});
  claims = run(s, make_date(2024, 8, 31));
  ASSERT_FALSE(claims.ok());
  EXPECT_EQ(claims.error().context, "payments[2].item");
}

// The core accepts what the file adapter refuses: of two items with one id, records name the
// later one (and of two debtors with one id, the first).
TEST_F(ClaimEngineTest, OfTwoItemsWithOneIdRecordsNameTheLater) {
  State s;
  s.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  s.debtors.push_back(debtor("D1", DebtorKind::kConsumer));
  s.items.push_back(item("1", "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  s.items.push_back(item("1", "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  s.payments.push_back({"1", "", make_date(2024, 6, 10), eur(30000), ""});
  auto claims = run(s, make_date(2024, 8, 31));
  ASSERT_TRUE(claims.ok()) << claims.error().to_string();
  EXPECT_EQ(claims->claims[0].payments.count, 0u);
  EXPECT_EQ(claims->claims[1].payments.count, 1u);
  EXPECT_EQ(claims->claims[1].debtor_index, 0u);
}

// A payment that names an item and fits into what it owes goes to that item alone; the other
// items' staircases are not cut at the payment date.
TEST_F(ClaimEngineTest, DesignatedPaymentLeavesTheOtherItemsUntouched) {
  State s;
  s.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  s.items.push_back(item("1", "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  s.items.push_back(item("2", "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  s.items[1].open_amount = eur(60000);
  s.payments.push_back({"2", "", make_date(2024, 6, 10), eur(40000), ""});
  auto claims = run(s, make_date(2024, 8, 31));
  ASSERT_TRUE(claims.ok()) << claims.error().to_string();
  const auto first = claims->periods_of(claims->claims[0]);
  ASSERT_EQ(first.size(), 2u);  // 06-01..06-30 and 07-01..08-31: the Basiszins change only
  EXPECT_EQ(first[0].to, make_date(2024, 6, 30));
  EXPECT_EQ(claims->claims[0].payments.count, 0u);
  ASSERT_EQ(claims->claims[1].payments.count, 1u);
  EXPECT_EQ(claims->payments_of(claims->claims[1])[0].to_costs +
                claims->payments_of(claims->claims[1])[0].to_interest +
                claims->payments_of(claims->claims[1])[0].to_principal,
            eur(40000));
  // More than item 2 owes: the rest goes to item 1 (§ 366 II), which is brought up to date.
  s.payments[0].amount = eur(150000);
  s.items[1].open_amount = eur(0);
  s.items[0].open_amount = eur(50000);
  claims = run(s, make_date(2024, 8, 31));
  ASSERT_TRUE(claims.ok()) << claims.error().to_string();
  ASSERT_EQ(claims->claims[0].payments.count, 1u);
  EXPECT_FALSE(claims->payments_of(claims->claims[0])[0].designated);
  EXPECT_EQ(claims->periods_of(claims->claims[0])[0].to, make_date(2024, 6, 9));
}

// An item whose default began before the rate table fails the computation at the first
// payment that brings it up to date, whichever item that payment names.
TEST_F(ClaimEngineTest, InterestBeforeTheTableFailsAtTheFirstPayment) {
  State s;
  s.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  s.items.push_back(item("old", "D1", make_date(2023, 10, 1), make_date(2023, 10, 31), 100000));
  s.items.push_back(item("new", "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  s.payments.push_back({"new", "", make_date(2024, 6, 10), eur(100), ""});
  auto claims = run(s, make_date(2024, 8, 31));
  ASSERT_FALSE(claims.ok());
  EXPECT_EQ(claims.error().context, "payments[0]");
  EXPECT_NE(claims.error().message.find("2023-11-01"), std::string::npos) << claims.error().message;
}

TEST_F(ClaimEngineTest, ComputeIntoReusesTheSetAndGivesTheSameAsAFreshComputation) {
  State big;
  big.debtors.push_back(debtor("D1", DebtorKind::kBusiness));
  big.debtors.push_back(debtor("D2", DebtorKind::kConsumer));
  for (int i = 0; i < 6; ++i) {
    big.items.push_back(
        item(std::to_string(i), i % 2 ? "D2" : "D1", make_date(2024, 5, 1), make_date(2024, 5, 31), 100000));
  }
  big.items[2].open_amount = eur(1000);  // a warning
  big.payments.push_back({"1", "", make_date(2024, 6, 10), eur(30000), ""});
  State small;
  small.debtors.push_back(debtor("D9", DebtorKind::kBusiness));
  small.items.push_back(item("x", "D9", make_date(2024, 6, 1), make_date(2024, 6, 30), 5000));
  const ClaimEngine engine(table_, calendar_, ClaimPolicy{});
  ClaimSet reused;
  ASSERT_TRUE(engine.compute_into(big, make_date(2024, 8, 31), reused).ok());
  ASSERT_TRUE(engine.compute_into(small, make_date(2024, 8, 31), reused).ok());
  const auto fresh = engine.compute(small, make_date(2024, 8, 31));
  ASSERT_TRUE(fresh.ok());
  ASSERT_EQ(reused.claims.size(), 1u);
  EXPECT_EQ(reused.explanation(reused.claims[0], small), fresh->explanation(fresh->claims[0], small));
  EXPECT_TRUE(reused.claims[0].warnings.empty());
  EXPECT_EQ(reused.periods.size(), fresh->periods.size());
  EXPECT_TRUE(reused.payments.empty());
  EXPECT_EQ(reused.items_of_debtor(0).size(), 1u);
}

}  // namespace
}  // namespace mahnwerk::core
