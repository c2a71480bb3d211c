// The EXTF/DTVF reader: field splitting, the field parsers (table-driven), Belegdatum resolution
// inside the batch period and the fiscal year, the header, charsets and line ends.
#include "adapters/datev/extf_reader.h"

#include <gtest/gtest.h>

#include "tests/adapters/datev/datev_test_util.h"

namespace mahnwerk::datev {
namespace {

using core::make_date;
using namespace testing;

std::vector<std::string> split(std::string_view line, char delimiter = ';') {
  std::array<Field, kMaxFields> fields{};
  bool overflow = false;
  const std::size_t n = split_fields(line, delimiter, fields, overflow);
  std::vector<std::string> out;
  std::string scratch;
  for (std::size_t i = 0; i < n; ++i) {
    auto t = field_text(fields[i], Charset::kUtf8, scratch);
    out.push_back(t ? std::string(*t) : "<error: " + t.error().message + ">");
  }
  return out;
}

TEST(SplitFields, ByPositionWithQuotesAndDoubledQuotes) {
  struct Case {
    std::string line;
    std::vector<std::string> want;
  };
  const std::vector<Case> cases = {
      {"", {""}},
      {"a", {"a"}},
      {";", {"", ""}},
      {"1;\"S\";;\"\"", {"1", "S", "", ""}},
      {"\"a;b\";c", {"a;b", "c"}},
      {"\"Produkt \"\"ABC\"\"\";x", {"Produkt \"ABC\"", "x"}},
      {"\"\"\"\";1", {"\"", "1"}},
      // Long enough for the 16-byte scanning path, with a doubled quote across a block edge.
      {"0123456789;\"abcd\"\"e\";\"0123456789abcde\"\"f\";last",
       {"0123456789", "abcd\"e", "0123456789abcde\"f", "last"}},
      {"123;\"x\"y\";z", {"123", "<error: unbalanced quote>"}},  // the stray quote opens a quoted run
  };
  for (const auto& c : cases) EXPECT_EQ(split(c.line), c.want) << c.line;
}

TEST(SplitFields, CommaDelimiterAndOverflow) {
  EXPECT_EQ(split("\"1,50\",S,x", ','), (std::vector<std::string>{"1,50", "S", "x"}));
  std::array<Field, kMaxFields> fields{};
  bool overflow = false;
  const std::string many(kMaxFields + 5, ';');
  EXPECT_EQ(split_fields(many, ';', fields, overflow), kMaxFields);
  EXPECT_TRUE(overflow);
}

TEST(SplitFields, OffsetsAgreeWithTheFieldSplit) {
  // split_starts (the streaming reader's hot path) finds the same boundaries as split_bounds.
  std::string long_line;
  for (int i = 0; i < 125; ++i)
    long_line += (i % 3 == 0 ? "\"t;\"\"x\"" : std::to_string(i * 7)) + std::string(";");
  const std::vector<std::string> lines = {"",
                                          "a",
                                          ";",
                                          "1;\"S\";;\"\"",
                                          "\"a;b\";c",
                                          "\"open;1",
                                          long_line,
                                          std::string(kMaxFields - 1, ';'),
                                          std::string(kMaxFields, ';'),
                                          std::string(kMaxFields + 70, ';')};
  for (const std::string& line : lines) {
    std::array<Field, kMaxFields> fields{};
    std::array<std::uint32_t, kMaxFields + 1> starts{};
    bool overflow_fields = false;
    bool overflow_starts = false;
    const std::size_t n = split_bounds(line, ';', fields, overflow_fields);
    ASSERT_EQ(split_starts(line, ';', starts, overflow_starts), n) << line.size();
    EXPECT_EQ(overflow_starts, overflow_fields) << line.size();
    const std::size_t complete = overflow_fields ? n - 1 : n;  // the last kept field differs
    for (std::size_t i = 0; i < complete; ++i) {
      EXPECT_EQ(std::string_view(line).substr(starts[i], starts[i + 1] - starts[i] - 1), fields[i].raw)
          << line.size() << " field " << i;
    }
  }
}

TEST(SplitFields, UnterminatedQuoteIsAFieldError) {
  auto got = split("\"open;1");
  ASSERT_EQ(got.size(), 1u);  // the quote swallows the delimiter, as in any CSV
  EXPECT_EQ(got[0], "<error: unbalanced quote>");
}

TEST(FieldParsers, Amounts) {
  struct Case {
    std::string text;
    std::int64_t cents;  // -1: error
  };
  for (const Case& c : std::vector<Case>{{"1190,00", 119000},
                                         {"64083", 6408300},
                                         {"618,9", 61890},
                                         {"0,01", 1},
                                         {"2,38", 238},
                                         {"9999999999,99", 999999999999},
                                         {"", -1},
                                         {"1,234", -1},
                                         {"1,", -1},
                                         {",50", -1},
                                         {"-5,00", -1},
                                         {"1.190,00", -1},
                                         {"1190.00", -1},
                                         {"12a", -1},
                                         {"99999999999999", -1}}) {
    auto got = parse_amount_cents(c.text);
    if (c.cents < 0) {
      EXPECT_FALSE(got) << c.text;
    } else {
      ASSERT_TRUE(got) << c.text << ": " << got.error().message;
      EXPECT_EQ(*got, c.cents) << c.text;
    }
  }
}

TEST(FieldParsers, AccountsDatesPercent) {
  EXPECT_EQ(*parse_account("0731"), 731u);
  EXPECT_EQ(*parse_account("10100"), 10100u);
  EXPECT_FALSE(parse_account("0"));
  EXPECT_FALSE(parse_account("1234567890"));
  EXPECT_FALSE(parse_account("12 4"));
  EXPECT_EQ(*parse_ddmmyyyy("03122018"), make_date(2018, 12, 3));
  EXPECT_FALSE(parse_ddmmyyyy("29022023"));
  EXPECT_FALSE(parse_ddmmyyyy("3122018"));
  EXPECT_EQ(*parse_ddmmyy("160318"), make_date(2018, 3, 16));
  EXPECT_FALSE(parse_ddmmyy("AR1234"));
  EXPECT_EQ(*parse_yyyymmdd("20240831"), make_date(2024, 8, 31));
  EXPECT_FALSE(parse_yyyymmdd("20241331"));
  EXPECT_EQ(*parse_percent_bp("10,50"), 1050);
  EXPECT_EQ(*parse_percent_bp("9"), 900);
  EXPECT_FALSE(parse_percent_bp("x"));
}

ExtfHeader period(const char* vom, const char* bis, const char* wj) {
  ExtfHeader h;
  if (vom) h.datum_vom = *parse_yyyymmdd(vom);
  if (bis) h.datum_bis = *parse_yyyymmdd(bis);
  if (wj) h.wj_beginn = *parse_yyyymmdd(wj);
  return h;
}

TEST(Belegdatum, ResolvedInsideThePeriodThenTheFiscalYear) {
  struct Case {
    ExtfHeader header;
    std::string ttmm;
    std::optional<core::Date> want;  // nullopt: error
    bool in_period;
  };
  const std::vector<Case> cases = {
      {period("20240101", "20240831", "20240101"), "0103", make_date(2024, 3, 1), true},
      // A period across the year end: December is 2023, January 2024.
      {period("20231201", "20240131", "20230701"), "1512", make_date(2023, 12, 15), true},
      {period("20231201", "20240131", "20230701"), "1501", make_date(2024, 1, 15), true},
      // Outside the period: the fiscal year from WJ-Beginn (July to June), not the calendar year.
      {period("20231201", "20240131", "20230701"), "0103", make_date(2024, 3, 1), false},
      {period("20231201", "20240131", "20230701"), "0108", make_date(2023, 8, 1), false},
      // No period at all: the fiscal year.
      {period(nullptr, nullptr, "20230701"), "3006", make_date(2024, 6, 30), false},
      {period(nullptr, nullptr, "20240101"), "2902", make_date(2024, 2, 29), false},
      {period(nullptr, nullptr, "20230101"), "2902", std::nullopt, false},
      {period(nullptr, nullptr, nullptr), "0101", std::nullopt, false},
      {period("20240101", "20241231", "20240101"), "3202", std::nullopt, false},
      {period("20240101", "20241231", "20240101"), "0113", std::nullopt, false},
      {period("20240101", "20241231", "20240101"), "101", std::nullopt, false},
  };
  for (const auto& c : cases) {
    auto got = resolve_belegdatum(c.ttmm, c.header);
    if (!c.want) {
      EXPECT_FALSE(got) << c.ttmm;
      continue;
    }
    ASSERT_TRUE(got) << c.ttmm << ": " << got.error().message;
    EXPECT_EQ(got->date, *c.want) << c.ttmm;
    EXPECT_EQ(got->in_period, c.in_period) << c.ttmm;
  }
}

TEST(Encoding, Windows1252BecomesUtf8AndUndefinedBytesAreReported) {
  std::string out;
  append_cp1252_as_utf8(
      "M\xF6"
      "bel \x80 \x9C",
      out);
  EXPECT_EQ(out, "Möbel € œ");
  EXPECT_EQ(first_undefined_cp1252("ok\x81"), 2u);
  EXPECT_EQ(first_undefined_cp1252("ok\xFC"), std::string_view::npos);
  EXPECT_EQ(first_invalid_utf8("Stra\xC3\x9F"
                               "e"),
            std::string_view::npos);
  EXPECT_EQ(first_invalid_utf8("Stra\xDF"
                               "e"),
            4u);
  EXPECT_EQ(first_invalid_utf8("\xED\xA0\x80"), 0u);  // a surrogate
  EXPECT_EQ(first_invalid_utf8("\xC0\xAF"), 0u);      // overlong
  EXPECT_TRUE(is_ascii("plain text, long enough for the word loop"));
  EXPECT_FALSE(is_ascii("plain text, long enough for the word loop \xE4"));
}

TEST(ExtfReader, ReadsHeaderHeadingAndRecords) {
  const std::string file = buchungsstapel({booking("1190,00", "S", "10100", "8400", "1403", "RE-1")});
  auto r = ExtfReader::from_bytes(file, "mem.csv");
  ASSERT_TRUE(r) << r.error().to_string();
  ExtfReader& reader = **r;
  const ExtfHeader& h = reader.header();
  EXPECT_EQ(h.kennzeichen, "EXTF");
  EXPECT_EQ(h.version, 700);
  EXPECT_EQ(h.category, Category::kBuchungsstapel);
  EXPECT_EQ(h.format_version, 13);
  EXPECT_EQ(h.berater, "29098");
  EXPECT_EQ(h.mandant, "55003");
  EXPECT_EQ(h.sachkontenlaenge, 4);
  EXPECT_EQ(*h.datum_vom, make_date(2024, 1, 1));
  EXPECT_EQ(*h.datum_bis, make_date(2024, 12, 31));
  EXPECT_EQ(h.skr, "03");
  EXPECT_EQ(h.field_count, 31u);
  EXPECT_TRUE(reader.format().crlf);
  EXPECT_EQ(reader.format().charset, Charset::kWindows1252);
  EXPECT_EQ(reader.heading_field_count(), 125u);
  EXPECT_TRUE(reader.findings().empty());
  Record rec;
  ASSERT_TRUE(reader.next(rec));
  EXPECT_EQ(rec.line, 3u);
  EXPECT_EQ(rec.field_count, 125u);
  EXPECT_EQ(rec.at(11).raw, "RE-1");
  EXPECT_TRUE(rec.at(11).quoted);
  EXPECT_EQ(rec.at(126).raw, "");  // beyond the record: empty
  EXPECT_FALSE(reader.next(rec));
}

TEST(ExtfReader, Utf8BomAndBomlessUtf8AndWindows1252) {
  const std::string row = booking("1,00", "S", "10100", "8400", "0101", "A",
                                  {{14,
                                    "\"M\xC3\xBC"
                                    "ller\""}});
  struct Case {
    std::string prefix;
    std::string row;
    Charset charset;
    bool utf8_without_bom;
  };
  const std::vector<Case> cases = {
      {"\xEF\xBB\xBF", row, Charset::kUtf8, false},
      {"", row, Charset::kUtf8, true},
      {"", booking("1,00", "S", "10100", "8400", "0101", "A", {{14, "\"M\xFCller\""}}), Charset::kWindows1252,
       false},
  };
  for (const auto& c : cases) {
    const std::string file = c.prefix + buchungsstapel({c.row});
    auto r = ExtfReader::from_bytes(file, "mem.csv");
    ASSERT_TRUE(r) << r.error().to_string();
    EXPECT_EQ((*r)->format().charset, c.charset);
    EXPECT_EQ((*r)->format().bom, !c.prefix.empty());
    EXPECT_EQ((*r)->format().utf8_without_bom, c.utf8_without_bom);
    Record rec;
    ASSERT_TRUE((*r)->next(rec));
    std::string scratch;
    EXPECT_EQ(*field_text(rec.at(14), (*r)->format().charset, scratch), "Müller");
  }
}

TEST(ExtfReader, HeaderErrorsAndLenientFindings) {
  EXPECT_FALSE(ExtfReader::from_bytes("", "empty.csv"));
  auto not_datev = ExtfReader::from_bytes("Datum;Betrag\r\n1;2\r\n", "x.csv");
  ASSERT_FALSE(not_datev);
  EXPECT_NE(not_datev.error().message.find("not a DATEV-format file"), std::string::npos);
  EXPECT_FALSE(ExtfReader::from_bytes("\"EXTF\";999;21;\"Buchungsstapel\";13\r\n", "v.csv"));
  // OCA-style: category 22 with the name Buchungsstapel, unquoted, LF: read, with findings.
  auto lenient = ExtfReader::from_bytes(
      "EXTF;700;22;Buchungsstapel;12;;;;;;1;1;20220101;4;20221201;20221231\n" + heading(122) + "\n",
      "oca.csv");
  ASSERT_TRUE(lenient) << lenient.error().to_string();
  EXPECT_EQ((*lenient)->header().category, Category::kBuchungsstapel);
  EXPECT_EQ((*lenient)->header().version, 700);
  std::string findings;
  for (const auto& f : (*lenient)->findings()) findings += f.to_string() + "\n";
  EXPECT_NE(findings.find("unknown category 22"), std::string::npos) << findings;
  EXPECT_NE(findings.find("not quoted"), std::string::npos) << findings;
  EXPECT_NE(findings.find("lines end in LF"), std::string::npos) << findings;
  // Header 510 is still read.
  auto old = ExtfReader::from_bytes(
      "\"EXTF\";510;21;\"Buchungsstapel\";7;20150729093158705;;\"SV\";\"Admin\";\"\";55003;63021;20160101;4;"
      "20160101;20160331;\"Kasse\";\"\";1;0;0;\"EUR\";;\"KP\";;\"\";;;\"\";\"\";\r\n" +
          heading(116) + "\r\n",
      "old.csv");
  ASSERT_TRUE(old) << old.error().to_string();
  EXPECT_EQ((*old)->header().version, 510);
  EXPECT_EQ((*old)->header().format_version, 7);
  EXPECT_EQ((*old)->header().mandant, "63021");
}

TEST(ExtfReader, StreamsFilesLargerThanItsBuffer) {
  // 5 MiB of records with long text: more than one read block, lines crossing block edges.
  std::vector<std::string> rows;
  const std::string text = "\"" + std::string(200, 'x') + "\"";
  for (int i = 0; i < 20000; ++i)
    rows.push_back(booking("1,00", "S", "10100", "8400", "0101", "R" + std::to_string(i), {{14, text}}));
  const std::string path = write_temp("big.csv", buchungsstapel(rows));
  auto r = ExtfReader::open(path);
  ASSERT_TRUE(r) << r.error().to_string();
  Record rec;
  std::size_t n = 0;
  while ((*r)->next(rec)) {
    ASSERT_EQ(rec.field_count, 125u) << rec.line;
    ASSERT_EQ(rec.at(11).raw, "R" + std::to_string(n)) << rec.line;
    ++n;
  }
  EXPECT_EQ(n, 20000u);
  EXPECT_FALSE((*r)->error());
  auto missing = ExtfReader::open(path + ".missing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, core::ErrorKind::kNotFound);
}

TEST(ExtfReader, ReferenceFilesOpen) {
  for (const char* f :
       {"csv/datev-musterdaten-700/EXTF_Buchungsstapel.csv",
        "csv/datev-musterdaten-700/EXTF_DebKred_Stamm.csv", "csv/ledermann-datev/EXTF_Buchungsstapel.csv",
        "csv/ledermann-datev/EXTF_Stammdaten.csv",
        "csv/oca-datev-import-example/datev_export_semicolon.csv"}) {
    auto r = ExtfReader::open(reference(f));
    ASSERT_TRUE(r) << f << ": " << r.error().to_string();
    Record rec;
    std::size_t n = 0;
    while ((*r)->next(rec)) {
      EXPECT_EQ(rec.field_count, (*r)->heading_field_count()) << f << ":" << rec.line;
      ++n;
    }
    EXPECT_GT(n, 0u) << f;
  }
}

}  // namespace
}  // namespace mahnwerk::datev
