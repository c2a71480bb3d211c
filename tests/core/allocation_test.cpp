// §§ 366, 367 BGB payment allocation.
#include "connector/core/allocation.h"

#include <gtest/gtest.h>

namespace mahnwerk::core {
namespace {

Money eur(std::int64_t minor) { return Money(minor, Currency::eur()); }

TEST(Allocation367, CostsThenInterestThenPrincipal) {
  // The worked example: claim 1,000.00 principal, 25.00 interest, 42.50 costs; payment 500.00.
  const auto a = allocate_367({eur(4250), eur(2500), eur(100000)}, eur(50000));
  EXPECT_EQ(a.to_costs, eur(4250));
  EXPECT_EQ(a.to_interest, eur(2500));
  EXPECT_EQ(a.to_principal, eur(43250));
  EXPECT_EQ(a.remainder, eur(0));
}

TEST(Allocation367, TableOfPartialAndOverpayments) {
  struct Case {
    std::int64_t costs, interest, principal, payment;
    std::int64_t to_costs, to_interest, to_principal, remainder;
  };
  const Case cases[] = {
      {4250, 2500, 100000, 3000, 3000, 0, 0, 0},                // not even the costs
      {4250, 2500, 100000, 5000, 4250, 750, 0, 0},              // costs and part of the interest
      {4250, 2500, 100000, 200000, 4250, 2500, 100000, 93250},  // overpayment
      {0, 0, 100000, 100000, 0, 0, 100000, 0},                  // principal only
      {0, 0, 0, 500, 0, 0, 0, 500},                             // nothing owed
  };
  for (const auto& c : cases) {
    const auto a = allocate_367({eur(c.costs), eur(c.interest), eur(c.principal)}, eur(c.payment));
    EXPECT_EQ(a.to_costs, eur(c.to_costs)) << c.payment;
    EXPECT_EQ(a.to_interest, eur(c.to_interest)) << c.payment;
    EXPECT_EQ(a.to_principal, eur(c.to_principal)) << c.payment;
    EXPECT_EQ(a.remainder, eur(c.remainder)) << c.payment;
  }
}

DebtCandidate debt(std::int64_t outstanding, bool due, int burden_bp, Date arose, int security = 0) {
  return DebtCandidate{eur(outstanding), due, security, burden_bp, arose};
}

TEST(Allocation366, DueClaimsBeforeNotYetDue) {
  const DebtCandidate debts[] = {debt(10000, false, 0, make_date(2024, 1, 1)),
                                 debt(10000, true, 0, make_date(2024, 6, 1))};
  const auto a = allocate_366(debts, eur(12000));
  ASSERT_EQ(a.shares.size(), 2u);
  EXPECT_EQ(a.shares[0].index, 1u);
  EXPECT_EQ(a.shares[0].amount, eur(10000));
  EXPECT_EQ(a.shares[1].index, 0u);
  EXPECT_EQ(a.shares[1].amount, eur(2000));
}

TEST(Allocation366, LessSecurityThenMoreBurdensomeThenOlder) {
  const DebtCandidate debts[] = {
      debt(10000, true, 0, make_date(2023, 1, 1), /*security=*/1),  // secured: last
      debt(10000, true, 1262, make_date(2024, 5, 1)),               // business rate: first
      debt(10000, true, 862, make_date(2024, 3, 1)),                // consumer rate, older
      debt(10000, true, 862, make_date(2024, 4, 1)),                // consumer rate, younger
  };
  const auto a = allocate_366(debts, eur(35000));
  ASSERT_EQ(a.shares.size(), 4u);
  EXPECT_EQ(a.shares[0].index, 1u);
  EXPECT_EQ(a.shares[1].index, 2u);
  EXPECT_EQ(a.shares[2].index, 3u);
  EXPECT_EQ(a.shares[3].index, 0u);
  EXPECT_EQ(a.shares[3].amount, eur(5000));
  EXPECT_EQ(a.unapplied, eur(0));
}

TEST(Allocation366, EqualRankSharesProRataWithDeterministicCents) {
  const Date same = make_date(2024, 3, 1);
  const DebtCandidate debts[] = {debt(10000, true, 0, same), debt(20000, true, 0, same),
                                 debt(10000, true, 0, same)};
  const auto a = allocate_366(debts, eur(1001));
  ASSERT_EQ(a.shares.size(), 3u);
  // 1001 * 1/4 = 250.25, 1001 * 2/4 = 500.5, 250.25: rounded down 250 + 500 + 250, one cent
  // left for the largest remainder (the 20,000 claim).
  EXPECT_EQ(a.shares[0].amount, eur(250));
  EXPECT_EQ(a.shares[1].amount, eur(501));
  EXPECT_EQ(a.shares[2].amount, eur(250));
}

TEST(Allocation366, DesignationComesFirstAndExcessFollowsTheLaw) {
  const DebtCandidate debts[] = {debt(10000, true, 0, make_date(2024, 1, 1)),
                                 debt(5000, true, 0, make_date(2024, 2, 1))};
  const auto a = allocate_366(debts, eur(7000), std::size_t{1});
  ASSERT_EQ(a.shares.size(), 2u);
  EXPECT_EQ(a.shares[0].index, 1u);
  EXPECT_EQ(a.shares[0].amount, eur(5000));
  EXPECT_EQ(a.shares[1].index, 0u);
  EXPECT_EQ(a.shares[1].amount, eur(2000));
}

TEST(Allocation366, OverpaymentStaysUnapplied) {
  const DebtCandidate debts[] = {debt(1000, true, 0, make_date(2024, 1, 1))};
  const auto a = allocate_366(debts, eur(1500));
  EXPECT_EQ(a.unapplied, eur(500));
  const auto none = allocate_366({}, eur(1500));
  EXPECT_TRUE(none.shares.empty());
  EXPECT_EQ(none.unapplied, eur(1500));
}

}  // namespace
}  // namespace mahnwerk::core
