// DATEV XML: LedgerImport v060 receivables as open items, document.xml, bad documents and rows;
// and `datev check` on XML and on hand-made bad CSV files.
#include "adapters/datev/xml_reader.h"

#include <gtest/gtest.h>

#include "adapters/datev/extf_reader_check.h"
#include "adapters/datev/open_items.h"
#include "tests/adapters/datev/datev_test_util.h"

namespace mahnwerk::datev {
namespace {

using core::make_date;
using core::Money;
using namespace testing;

Money eur(std::int64_t cents) { return Money(cents, core::Currency::eur()); }

std::string ledger(const std::string& rows) {
  return "<?xml version=\"1.0\"?>\n<LedgerImport xmlns=\"http://xml.datev.de/bedi/tps/ledger/v060\" "
         "version=\"6.0\">\n"
         " <consolidate consolidatedAmount=\"1.00\" consolidatedCurrencyCode=\"EUR\">\n" +
         rows + " </consolidate>\n</LedgerImport>\n";
}

std::string row(const std::string& invoice, const std::string& amount, const std::string& extra = "") {
  return "  <accountsReceivableLedger>\n   <date>2023-01-12</date>\n   <amount>" + amount +
         "</amount>\n   <accountNo>8400</accountNo>\n   <currencyCode>EUR</currencyCode>\n   <invoiceId>" +
         invoice + "</invoiceId>\n   <bpAccountNo>10100</bpAccountNo>\n" + extra +
         "  </accountsReceivableLedger>\n";
}

TEST(LedgerXml, ReferenceSamplesBecomeOpenItems) {
  const ReadResult r =
      read_files({reference("xml/ledger-v060-samples/Rechnungsdaten_RA_R-2023-101.xml"),
                  reference("xml/ledger-v060-samples/Rechnungsdaten_RA_R-2023-204.xml"),
                  reference("xml/ledger-v060-samples/Provisionsgutschrift_GS-2023-101.xml")});
  EXPECT_EQ(r.rejected_total, 0u);
  ASSERT_EQ(r.items.size(), 2u);
  const core::OpenItem& a = r.items[0].item;
  EXPECT_EQ(a.id, "10100/R-2023-101");
  EXPECT_EQ(a.open_amount, eur(119000));
  EXPECT_EQ(a.invoice_date, make_date(2023, 1, 12));
  EXPECT_EQ(a.due_date, make_date(2023, 1, 26));
  const core::OpenItem& b = r.items[1].item;
  EXPECT_EQ(b.id, "10100/R-2023-204");
  EXPECT_EQ(b.open_amount, eur(258700));  // four rows of one invoice
  EXPECT_EQ(r.files[2].accepted, 0u);     // accountsPayableLedger: not a receivable
  ASSERT_EQ(r.debtors.size(), 1u);
  EXPECT_EQ(r.debtors[0].debtor.name, "Musterkunde");
  EXPECT_EQ(r.debtors[0].debtor.address.city, "Musterort");
}

TEST(LedgerXml, CreditNotesPaidAtAndDunningBlock) {
  std::vector<LedgerRow> rows;
  const std::string xml =
      ledger(row("R1", "100.00", "   <paymentConditionsId>9</paymentConditionsId>\n") + row("R1", "-30.00") +
             row("R2", "50.00", "   <paidAt>2023-02-01</paidAt>\n"));
  auto counts = read_ledger_xml(
      xml, "mem.xml", [&](const LedgerRow& r) { rows.push_back(r); },
      [](RowError e) { FAIL() << e.to_string(); });
  ASSERT_TRUE(counts) << counts.error().to_string();
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_TRUE(rows[0].dunning_block);
  EXPECT_EQ(rows[0].line, 4u);
  EXPECT_EQ(rows[1].amount, eur(-3000));
  EXPECT_EQ(rows[2].paid_at, make_date(2023, 2, 1));
  const ReadResult r = read_files({write_temp("ledger.xml", xml)});
  ASSERT_EQ(r.items.size(), 1u);
  EXPECT_EQ(r.items[0].item.open_amount, eur(7000));
  EXPECT_TRUE(r.items[0].locks.postensperre);
  EXPECT_TRUE(r.items[0].item.disputed);
}

TEST(LedgerXml, BadRowsAndBadDocuments) {
  std::vector<RowError> rejected;
  const std::string xml = ledger(row("R1", "1.5x") + row("", "10.00") + row("R3", "10.00"));
  std::size_t good = 0;
  auto counts = read_ledger_xml(
      xml, "mem.xml", [&](const LedgerRow&) { ++good; },
      [&](RowError e) { rejected.push_back(std::move(e)); });
  ASSERT_TRUE(counts);
  EXPECT_EQ(good, 1u);
  EXPECT_EQ(counts->rejected, 2u);
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].field, "amount");
  EXPECT_EQ(rejected[1].field, "invoiceId");
  EXPECT_EQ(rejected[1].message, "missing");
  EXPECT_FALSE(read_ledger_xml(
      "<LedgerImport", "broken.xml", [](const LedgerRow&) {}, [](RowError) {}));
  EXPECT_FALSE(read_ledger_xml(
      "<other/>", "other.xml", [](const LedgerRow&) {}, [](RowError) {}));
  EXPECT_FALSE(read_ledger_xml(
      "<LedgerImport xmlns=\"urn:x\"/>", "ns.xml", [](const LedgerRow&) {}, [](RowError) {}));
}

TEST(DocumentXml, ListsReceivableDatafiles) {
  std::ifstream in(reference("xml/ledger-v060-samples/document.xml"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto files = read_document_xml(bytes, "document.xml");
  ASSERT_TRUE(files) << files.error().to_string();
  EXPECT_EQ(*files, std::vector<std::string>{"Ausgangsrechnung 345.xml"});
  // In the reference folder the listed file is absent: reported, the run goes on.
  const ReadResult r = read_files({reference("xml/ledger-v060-samples/document.xml")});
  ASSERT_EQ(r.rejected_total, 1u);
  EXPECT_EQ(r.rejected[0].field, "datafile");
}

TEST(Check, ReferenceXmlIsCleanAndBadCsvListsEveryProblem) {
  for (const char* f :
       {"xml/ledger-v060-samples/Rechnungsdaten_RA_R-2023-204.xml", "xml/ledger-v060-samples/document.xml"})
    EXPECT_TRUE(check_file(reference(f)).empty()) << f;
  const std::string bad = write_temp(
      "EXTF_bad.csv",
      buchungsstapel({booking("1190,0", "S", "10100", "8400", "1403", "RE 1", {{14, "Unquoted text"}}),
                      booking("1,00", "S", "10100", "8400", "0101", "A", {{13, "0,00"}, {117, "2024"}}),
                      record({{1, "1,00"}}, 50), booking("1,00", "S", "10100", "8400", "0101", "B\x81")}));
  std::vector<std::string> got;
  for (const auto& e : check_file(bad))
    got.push_back(std::to_string(e.line) + ":" + std::to_string(e.column) + " " + e.message);
  const std::vector<std::string> want = {
      "3:14 text is not in quotes",
      "3:1 \"1190,0\" is not an amount with two decimals (1234,50)",
      "3:11 \"RE 1\" has characters outside A-Z a-z 0-9 $ & % * + - /",
      "4:13 amount is zero",
      "4:117 \"2024\" is not a date TTMMJJJJ",
      "5:0 the record has 50 fields, expected 125",
      "5:2 \"\" is neither S nor H",
      "5:7 missing",
      "5:8 missing",
      "5:10 \"\" is not a Belegdatum TTMM",
      "6:11 byte 2 is not a Windows-1252 character",
  };
  EXPECT_EQ(got, want);
}

}  // namespace
}  // namespace mahnwerk::datev
