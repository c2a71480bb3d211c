// The state writer: everything written reads back identically (round trip), deterministically.
#include "adapters/jsonfile/state_writer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

#include "adapters/jsonfile/state_json.h"

namespace mahnwerk::jsonfile {
namespace {

std::string write(const core::State& s) {
  std::ostringstream out;
  write_state(out, s);
  return out.str();
}

TEST(StateWriter, RoundTripsTheGoldenPlanStateAndTheExample) {
  const char* root = std::getenv("MAHNWERK_SOURCE_DIR");
  ASSERT_NE(root, nullptr);
  for (const char* file : {"/config/examples/claims.json", "/tests/golden/inputs/plan_state.json"}) {
    auto original = load_state(std::string(root) + file);
    ASSERT_TRUE(original.ok()) << original.error().to_string();
    const std::string first = write(*original);
    auto again = parse_state(first, "written");
    ASSERT_TRUE(again.ok()) << again.error().to_string() << "\n" << first;
    EXPECT_EQ(write(*again), first) << file;  // a fixed point: nothing lost, nothing added
    EXPECT_EQ(again->items.size(), original->items.size());
    EXPECT_EQ(again->plans.size(), original->plans.size());
  }
}

TEST(StateWriter, KeepsEveryField) {
  core::State s;
  s.creditor.name = "Muster & Söhne <GmbH>";
  s.creditor.iban = "DE89 3704 0044 0532 0130 00";
  core::Debtor d;
  d.id = "D\"1";
  d.kind = core::DebtorKind::kConsumer;
  d.language = "en";
  d.block_until = core::make_date(2025, 7, 1);
  d.block_reason = "Ratenzahlung";
  d.insolvent = true;
  d.agreed_interest_bp = 1275;
  s.debtors.push_back(d);
  core::Debtor none_agreed;
  none_agreed.id = "D2";
  s.debtors.push_back(none_agreed);
  core::OpenItem i;
  i.id = "I1";
  i.number = "RE-1";
  i.debtor = d.id;
  i.invoice_date = core::make_date(2025, 1, 2);
  i.due_date = core::make_date(2025, 2, 1);
  i.due_date_agreed = true;
  i.received_date = core::make_date(2025, 1, 4);
  i.contract_date = core::make_date(2014, 1, 1);
  i.amount = core::Money(150000, core::Currency::from_code("USD").value());
  i.open_amount = core::Money(100000, i.amount.currency());
  i.consumer_notice = true;
  i.disputed = true;
  i.block_until = core::make_date(2025, 3, 1);
  i.source_version = "7";
  i.interest_blocked = true;
  s.items.push_back(i);
  s.payments.push_back(
      {"I1", "", core::make_date(2025, 2, 10), core::Money(50000, i.amount.currency()), "ref"});
  s.notices.push_back({"I1", 1, core::make_date(2025, 2, 15), core::make_date(2025, 2, 18)});
  s.charges.push_back({"I1", core::ChargeKind::kFlatFee, 1, core::Money(4000, core::Currency::eur()),
                       core::make_date(2025, 2, 15)});
  auto back = parse_state(write(s), "w");
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(back->creditor.name, s.creditor.name);
  EXPECT_EQ(back->debtors[0].id, "D\"1");
  EXPECT_TRUE(back->debtors[0].insolvent);
  EXPECT_EQ(back->debtors[0].block_until, d.block_until);
  EXPECT_EQ(back->debtors[0].agreed_interest_bp, 1275);
  EXPECT_EQ(back->debtors[1].agreed_interest_bp, std::nullopt);
  const auto& item = back->items[0];
  EXPECT_EQ(item.amount, i.amount);
  EXPECT_EQ(item.open_amount, i.open_amount);
  EXPECT_EQ(item.contract_date, i.contract_date);
  EXPECT_TRUE(item.due_date_agreed && item.consumer_notice && item.disputed && item.interest_blocked);
  EXPECT_EQ(item.source_version, "7");
  EXPECT_EQ(back->payments[0].amount, s.payments[0].amount);
  EXPECT_EQ(back->notices[0].received_date, core::make_date(2025, 2, 18));
  EXPECT_EQ(back->charges[0].kind, core::ChargeKind::kFlatFee);
}

TEST(StateWriter, WritesAgreedRateAndZinssperreOnlyWhenSet) {
  core::State s;
  core::Debtor d;
  d.id = "10000";
  d.agreed_interest_bp = 950;
  s.debtors.push_back(d);
  d.id = "10001";
  d.agreed_interest_bp.reset();
  s.debtors.push_back(d);
  core::OpenItem i;
  i.id = "10000/RE-1";
  i.number = "RE-1";
  i.debtor = "10000";
  i.invoice_date = core::make_date(2025, 1, 2);
  i.amount = core::Money(10000, core::Currency::eur());
  i.open_amount = i.amount;
  i.interest_blocked = true;
  s.items.push_back(i);
  i.id = "10001/RE-2";
  i.interest_blocked = false;
  s.items.push_back(i);
  const std::string json = write(s);
  EXPECT_NE(json.find(R"("agreed_interest_rate":"9.50")"), std::string::npos) << json;
  EXPECT_EQ(json.find("agreed_interest_rate"), json.rfind("agreed_interest_rate")) << json;  // once
  EXPECT_NE(json.find(R"("interest_blocked":true)"), std::string::npos) << json;
  EXPECT_EQ(json.find("interest_blocked"), json.rfind("interest_blocked")) << json;  // once
}

TEST(StateWriter, RoundTripsTheDebtorsOwnDunningSettings) {
  core::State s;
  for (const char* id : {"10100", "10200", "10300"}) {
    core::Debtor d;
    d.id = id;
    d.kind = core::DebtorKind::kConsumer;
    s.debtors.push_back(d);
  }
  const std::vector<sync::DebtorSettings> settings = {
      {"10300", "mahnung=9"},
      {"10200", "fee=own;fee2=0.50 EUR"},
      {"99999", "fee=none"},  // no such debtor: not written
      {"10100", ""},          // none
  };
  std::ostringstream out;
  write_state(out, s, settings);
  const std::string json = out.str();
  EXPECT_EQ(json.find("99999"), std::string::npos) << json;
  EXPECT_EQ(json.find("fee=none"), std::string::npos) << json;
  auto back = parse_state_document(json, "W.json");
  ASSERT_TRUE(back.ok()) << back.error().to_string() << "\n" << json;
  ASSERT_EQ(back->debtor_settings.size(), 2u);  // in the order of the debtors
  EXPECT_EQ(back->debtor_settings[0].debtor, "10200");
  EXPECT_EQ(back->debtor_settings[0].settings, "fee=own;fee2=0.50 EUR");
  EXPECT_EQ(back->debtor_settings[1].debtor, "10300");
  EXPECT_EQ(back->debtor_settings[1].settings, "mahnung=9");
  // Written again, the document is the same, byte for byte.
  std::ostringstream again;
  write_state(again, back->state, back->debtor_settings);
  EXPECT_EQ(again.str(), json);
  // Without settings nothing is written for them.
  std::ostringstream plain;
  write_state(plain, s);
  EXPECT_EQ(plain.str().find("dunning_settings"), std::string::npos);
}

}  // namespace
}  // namespace mahnwerk::jsonfile
