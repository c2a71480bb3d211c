// Open items derived from Buchungsstapel files: netting of invoices, payments, partial payments,
// credit notes, Skonto and reversals per (Personenkonto, Belegfeld 1); due-date rules; locks;
// dunning postings; rejected rows with file, line, column and field; the reference files.
#include "adapters/datev/open_items.h"

#include <gtest/gtest.h>

#include "connector/core/claim.h"

#include "tests/adapters/datev/datev_test_util.h"

namespace mahnwerk::datev {
namespace {

using core::make_date;
using core::Money;
using namespace testing;

Money eur(std::int64_t cents) { return Money(cents, core::Currency::eur()); }

ReadResult read(const std::vector<std::string>& rows, const std::string& name = "stapel.csv",
                const std::string& header = kBuchungsstapelHeader) {
  return read_files({write_temp(name, buchungsstapel(rows, header))});
}

const DerivedItem* find(const ReadResult& r, const std::string& id) {
  for (const auto& i : r.items)
    if (i.item.id == id) return &i;
  return nullptr;
}

TEST(DebitorAccounts, RangeFollowsSachkontenlaenge) {
  struct Case {
    std::uint64_t account;
    int skl;
    bool debitor;
  };
  for (const Case& c : std::vector<Case>{{10000, 4, true},
                                         {69999, 4, true},
                                         {70000, 4, false},
                                         {9999, 4, false},
                                         {8400, 4, false},
                                         {100000, 5, true},
                                         {69999, 5, false},
                                         {699999, 5, true},
                                         {1000000, 6, true},
                                         {7000000, 6, false}})
    EXPECT_EQ(is_debitor_account(c.account, c.skl), c.debitor) << c.account << " SKL " << c.skl;
}

TEST(OpenItems, NettingPerItem) {
  struct Case {
    std::string name;
    std::vector<std::string> rows;
    std::int64_t open_cents;  // -1: the item is closed
    std::int64_t amount_cents;
    std::size_t payments;  // listed payments of the item
  };
  const std::vector<Case> cases = {
      {"invoice only", {booking("1000,00", "S", "10100", "8400", "0101", "R1")}, 100000, 100000, 0},
      {"paid in full",
       {booking("1000,00", "S", "10100", "8400", "0101", "R1"),
        booking("1000,00", "S", "1200", "10100", "1501", "R1")},
       -1,
       0,
       0},
      {"partial payment",
       {booking("1000,00", "S", "10100", "8400", "0101", "R1"),
        booking("300,00", "S", "1200", "10100", "1501", "R1")},
       70000,
       100000,
       1},
      {"two partial payments",
       {booking("1000,00", "S", "10100", "8400", "0101", "R1"),
        booking("300,00", "S", "1200", "10100", "1501", "R1"),
        booking("200,00", "H", "10100", "1200", "0102", "R1")},
       50000,
       100000,
       2},
      {"Skonto clears",
       {booking("119,00", "S", "10100", "8400", "0103", "R1"),
        booking("116,62", "S", "1200", "10100", "0103", "R1", {{13, "2,38"}})},
       -1,
       0,
       0},
      {"credit note (revenue account) is not a payment",
       {booking("1000,00", "S", "10100", "8400", "0101", "R1"),
        booking("100,00", "S", "8400", "10100", "0501", "R1")},
       90000,
       100000,
       0},
      {"debitor as Gegenkonto of a Haben posting",
       {booking("4979,65", "H", "8400", "30200", "0902", "R1")},
       497965,
       497965,
       0},
      {"Generalumkehr of the invoice",
       {booking("500,00", "S", "10100", "8400", "0101", "R1"),
        booking("500,00", "H", "10100", "8400", "0201", "R1", {{118, "\"1\""}})},
       -1,
       0,
       0},
      {"Generalumkehr by BU-Schlüssel 2x reverses part of the invoice",
       {booking("500,00", "S", "10100", "8400", "0101", "R1"),
        booking("100,00", "H", "10100", "8400", "0201", "R1", {{9, "\"20\""}})},
       40000,
       40000,
       0},
      {"reversed payment re-opens",
       {booking("500,00", "S", "10100", "8400", "0101", "R1"),
        booking("200,00", "S", "1200", "10100", "0201", "R1"),
        booking("200,00", "H", "1200", "10100", "0301", "R1", {{118, "\"1\""}})},
       50000,
       50000,
       0},
      {"returned direct debit (bank contra, Soll on the debitor)",
       {booking("500,00", "S", "10100", "8400", "0101", "R1"),
        booking("200,00", "S", "1200", "10100", "0201", "R1"),
        booking("200,00", "S", "10100", "1200", "0301", "R1")},
       50000,
       50000,
       0},
      {"payment booked before the invoice",
       {booking("500,00", "S", "1200", "10100", "0101", "R1"),
        booking("500,00", "S", "10100", "8400", "0101", "R1")},
       -1,
       0,
       0},
  };
  for (const auto& c : cases) {
    const ReadResult r = read(c.rows);
    EXPECT_EQ(r.rejected_total, 0u) << c.name;
    const DerivedItem* item = find(r, "10100/R1");
    if (c.name.find("Gegenkonto") != std::string::npos) item = find(r, "30200/R1");
    if (c.open_cents < 0) {
      EXPECT_EQ(item, nullptr) << c.name;
      EXPECT_EQ(r.counts.closed, 1u) << c.name;
      continue;
    }
    ASSERT_NE(item, nullptr) << c.name;
    EXPECT_EQ(item->item.open_amount, eur(c.open_cents)) << c.name;
    EXPECT_EQ(item->item.amount, eur(c.amount_cents)) << c.name;
    EXPECT_EQ(item->item.number, "R1") << c.name;
    const bool gegenkonto = c.name.find("Gegenkonto") != std::string::npos;
    EXPECT_EQ(item->item.invoice_date, gegenkonto ? make_date(2024, 2, 9) : make_date(2024, 1, 1)) << c.name;
    std::size_t listed = 0;
    for (const auto& p : r.payments) listed += p.item == item->item.id ? 1 : 0;
    EXPECT_EQ(listed, c.payments) << c.name;
  }
}

TEST(OpenItems, DueDateRules) {
  // Fälligkeit (#117) wins over Belegfeld 2 (TTMMJJ), which wins over the debtor's payment terms.
  const std::string debitoren =
      write_temp("debitoren.csv",
                 std::string(kDebitorenHeader) + "\r\n" + heading(254, "Konto") + "\r\n" +
                     record({{1, "10100"}, {2, "\"Kunde GmbH\""}, {7, "\"2\""}, {110, "30"}}, 254) + "\r\n");
  const std::string stapel = write_temp(
      "due.csv", buchungsstapel({booking("1,00", "S", "10100", "8400", "0101", "F",
                                         {{12, "\"160318\""}, {117, "31012024"}}),
                                 booking("1,00", "S", "10100", "8400", "0101", "B2", {{12, "\"160324\""}}),
                                 booking("1,00", "S", "10100", "8400", "0101", "T", {{12, "\"LS-4711\""}}),
                                 booking("1,00", "S", "10200", "8400", "0101", "N")}));
  const ReadResult r = read_files({stapel, debitoren});
  ASSERT_EQ(r.rejected_total, 0u) << r.rejected[0].to_string();
  EXPECT_EQ(find(r, "10100/F")->item.due_date, make_date(2024, 1, 31));
  EXPECT_EQ(find(r, "10100/B2")->item.due_date, make_date(2024, 3, 16));
  EXPECT_EQ(find(r, "10100/T")->item.due_date, make_date(2024, 1, 31));  // 1 Jan + 30 days
  EXPECT_FALSE(find(r, "10200/N")->item.due_date);                       // the policy default
}

TEST(OpenItems, LocksAreHonoured) {
  const ReadResult r =
      read({booking("1,00", "S", "10100", "8400", "0101", "P", {{15, "1"}}),
            booking("1,00", "S", "10100", "8400", "0101", "PB", {{15, "1"}, {111, "30062024"}}),
            booking("1,00", "S", "10100", "8400", "0101", "Z", {{19, "1"}}),
            booking("1,00", "S", "10100", "8400", "0101", "none")});
  ASSERT_EQ(r.rejected_total, 0u);
  const auto* p = find(r, "10100/P");
  EXPECT_TRUE(p->locks.postensperre);
  EXPECT_TRUE(p->item.disputed);  // no end date: dunning stops until lifted
  EXPECT_FALSE(p->item.block_until);
  const auto* pb = find(r, "10100/PB");
  EXPECT_EQ(pb->item.block_until, make_date(2024, 6, 30));
  EXPECT_FALSE(pb->item.disputed);
  const auto* z = find(r, "10100/Z");
  EXPECT_TRUE(z->locks.zinssperre);
  EXPECT_TRUE(z->item.interest_blocked);
  EXPECT_FALSE(z->item.disputed);
  const auto* none = find(r, "10100/none");
  EXPECT_FALSE(none->locks.postensperre || none->locks.zinssperre || none->item.disputed ||
               none->item.interest_blocked);
}

TEST(OpenItems, ZinssperreReachesTheClaimEngine) {
  const ReadResult r =
      read({booking("1000,00", "S", "10100", "8400", "0101", "Z", {{19, "1"}, {117, "31012024"}}),
            booking("1000,00", "S", "10100", "8400", "0101", "N", {{117, "31012024"}})});
  ASSERT_EQ(r.rejected_total, 0u);
  core::State state;
  core::Debtor debtor;
  debtor.id = "10100";
  debtor.kind = core::DebtorKind::kBusiness;
  state.debtors.push_back(debtor);
  for (const auto& d : r.items) {
    state.items.push_back(d.item);
    state.items.back().due_date_agreed = true;  // Verzug from the day after the Fälligkeit
  }
  ASSERT_EQ(state.items.size(), 2u);
  const auto table = core::BasiszinsTable::create({{make_date(2024, 1, 1), 362}}).value();
  const core::HolidayCalendar calendar{core::Region::kNational};
  const core::ClaimEngine engine(table, calendar, core::ClaimPolicy{});
  const auto claims = engine.compute(state, make_date(2024, 3, 31));
  ASSERT_TRUE(claims.ok()) << claims.error().to_string();
  for (const auto& c : claims->claims) {
    const core::OpenItem& item = state.items[c.item_index];
    EXPECT_EQ(c.verzug.start, make_date(2024, 2, 1)) << item.id;
    EXPECT_EQ(c.flat_fee, eur(4000)) << item.id;
    if (item.number == "Z") {
      EXPECT_EQ(c.interest, eur(0));
      EXPECT_NE(claims->explanation(c, state).find("Zinssperre"), std::string::npos);
    } else {
      // 2024-02-01..03-31, 60 days at 3.62 + 9 = 12.62 %: 100000 * 0.1262 * 60 / 365 = 2074.52
      EXPECT_EQ(c.interest, eur(2075)) << item.id;
    }
  }
}

TEST(OpenItems, FeeAndInterestPostingsAreNeverDunnedAsInvoices) {
  const ReadResult r = read({
      booking("100,00", "S", "10100", "8400", "0101", "RE1"),
      booking("5,00", "S", "10100", "2700", "0102", "MG-RE1-1", {{18, "40"}}),  // own Belegfeld 1
      booking("2,50", "S", "10100", "2650", "0102", "MZ-RE1-1", {{18, "31"}}),
      booking("5,00", "S", "10100", "2700", "0102", "RE1", {{18, "40"}}),  // on the invoice's key
      booking("3,00", "S", "1200", "10100", "0202", "RE1"),                // pays the fee first (§ 367)
  });
  ASSERT_EQ(r.rejected_total, 0u);
  EXPECT_EQ(r.counts.dunning_postings, 3u);
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].item.id, "10100/RE1");
  EXPECT_EQ(r.items[0].item.open_amount, eur(10000));  // 102.00 balance, 2.00 fee still open
  ASSERT_EQ(r.dunning_items.size(), 2u);
  EXPECT_EQ(r.dunning_items[0].item.number, "MG-RE1-1");
  EXPECT_EQ(r.dunning_items[1].item.number, "MZ-RE1-1");
}

TEST(OpenItems, OtherAccountsOverpaymentsAndCurrencies) {
  const ReadResult r = read({
      booking("10,00", "S", "4400", "1200", "0101", "X"),        // Sachkonten only
      booking("357,00", "H", "70000", "3400", "0101", "ER234"),  // a Kreditor
      booking("100,00", "S", "10100", "8400", "0101", "OVER"),
      booking("120,00", "S", "1200", "10100", "0201", "OVER"),  // 20.00 too much
      booking("124,00", "H", "8120", "20050", "0101", "CH", {{3, "\"CHF\""}}),
      booking("24,00", "S", "20050", "8120", "0101", "CH", {{3, "\"EUR\""}}),  // mixed currency: refused
  });
  EXPECT_EQ(r.counts.other_bookings, 2u);
  ASSERT_EQ(r.rejected_total, 1u);
  EXPECT_EQ(r.rejected[0].line, 8u);
  EXPECT_EQ(r.rejected[0].field, "WKZ Umsatz");
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].item.open_amount, Money(12400, *core::Currency::from_code("CHF")));
  ASSERT_EQ(r.payments.size(), 1u);  // the credit balance, unapplied
  EXPECT_EQ(r.payments[0].debtor, "10100");
  EXPECT_TRUE(r.payments[0].item.empty());
  EXPECT_EQ(r.payments[0].amount, eur(2000));
}

TEST(OpenItems, SachkontenlaengeFiveMovesTheDebitorRange) {
  std::string header = kBuchungsstapelHeader;
  header.replace(header.find(";20240101;4;"), 12, ";20240101;5;");
  const ReadResult r = read({booking("1,00", "S", "10100", "84000", "0101", "A"),    // a Sachkonto now
                             booking("1,00", "S", "101000", "84000", "0101", "B")},  // the debitor
                            "skl5.csv", header);
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].item.id, "101000/B");
}

TEST(OpenItems, BadRowsAreRejectedPerFieldAndTheFileGoesOn) {
  const ReadResult r = read({
      booking("1000,00", "S", "10100", "8400", "0101", "OK1"),
      booking("12,345", "S", "10100", "8400", "0101", "BADAMOUNT"),
      booking("1,00", "X", "10100", "8400", "3102", "TWOBAD"),
      record({{1, "1,00"}, {2, "\"S\""}}, 30),  // a short row
      booking("1,00", "S", "10100", "8400", "0101", "BADDATE", {{117, "31022024"}}),
      booking("0,00", "S", "10100", "8400", "0101", "ZERO"),
      booking("1,00", "S", "10100", "8400", "0101", "OK2"),
  });
  EXPECT_EQ(r.files.at(0).accepted, 2u);
  EXPECT_EQ(r.files.at(0).rejected, 5u);
  ASSERT_EQ(r.rejected_total, 6u);  // TWOBAD has two bad fields
  struct Want {
    std::size_t line;
    int column;
    std::string field;
    std::string message_part;
  };
  const std::vector<Want> want = {
      {4, 1, "Umsatz (ohne Soll/Haben-Kz)", "more than 2 decimals"},
      {5, 2, "Soll/Haben-Kennzeichen", "neither S nor H"},
      {5, 10, "Belegdatum", "not a day of the fiscal year"},
      {6, 0, "", "the record has 30 fields, expected 125"},
      {7, 117, "Fälligkeit", "not a calendar date"},
      {8, 1, "Umsatz (ohne Soll/Haben-Kz)", "amount is zero"},
  };
  for (std::size_t i = 0; i < want.size(); ++i) {
    const RowError& e = r.rejected[i];
    EXPECT_EQ(e.line, want[i].line) << e.to_string();
    EXPECT_EQ(e.column, want[i].column) << e.to_string();
    EXPECT_EQ(e.field, want[i].field) << e.to_string();
    EXPECT_NE(e.message.find(want[i].message_part), std::string::npos) << e.to_string();
    EXPECT_NE(e.file.find("stapel.csv"), std::string::npos);
  }
  EXPECT_EQ(r.items.size(), 2u);
}

TEST(OpenItems, MissingAndUnsupportedFilesAreRejectedNotFatal) {
  const std::string ok =
      write_temp("ok.csv", buchungsstapel({booking("1,00", "S", "10100", "8400", "0101", "A")}));
  const ReadResult r = read_files(
      {"/nonexistent/EXTF_x.csv", reference("csv/datev-musterdaten-700/EXTF_Naturalstapel.csv"), ok});
  ASSERT_EQ(r.rejected_total, 2u);
  EXPECT_NE(r.rejected[0].message.find("cannot open"), std::string::npos);
  EXPECT_NE(r.rejected[1].message.find("category 66"), std::string::npos);
  EXPECT_EQ(r.items.size(), 1u);
}

TEST(OpenItems, DatevMusterdaten) {
  const ReadResult r = read_files({reference("csv/datev-musterdaten-700/EXTF_Buchungsstapel.csv"),
                                   reference("csv/datev-musterdaten-700/EXTF_DebKred_Stamm.csv")});
  EXPECT_EQ(r.rejected_total, 0u);
  ASSERT_EQ(r.files.size(), 2u);
  EXPECT_EQ(r.files[0].accepted, 54u);
  EXPECT_EQ(r.files[1].accepted, 4u);
  // DATEV's OPOS examples: AR-78/13 paid, AR-456/13 paid with 2 % Skonto, AR-2013 corrected.
  EXPECT_EQ(find(r, "10100/AR-78/13"), nullptr);
  EXPECT_EQ(find(r, "10100/AR-456/13"), nullptr);
  EXPECT_EQ(find(r, "10001/AR-2013"), nullptr);
  EXPECT_EQ(r.counts.closed, 3u);
  const auto* ar2013 = find(r, "10100/AR-2013");
  ASSERT_NE(ar2013, nullptr);
  EXPECT_EQ(ar2013->item.open_amount, eur(3500));
  EXPECT_EQ(ar2013->item.invoice_date, make_date(2024, 3, 1));
  const auto* split = find(r, "10100/AR1234");
  ASSERT_NE(split, nullptr);
  EXPECT_EQ(split->item.open_amount, eur(119000));
  EXPECT_EQ(r.items.size(), 19u);
}

TEST(OpenItems, LenientFilesLedermannAndOca) {
  const ReadResult led = read_files({reference("csv/ledermann-datev/EXTF_Buchungsstapel.csv"),
                                     reference("csv/ledermann-datev/EXTF_Stammdaten.csv")});
  EXPECT_EQ(led.rejected_total, 0u);
  const auto* item = find(led, "10000/RE201802-135");
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(item->item.open_amount, eur(595000));
  EXPECT_EQ(item->item.invoice_date, make_date(2018, 2, 22));
  const ReadResult oca = read_files({reference("csv/oca-datev-import-example/datev_export_semicolon.csv")});
  EXPECT_EQ(oca.files.at(0).accepted, 97u);
  ASSERT_EQ(oca.rejected_total, 1u);  // line 93 has no amount
  EXPECT_EQ(oca.rejected[0].line, 93u);
  EXPECT_EQ(oca.rejected[0].column, 1);
}

}  // namespace
}  // namespace mahnwerk::datev
