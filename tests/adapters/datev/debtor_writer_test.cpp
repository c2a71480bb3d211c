// Category-16 debtor locks: byte-exact golden file, 254 fields, header 700/16/5, full records,
// DATEV's own heading line, names split by addressee type.
#include "adapters/datev/debtor_writer.h"

#include <gtest/gtest.h>

#include "adapters/datev/extf_writer_layout.h"
#include "tests/adapters/datev/datev_test_util.h"

namespace mahnwerk::datev {
namespace {

using testing::read_all;
using testing::source_dir;
using testing::split_lines_crlf;
using testing::split_record;

WriteHeader header() {
  WriteHeader h;
  h.berater = 29098;
  h.mandant = 55003;
  h.skr = "03";
  h.created = std::chrono::sys_days{std::chrono::year{2025} / 6 / 30} + std::chrono::hours{9};
  return h;
}

std::vector<DebtorLock> locks() {
  core::Debtor business;
  business.id = "10001";
  business.name = "Möbel Testgruber GmbH & Co. KG";
  business.kind = core::DebtorKind::kBusiness;
  business.email = "buchhaltung@testgruber.example";
  business.address = {"Nelkenteststraße 125", "90482", "Nürnberg", "DE"};
  core::Debtor consumer;
  consumer.id = "10002";
  consumer.name = "Hans-Peter Müller";
  consumer.kind = core::DebtorKind::kConsumer;
  consumer.language = "en";
  consumer.address = {"Musterweg 14b", "90489", "Nürnberg", "DE"};
  consumer.insolvent = true;
  return {{business, core::make_date(2025, 12, 31), "k1", 30, {}},
          {consumer, core::make_date(2026, 1, 15), "k2", std::nullopt, {}}};
}

TEST(DebtorWriter, MatchesTheGoldenFileByteForByte) {
  auto written = write_debitoren(header(), locks(), "golden");
  ASSERT_TRUE(written.ok()) << written.error().to_string();
  ASSERT_EQ(written->files.size(), 1u);
  EXPECT_EQ(written->files[0].name, "EXTF_Debitoren_golden.csv");
  const std::string path = source_dir() + "/tests/adapters/datev/golden/EXTF_Debitoren_golden.csv";
  if (std::getenv("MAHNWERK_UPDATE_GOLDEN")) std::ofstream(path, std::ios::binary) << written->files[0].bytes;
  EXPECT_EQ(written->files[0].bytes, read_all(path)) << "regenerate with MAHNWERK_UPDATE_GOLDEN=1 and review";
}

TEST(DebtorWriter, WritesFullRecordsOf254FieldsUnderHeader700Category16Version5) {
  auto written = write_debitoren(header(), locks(), "t");
  ASSERT_TRUE(written.ok());
  const auto lines = split_lines_crlf(written->files[0].bytes);
  ASSERT_EQ(lines.size(), 4u);
  const auto head = split_record(lines[0]);
  ASSERT_EQ(head.size(), 31u);
  EXPECT_EQ(head[0], "EXTF");
  EXPECT_EQ(head[1], "700");
  EXPECT_EQ(head[2], "16");
  EXPECT_EQ(head[3], "Debitoren/Kreditoren");
  EXPECT_EQ(head[4], "5");
  const auto business = split_record(lines[2]);
  const auto consumer = split_record(lines[3]);
  ASSERT_EQ(business.size(), 254u);
  ASSERT_EQ(consumer.size(), 254u);
  EXPECT_EQ(business[dk_col::kKonto - 1], "10001");
  EXPECT_EQ(business[dk_col::kNameUnternehmen - 1],
            "M\xF6"
            "bel Testgruber GmbH & Co. KG");
  EXPECT_EQ(business[dk_col::kAdressattyp - 1], "2");
  EXPECT_EQ(business[dk_col::kOrt - 1], "N\xFCrnberg");
  EXPECT_EQ(business[dk_col::kEmail - 1], "buchhaltung@testgruber.example");
  EXPECT_EQ(business[dk_col::kSprache - 1], "1");
  EXPECT_EQ(business[dk_col::kMahnsperreBis - 1], "31122025");
  EXPECT_EQ(business[dk_col::kInsolvent - 1], "0");
  EXPECT_EQ(business[dk_col::kFaelligkeitTage - 1], "30");
  EXPECT_EQ(consumer[dk_col::kFaelligkeitTage - 1], "");
  EXPECT_EQ(consumer[dk_col::kNameNatPerson - 1], "M\xFCller");
  EXPECT_EQ(consumer[dk_col::kVornameNatPerson - 1], "Hans-Peter");
  EXPECT_EQ(consumer[dk_col::kAdressattyp - 1], "1");
  EXPECT_EQ(consumer[dk_col::kSprache - 1], "5");
  EXPECT_EQ(consumer[dk_col::kInsolvent - 1], "1");
  EXPECT_EQ(consumer[dk_col::kMahnsperreBis - 1], "15012026");
  EXPECT_TRUE(written->changes.empty());
}

TEST(DebtorWriter, HeadingLineIsDatevsOwnFromTheReferenceSample) {
  const std::string sample =
      read_all(source_dir() + "/tests/data/datev-reference/csv/datev-musterdaten-700/EXTF_DebKred_Stamm.csv");
  if (sample.empty()) GTEST_SKIP() << "reference files not available";
  auto written = write_debitoren(header(), locks(), "h");
  ASSERT_TRUE(written.ok());
  const auto sample_heading = sample.substr(sample.find('\n') + 1);
  const auto ours = split_lines_crlf(written->files[0].bytes)[1];
  EXPECT_EQ(sample_heading.substr(0, ours.size()), ours);  // both Windows-1252
}

TEST(DebtorWriter, RefusesAccountsThatAreNoPersonenkonto) {
  auto bad = locks();
  bad[1].debtor.id = "1200";  // a Sachkonto under Sachkontenlänge 4
  auto written = write_debitoren(header(), bad, "x");
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().context, "debtor 2 (1200)");
}

TEST(DebtorWriter, ReportsTransliteratedNames) {
  auto l = locks();
  l[0].debtor.name = "Zakład Łukasiewicz Sp. z o.o.";
  auto written = write_debitoren(header(), l, "x");
  ASSERT_TRUE(written.ok());
  ASSERT_EQ(written->changes.size(), 1u);
  EXPECT_EQ(written->changes[0].record, "debtor 10001");
  EXPECT_EQ(written->changes[0].to, "Zaklad Lukasiewicz Sp. z o.o.");
}

}  // namespace
}  // namespace mahnwerk::datev
