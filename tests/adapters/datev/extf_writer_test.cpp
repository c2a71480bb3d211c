// The EXTF Buchungsstapel writer: byte-exact golden file, DATEV's structural rules (125 fields,
// CRLF, header 700/21/13, Festschreibung 0, 99,999 rows per file), transliteration reports.
#include "adapters/datev/extf_writer.h"

#include <gtest/gtest.h>

#include "adapters/datev/extf_writer_layout.h"
#include "tests/adapters/datev/datev_test_util.h"

namespace mahnwerk::datev {
namespace {

using core::make_date;
using core::Money;

using testing::read_all;
using testing::source_dir;
using testing::split_lines_crlf;
using testing::split_record;

WriteHeader header() {
  WriteHeader h;
  h.berater = 29098;
  h.mandant = 55003;
  h.fiscal_year_start_month = 1;
  h.account_length = 4;
  h.skr = "03";
  h.description = "Mahngebühren und Zinsen";
  h.dictation = "MW";
  h.created = std::chrono::sys_days{std::chrono::year{2025} / 6 / 30} + std::chrono::hours{14} +
              std::chrono::minutes{5} + std::chrono::milliseconds{7123};
  return h;
}

Posting fee(std::string invoice, std::string debtor, std::int64_t cents, std::string text) {
  Posting b;
  b.amount = Money(cents, core::Currency::eur());
  b.account = std::move(debtor);
  b.contra_account = "2700";
  b.date = make_date(2025, 6, 30);
  b.belegfeld1 = invoice;
  b.text = std::move(text);
  b.sachverhalt = kSachverhaltMahngebuehr;
  b.key = "demo:fee:item:" + invoice + ":1";
  b.record = invoice;
  return b;
}

std::vector<Posting> golden_bookings() {
  std::vector<Posting> v;
  v.push_back(fee("RE-2025-0101", "10001", 250, "Mahngebühr RE-2025-0101, 1. Mahnung"));
  Posting interest = fee("RE-2025-0101", "10001", 1234, "Verzugszinsen RE-2025-0101, 1. Mahnung");
  interest.contra_account = "2650";
  interest.sachverhalt = kSachverhaltMahnzins;
  interest.key = "demo:interest:item:RE-2025-0101:1";
  v.push_back(interest);
  Posting flat = fee("AR-78/13", "10100", 4000, "Verzugspauschale AR-78/13 \"Holz\" Łódź, 2. Mahnung");
  flat.due_date = make_date(2025, 7, 14);
  flat.key = "demo:fee:item:AR-78/13:2";
  v.push_back(flat);
  return v;
}

TEST(ExtfWriter, MatchesTheGoldenFileByteForByte) {
  auto written = write_buchungsstapel(header(), golden_bookings(), "golden");
  ASSERT_TRUE(written.ok()) << written.error().to_string();
  ASSERT_EQ(written->files.size(), 1u);
  EXPECT_EQ(written->files[0].name, "EXTF_Buchungsstapel_golden_001.csv");
  const std::string path = source_dir() + "/tests/adapters/datev/golden/EXTF_Buchungsstapel_golden_001.csv";
  if (std::getenv("MAHNWERK_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << written->files[0].bytes;
  }
  EXPECT_EQ(written->files[0].bytes, read_all(path)) << "regenerate with MAHNWERK_UPDATE_GOLDEN=1 and review";
}

TEST(ExtfWriter, WritesHeader700Category21Version13AndExactly125FieldsPerRowWithCrlf) {
  auto written = write_buchungsstapel(header(), golden_bookings(), "s");
  ASSERT_TRUE(written.ok());
  const std::string& bytes = written->files[0].bytes;
  ASSERT_GE(bytes.size(), 2u);
  EXPECT_EQ(bytes.substr(bytes.size() - 2), "\r\n");
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] == '\n') {
      ASSERT_TRUE(i > 0 && bytes[i - 1] == '\r') << "bare LF at byte " << i;
    }
  }
  const auto lines = split_lines_crlf(bytes);
  ASSERT_EQ(lines.size(), 2u + 3u);
  const auto head = split_record(lines[0]);
  ASSERT_EQ(head.size(), 31u);
  EXPECT_EQ(head[0], "EXTF");
  EXPECT_EQ(head[1], "700");
  EXPECT_EQ(head[2], "21");
  EXPECT_EQ(head[3], "Buchungsstapel");
  EXPECT_EQ(head[4], "13");
  EXPECT_EQ(head[5], "20250630140507123");
  EXPECT_EQ(head[12], "20250101");  // WJ-Beginn
  EXPECT_EQ(head[14], "20250630");  // Datum vom
  EXPECT_EQ(head[15], "20250630");  // Datum bis
  EXPECT_EQ(head[20], "0");         // Festschreibung
  EXPECT_EQ(head[21], "EUR");
  EXPECT_EQ(head[26], "03");
  EXPECT_EQ(split_record(lines[1]).size(), 125u);
  for (std::size_t i = 2; i < lines.size(); ++i) {
    const auto f = split_record(lines[i]);
    ASSERT_EQ(f.size(), 125u) << "row " << i;
    EXPECT_EQ(f[bs_col::kFestschreibung - 1], "0");
    EXPECT_EQ(f[bs_col::kSollHaben - 1], "S");
    EXPECT_EQ(f[bs_col::kBelegdatum - 1], "3006");
  }
  const auto fee_row = split_record(lines[2]);
  EXPECT_EQ(fee_row[0], "2,50");
  EXPECT_EQ(fee_row[bs_col::kKonto - 1], "10001");
  EXPECT_EQ(fee_row[bs_col::kGegenkonto - 1], "2700");
  EXPECT_EQ(fee_row[bs_col::kSachverhalt - 1], "40");
  EXPECT_EQ(fee_row[bs_col::kBelegfeld1 - 1], "RE-2025-0101");
  EXPECT_EQ(split_record(lines[3])[bs_col::kSachverhalt - 1], "31");
  EXPECT_EQ(split_record(lines[3])[0], "12,34");
  // Windows-1252: "ü" is one byte 0xFC, and the inner quotes are doubled in the file.
  EXPECT_NE(bytes.find("Mahngeb\xFChr RE-2025-0101"), std::string::npos);
  EXPECT_NE(bytes.find("\"\"Holz\"\""), std::string::npos);
  EXPECT_EQ(split_record(lines[4])[bs_col::kFaelligkeit - 1], "14072025");
}

TEST(ExtfWriter, HeadingLineIsDatevsOwnFromTheReferenceSample) {
  const std::string sample = read_all(
      source_dir() + "/tests/data/datev-reference/csv/datev-musterdaten-700/EXTF_Buchungsstapel.csv");
  if (sample.empty()) GTEST_SKIP() << "reference files not available";
  const std::size_t start = sample.find('\n') + 1;
  const std::string heading = sample.substr(start, sample.find('\n', start) - start);  // UTF-8 in the sample
  std::string ours;
  for (std::size_t i = 0; i < kBuchungsstapelColumns.size(); ++i) {
    if (i != 0) ours += ';';
    ours += kBuchungsstapelColumns[i].heading;
  }
  EXPECT_EQ(ours, heading.substr(0, heading.find('\r')));
}

TEST(ExtfWriter, SplitsAfter99999RowsPerFile) {
  std::vector<Posting> many(100'000, fee("RE-1", "10001", 100, "Mahngebühr RE-1, 1. Mahnung"));
  auto written = write_buchungsstapel(header(), many, "big");
  ASSERT_TRUE(written.ok());
  ASSERT_EQ(written->files.size(), 2u);
  EXPECT_EQ(written->files[0].rows, 99'999u);
  EXPECT_EQ(written->files[1].rows, 1u);
  EXPECT_EQ(written->files[1].name, "EXTF_Buchungsstapel_big_002.csv");
  EXPECT_EQ(split_lines_crlf(written->files[0].bytes).size(), 99'999u + 2u);
}

TEST(ExtfWriter, KeepsEachFileWithinOneFiscalYear) {
  WriteHeader h = header();
  h.fiscal_year_start_month = 7;  // fiscal year July..June
  auto june = fee("RE-1", "10001", 100, "a");
  auto july = fee("RE-2", "10001", 100, "b");
  july.date = make_date(2025, 7, 1);
  auto written = write_buchungsstapel(h, std::vector<Posting>{july, june}, "wj");
  ASSERT_TRUE(written.ok());
  ASSERT_EQ(written->files.size(), 2u);
  const auto first = split_record(split_lines_crlf(written->files[0].bytes)[0]);
  EXPECT_EQ(first[12], "20240701");
  EXPECT_EQ(first[14], "20250630");
  const auto second = split_record(split_lines_crlf(written->files[1].bytes)[0]);
  EXPECT_EQ(second[12], "20250701");
  EXPECT_EQ(second[15], "20250701");
}

TEST(ExtfWriter, TransliteratesAndReportsWhatWindows1252CannotHold) {
  struct Case {
    std::string in;
    std::string out_cp1252;
  };
  const std::vector<Case> cases = {
      {"Łódź",
       "L\xF3"
       "dz"},  // ó is in Windows-1252, Ł and ź are not
      {"Gdańsk", "Gdansk"},
      {"Erdős", "Erd\xF6s"},
      {"Жуков", "Schukow"},
      {"a\xE2\x80\x94"
       "b",
       "a\x97"
       "b"},  // em dash is in Windows-1252 (0x97): no change
      {"Preis 5 \xE2\x82\xAC", "Preis 5 \x80"},
      {"\xF0\x9F\x98\x80 ok", "? ok"},  // an emoji has no transliteration: '?' and reported
      {"Zeile\nzwei", "Zeile zwei"},
  };
  for (const Case& c : cases) {
    std::vector<TextChange> changes;
    ChangeLog log(changes);
    log.set_record("r");
    EXPECT_EQ(to_cp1252(c.in, "Buchungstext", 60, log), c.out_cp1252) << c.in;
    const bool needs_change =
        c.in.find("\xE2\x80\x94") == std::string::npos && c.in.find("\xE2\x82\xAC") == std::string::npos;
    ASSERT_EQ(changes.size(), needs_change ? 1u : 0u) << c.in;
    if (needs_change) {
      EXPECT_EQ(changes[0].field, "Buchungstext");
      EXPECT_EQ(changes[0].record, "r");
      EXPECT_EQ(changes[0].from, c.in);
    }
  }
  std::vector<TextChange> changes;
  ChangeLog log(changes);
  EXPECT_EQ(to_cp1252("\xF0\x9F\x98\x80", "Buchungstext", 0, log), "?");
  EXPECT_NE(changes.at(0).reason.find("U+1F600"), std::string::npos);
  EXPECT_NE(changes.at(0).reason.find("no transliteration"), std::string::npos);
}

TEST(ExtfWriter, ReportsEveryTransliterationOfAWrittenFile) {
  auto written = write_buchungsstapel(header(), golden_bookings(), "r");
  ASSERT_TRUE(written.ok());
  ASSERT_EQ(written->changes.size(), 1u);
  EXPECT_EQ(written->changes[0].field, "Buchungstext");
  EXPECT_EQ(written->changes[0].record, "AR-78/13");
  EXPECT_NE(written->changes[0].reason.find("U+0141"), std::string::npos);
  EXPECT_EQ(written->files[0].bytes.find('?'), std::string::npos);
}

TEST(ExtfWriter, CutsBuchungstextTo60CharactersAndReportsIt) {
  auto b = fee("RE-1", "10001", 100, std::string(70, 'x'));
  auto written = write_buchungsstapel(header(), std::vector<Posting>{b}, "cut");
  ASSERT_TRUE(written.ok());
  const auto row = split_record(split_lines_crlf(written->files[0].bytes)[2]);
  EXPECT_EQ(row[bs_col::kBuchungstext - 1], std::string(60, 'x'));
  ASSERT_EQ(written->changes.size(), 1u);
  EXPECT_EQ(written->changes[0].reason, "cut to 60 characters");
}

TEST(ExtfWriter, KeepsBelegfeld1WithinDatevsCharset) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"RE-2025/0101", "RE-2025/0101"},
      {"AR $&%*+-/ 9", "AR-$&%*+-/-9"},
      {"RE_2025.01", "RE-2025-01"},
      {"Ä1", "-1"},
      {std::string(40, '7'), std::string(36, '7')},
  };
  for (const auto& [in, out] : cases) {
    std::vector<TextChange> changes;
    ChangeLog log(changes);
    EXPECT_EQ(belegfeld1(in, log), out) << in;
    EXPECT_EQ(changes.size(), in == out ? 0u : 1u) << in;
  }
}

TEST(ExtfWriter, FormatsAmountsWithDecimalCommaAndNoSeparators) {
  EXPECT_EQ(format_amount(Money(5, core::Currency::eur())), "0,05");
  EXPECT_EQ(format_amount(Money(123456789, core::Currency::eur())), "1234567,89");
  EXPECT_EQ(format_amount(Money(4000, core::Currency::eur())), "40,00");
  EXPECT_EQ(format_amount(Money(1500, core::Currency::from_code("JPY").value())), "1500");
}

TEST(ExtfWriter, RefusesBookingsDatevWouldReject) {
  auto negative = fee("RE-1", "10001", -100, "x");
  auto letters = fee("RE-1", "D10001", 100, "x");
  auto no_beleg = fee("", "10001", 100, "x");
  auto bad_sv = fee("RE-1", "10001", 100, "x");
  bad_sv.sachverhalt = 7;
  for (const Posting& b : {negative, letters, no_beleg, bad_sv}) {
    auto written = write_buchungsstapel(header(), std::vector<Posting>{b}, "bad");
    ASSERT_FALSE(written.ok());
    EXPECT_EQ(written.error().kind, core::ErrorKind::kInvalidInput);
    EXPECT_NE(written.error().context.find("booking 1"), std::string::npos);
  }
  WriteHeader h = header();
  h.berater = 12;
  EXPECT_FALSE(write_buchungsstapel(h, golden_bookings(), "x").ok());
  EXPECT_FALSE(write_buchungsstapel(header(), golden_bookings(), "../x").ok());
}

}  // namespace
}  // namespace mahnwerk::datev
