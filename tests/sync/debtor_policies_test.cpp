// propose_with_debtor_settings(): each debtor under its own policy, one core run per distinct
// settings text; what the sync job and the state-file commands (propose, letters, datev
// writeback) share.
#include "connector/sync/debtor_policies.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>

#include "adapters/jsonfile/basiszins_json.h"
#include "adapters/jsonfile/policy_json.h"
#include "tests/support/bundled_config.h"
#include "tests/support/temp_dir.h"

namespace mahnwerk::sync {
namespace {

using testing::source_dir;

using core::make_date;

core::Money eur(std::int64_t cents) { return core::Money(cents, core::Currency::eur()); }

// Four consumers with one invoice each (1,000.00, due 2024-03-15), all reminded on 2024-03-25:
// on 2024-04-23 each is due for the 1. Mahnung, whose fee is 0.76 under the standard policy.
class DebtorPoliciesTest : public ::testing::Test {
 protected:
  DebtorPoliciesTest() {
    table_.emplace(testing::bundled_basiszins());
    policy_ = testing::standard_policy();
    for (const char* id : {"D1", "D2", "D3", "D4"}) {
      core::Debtor d;
      d.id = id;
      d.kind = core::DebtorKind::kConsumer;
      state_.debtors.push_back(d);
      core::OpenItem item;
      item.id = std::string(id) + "/RE";
      item.number = "RE-" + std::string(id);
      item.debtor = id;
      item.invoice_date = make_date(2024, 3, 1);
      item.due_date = make_date(2024, 3, 15);
      item.amount = eur(100000);
      item.open_amount = item.amount;
      state_.items.push_back(item);
      state_.notices.push_back({item.id, 0, make_date(2024, 3, 25), std::nullopt});
    }
  }

  // A reading of settings texts for the test: "fee=<cents>" sets the 1. Mahnung's fee; any
  // other text cannot be read. Counts its calls.
  DebtorPolicyFn reader() {
    return [this](const core::Policy& base, std::string_view text) -> core::Result<core::Policy> {
      ++calls_;
      if (!text.starts_with("fee=")) return core::invalid_input("cannot read \"" + std::string(text) + "\"");
      core::Policy p = base;
      p.levels[1].fee.fixed = eur(std::stoll(std::string(text.substr(4))));
      return p;
    };
  }

  DebtorPolicyProposal propose(const std::vector<DebtorSettings>& settings) {
    auto p = propose_with_debtor_settings(state_, policy_, settings, reader(), make_date(2024, 4, 23),
                                          *table_, core::HolidayCalendar());
    if (!p) throw std::runtime_error(p.error().to_string());
    return std::move(p).value();
  }

  // Fee per debtor id, over the proposal's notices.
  std::map<std::string, core::Money> fees(const core::Proposal& p) const {
    std::map<std::string, core::Money> out;
    for (const auto& n : p.notices) {
      core::Money fee = eur(0);
      for (const auto& c : n.charges) {
        if (c.kind == core::ChargeKind::kFee) fee += c.amount;
      }
      out.emplace(state_.debtors[n.debtor_index].id, fee);
    }
    return out;
  }

  std::optional<core::BasiszinsTable> table_;
  core::Policy policy_;
  core::State state_;
  int calls_ = 0;
};

TEST_F(DebtorPoliciesTest, WithoutSettingsProposesAsTheCoreDoes) {
  const DebtorPolicyProposal p = propose({});
  auto core_proposal =
      core::propose(state_, policy_, make_date(2024, 4, 23), *table_, core::HolidayCalendar());
  ASSERT_TRUE(core_proposal.ok()) << core_proposal.error().to_string();
  EXPECT_EQ(fees(p.proposal), fees(*core_proposal));
  EXPECT_EQ(fees(p.proposal).size(), 4u);
  EXPECT_TRUE(p.warnings.empty());
  EXPECT_EQ(calls_, 0);
}

TEST_F(DebtorPoliciesTest, EachDebtorPaysItsOwnFeeAndUnlawfulSettingsGiveNoNotice) {
  const DebtorPolicyProposal p = propose({
      {"D2", "fee=50"},   // own Mahngebühr 0.50
      {"D3", "fee=500"},  // 5.00: above the material cost of a letter
      {"D4", "unknown"},  // cannot be read
      {"D9", "fee=10"},   // no such debtor: ignored
      {"D1", ""},         // none would be stored; an empty text is the tenant's policy
  });
  EXPECT_EQ(fees(p.proposal), (std::map<std::string, core::Money>{{"D1", eur(76)}, {"D2", eur(50)}}));
  ASSERT_EQ(p.warnings.size(), 2u);
  EXPECT_NE(p.warnings[0].find("debtor D3: its own dunning settings give no lawful policy, so no notice: "),
            std::string::npos)
      << p.warnings[0];
  EXPECT_NE(p.warnings[1].find("debtor D4"), std::string::npos) << p.warnings[1];
  EXPECT_NE(p.warnings[1].find("cannot read"), std::string::npos) << p.warnings[1];
  // Notices in debtor order, whichever run made them.
  ASSERT_EQ(p.proposal.notices.size(), 2u);
  EXPECT_LT(p.proposal.notices[0].debtor_index, p.proposal.notices[1].debtor_index);
}

TEST_F(DebtorPoliciesTest, ReadsEachDistinctTextOnce) {
  const DebtorPolicyProposal p =
      propose({{"D1", "fee=50"}, {"D2", "fee=50"}, {"D3", "fee=50"}, {"D4", "fee=0"}});
  EXPECT_EQ(calls_, 2);
  EXPECT_EQ(fees(p.proposal), (std::map<std::string, core::Money>{
                                  {"D1", eur(50)}, {"D2", eur(50)}, {"D3", eur(50)}, {"D4", eur(0)}}));
}

}  // namespace
}  // namespace mahnwerk::sync
