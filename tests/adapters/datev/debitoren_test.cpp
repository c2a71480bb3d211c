// Debitoren/Kreditoren master data: names by Adressattyp, kind, address, e-mail, language,
// Mahnsperre bis, the dunning settings and how they map onto a policy.
#include "adapters/datev/debitoren.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>

#include "adapters/datev/open_items.h"
#include "tests/adapters/datev/datev_test_util.h"

namespace mahnwerk::datev {
namespace {

using core::make_date;
using core::Money;
using namespace testing;

Money eur(std::int64_t cents) { return Money(cents, core::Currency::eur()); }

std::vector<DebtorRecord> read_records(const std::vector<std::string>& rows,
                                       std::vector<RowError>* rejected = nullptr) {
  std::string file = std::string(kDebitorenHeader) + "\r\n" + heading(254, "Konto") + "\r\n";
  for (const auto& r : rows) file += r + "\r\n";
  auto reader = ExtfReader::from_bytes(file, "deb.csv");
  EXPECT_TRUE(reader) << reader.error().to_string();
  std::vector<DebtorRecord> out;
  std::vector<RowError> errors;
  auto counts = read_debtors(
      **reader, [&](DebtorRecord r) { out.push_back(std::move(r)); },
      [&](RowError e) { errors.push_back(std::move(e)); });
  EXPECT_TRUE(counts);
  if (rejected) *rejected = errors;
  return out;
}

TEST(Debitoren, NamesKindsAndContactByAdressattyp) {
  struct Case {
    std::map<int, std::string> fields;
    std::string name;
    core::DebtorKind kind;
  };
  const std::vector<Case> cases = {
      {{{1, "10000"}, {2, "\"Möbel GmbH\""}, {7, "\"2\""}}, "Möbel GmbH", core::DebtorKind::kBusiness},
      {{{1, "10001"}, {4, "\"Mustermann\""}, {5, "\"Sabine\""}, {7, "\"1\""}},
       "Sabine Mustermann",
       core::DebtorKind::kConsumer},
      {{{1, "10002"}, {2, "\"Ohne Typ AG\""}},
       "Ohne Typ AG",
       core::DebtorKind::kBusiness},  // DATEV's default
      {{{1, "10003"}, {6, "\"Verein e.V.\""}, {7, "\"0\""}}, "Verein e.V.", core::DebtorKind::kConsumer},
  };
  for (const auto& c : cases) {
    auto records = read_records({record(c.fields, 254)});
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].debtor.name, c.name);
    EXPECT_EQ(records[0].debtor.kind, c.kind) << c.name;
    EXPECT_FALSE(records[0].creditor);
  }
}

TEST(Debitoren, AddressEmailLanguageBlockInsolvency) {
  auto records = read_records({record({{1, "10000"},
                                       {2, "\"A\""},
                                       {16, "\"Nelkenstraße 1\""},
                                       {18, "\"90482\""},
                                       {19, "\"Nürnberg\""},
                                       {33, "\"a@example.de\""},
                                       {101, "5"},
                                       {221, "1"},
                                       {233, "03122018"}},
                                      254),
                               record({{1, "70000"}, {2, "\"Lieferant\""}}, 254)});
  ASSERT_EQ(records.size(), 2u);
  const core::Debtor& d = records[0].debtor;
  EXPECT_EQ(d.address.street, "Nelkenstraße 1");
  EXPECT_EQ(d.address.zip, "90482");
  EXPECT_EQ(d.address.city, "Nürnberg");
  EXPECT_EQ(d.address.country, "DE");
  EXPECT_EQ(d.email, "a@example.de");
  EXPECT_EQ(d.language, "en");
  EXPECT_TRUE(d.insolvent);
  EXPECT_EQ(d.block_until, make_date(2018, 12, 3));
  EXPECT_EQ(d.block_reason, "DATEV Mahnsperre bis");
  EXPECT_TRUE(records[1].creditor);
}

TEST(Debitoren, DunningSettingsOfTheMusterdaten) {
  std::vector<DebtorRecord> records;
  auto reader = ExtfReader::open(reference("csv/datev-musterdaten-700/EXTF_DebKred_Stamm.csv"));
  ASSERT_TRUE(reader) << reader.error().to_string();
  auto counts = read_debtors(
      **reader, [&](DebtorRecord r) { records.push_back(std::move(r)); },
      [](RowError e) { FAIL() << e.to_string(); });
  ASSERT_TRUE(counts);
  ASSERT_EQ(records.size(), 4u);
  const DebtorRecord& r = records[0];
  EXPECT_EQ(r.debtor.id, "10000");
  EXPECT_EQ(r.debtor.name, "Möbel Testgruber");
  EXPECT_EQ(r.debtor.kind, core::DebtorKind::kBusiness);
  const DunningSettings& s = r.dunning;
  EXPECT_EQ(s.level_mask, 7);  // Mahnung 7: levels 1, 2 and 3
  EXPECT_EQ(s.min_amount, eur(2330));
  EXPECT_EQ(s.min_percent_bp, 2025);
  EXPECT_EQ(s.interest, Calculation::kOwn);
  EXPECT_EQ(s.interest_rate_bp[0], 1050);
  EXPECT_EQ(s.interest_rate_bp[2], 1212);
  EXPECT_EQ(r.debtor.agreed_interest_bp, 1050);  // fester Zinssatz: the lowest of 10,50/11,11/12,12
  EXPECT_EQ(s.fee, Calculation::kOwn);
  EXPECT_EQ(s.fee_amount[0], eur(510));  // written "5,1"
  EXPECT_EQ(s.fee_amount[2], eur(530));
  EXPECT_EQ(s.flat_fee, Calculation::kOwn);
  EXPECT_EQ(s.flat_fee_amount[1], eur(20));
  EXPECT_EQ(records[2].debtor.name, "Hans Mustermeier");
  EXPECT_EQ(records[2].debtor.kind, core::DebtorKind::kConsumer);
}

TEST(Debitoren, SettingsMapOntoThePolicy) {
  core::Policy base;
  base.levels.resize(3);
  base.levels[0].interest = true;
  base.levels[1].interest = true;
  base.levels[1].fee.fixed = eur(250);
  base.levels[2].flat_fee_b2b = true;
  DunningSettings s;
  s.min_amount = eur(2330);
  s.min_percent_bp = 500;
  s.interest = Calculation::kNone;
  s.fee = Calculation::kOwn;
  s.fee_amount = {eur(0), eur(300), eur(500)};
  s.flat_fee = Calculation::kOwn;
  s.flat_fee_amount = {std::nullopt, eur(4000), std::nullopt};
  s.own_deadlines = true;
  s.deadline_days = {10, 24, 45};
  s.last_deadline_days = 60;
  const core::Policy p = apply_dunning_settings(base, s);
  EXPECT_EQ(p.min_amount, eur(2330));
  EXPECT_EQ(p.min_percent_bp, 500);
  for (const auto& level : p.levels) EXPECT_FALSE(level.interest);
  EXPECT_EQ(p.levels[1].fee.fixed, eur(300));
  EXPECT_EQ(p.levels[2].fee.fixed, eur(500));
  EXPECT_FALSE(p.levels[2].flat_fee_b2b);
  EXPECT_TRUE(p.levels[1].flat_fee_b2b);
  EXPECT_EQ(p.levels[0].days_after_due, 10);
  EXPECT_EQ(p.levels[1].days_after_previous, 14);
  EXPECT_EQ(p.levels[2].days_after_previous, 21);
  EXPECT_EQ(p.final_action_days, 60);

  DunningSettings none;
  none.fee = Calculation::kNone;
  none.flat_fee = Calculation::kNone;
  none.level_mask = 1;  // only the first level
  const core::Policy q = apply_dunning_settings(base, none);
  EXPECT_TRUE(q.levels[1].fee.is_zero());
  EXPECT_FALSE(q.claim.claim_flat_fee);
  EXPECT_TRUE(q.levels[0].interest);  // Zinsberechnung not set: the policy's
}

TEST(Debitoren, MahnzinsIsTheAgreedRateAndZinsberechnungNineBlocksInterest) {
  struct Case {
    std::string konto;
    std::map<int, std::string> fields;  // Zinsberechnung #129, Mahnzinssatz #130..132
    std::optional<int> agreed_bp;
    bool interest_blocked;
  };
  const std::vector<Case> cases = {
      {"10100", {{129, "1"}, {130, "12,00"}, {131, "8,50"}, {132, "14,00"}}, 850, false},
      {"10200", {{129, "1"}, {130, "9,5"}}, 950, false},
      {"10300", {{129, "1"}}, std::nullopt, false},                  // no rate: the statutory one
      {"10400", {{129, "2"}, {130, "12,00"}}, std::nullopt, false},  // Staffel: the statutory rates
      {"10500", {{129, "0"}, {130, "12,00"}}, std::nullopt, false},  // MPD-Schlüsselung gilt
      {"10600", {{129, "9"}, {130, "12,00"}}, std::nullopt, true},   // keine Zinsberechnung
      {"10700", {}, std::nullopt, false},
  };
  std::string debitoren = std::string(kDebitorenHeader) + "\r\n" + heading(254, "Konto") + "\r\n";
  std::vector<std::string> bookings;
  for (const Case& c : cases) {
    auto fields = c.fields;
    fields[1] = c.konto;
    fields[2] = "\"Kunde " + c.konto + "\"";
    debitoren += record(fields, 254) + "\r\n";
    bookings.push_back(booking("100,00", "S", c.konto, "8400", "0101", "RE-" + c.konto));
  }
  const ReadResult r = read_files(
      {write_temp("deb_zins.csv", debitoren), write_temp("stapel_zins.csv", buchungsstapel(bookings))});
  ASSERT_EQ(r.rejected_total, 0u) << r.rejected[0].to_string();
  for (const Case& c : cases) {
    const auto debtor = std::find_if(r.debtors.begin(), r.debtors.end(),
                                     [&](const DebtorRecord& d) { return d.debtor.id == c.konto; });
    ASSERT_NE(debtor, r.debtors.end()) << c.konto;
    EXPECT_EQ(debtor->debtor.agreed_interest_bp, c.agreed_bp) << c.konto;
    const auto item = std::find_if(r.items.begin(), r.items.end(),
                                   [&](const DerivedItem& i) { return i.item.debtor == c.konto; });
    ASSERT_NE(item, r.items.end()) << c.konto;
    EXPECT_EQ(item->item.interest_blocked, c.interest_blocked) << c.konto;
    EXPECT_FALSE(item->locks.zinssperre) << c.konto;  // the item's own lock is not set
  }
}

// The dunning columns are kept as read for the write-back; one the reader does not interpret
// (a Mahntext) with a byte Windows-1252 lacks is left out, not an error of the debtor.
TEST(Debitoren, DunningColumnsAreKeptAsReadAndABadByteInAnUnreadOneIsNoError) {
  std::vector<RowError> rejected;
  auto records = read_records({record({{1, "10000"},
                                       {2, "\"A\""},
                                       {121, "3"},
                                       {123, "\"Text \x81\""},
                                       {129, "2"},
                                       {130, "12,50"},
                                       {238, "0,50"},
                                       {254, "10"}},
                                      254)},
                              &rejected);
  EXPECT_TRUE(rejected.empty()) << rejected[0].to_string();
  ASSERT_EQ(records.size(), 1u);
  const std::vector<std::pair<int, std::string>> expected = {
      {121, "3"}, {129, "2"}, {130, "12,50"}, {238, "0,50"}, {254, "10"}};
  EXPECT_EQ(records[0].dunning_columns, expected);
}

TEST(Debitoren, MahnungNineBlocksTheDebtorAndBadCodesAreRejected) {
  std::vector<RowError> rejected;
  auto records =
      read_records({record({{1, "10000"}, {2, "\"A\""}, {121, "9"}}, 254),
                    record({{1, "10001"}, {2, "\"B\""}, {121, "5"}, {129, "7"}, {233, "31022024"}}, 254),
                    record({{1, "1000"}, {2, "\"C\""}}, 254), record({{1, "10002"}}, 12)},
                   &rejected);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].dunning.no_dunning);
  EXPECT_EQ(records[0].debtor.block_until, make_date(9999, 12, 31));
  ASSERT_EQ(rejected.size(), 5u);
  EXPECT_EQ(rejected[0].field, "Mahnsperre bis");
  EXPECT_EQ(rejected[1].field, "Mahnung");
  EXPECT_EQ(rejected[2].field, "Zinsberechnung");
  EXPECT_EQ(rejected[3].field, "Konto");
  EXPECT_EQ(rejected[3].line, 5u);
  EXPECT_NE(rejected[4].message.find("12 fields, expected 254"), std::string::npos);
}

}  // namespace
}  // namespace mahnwerk::datev
