// The Basiszinssatz table file: the shipped config/basiszins.json, and errors that name the file
// and the field (syntax with line and column, bad rates, missing fields, invalid tables).
#include "adapters/jsonfile/basiszins_json.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace mahnwerk::jsonfile {
namespace {

using core::make_date;

constexpr std::string_view kSource = "config/basiszins.json";

// Research B.3, 2002-01-01 .. 2025-07-01, in basis points.
constexpr int kBundesbankRates[] = {
    257, 247, 197, 122, 114, 113, 121, 117, 137, 195, 270, 319,  // 2002 - 2007
    332, 319, 162, 12,  12,  12,  12,  37,  12,  12,  -13, -38,  // 2008 - 2013
    -63, -73, -83, -83, -83, -88, -88, -88, -88, -88, -88, -88,  // 2014 - 2019
    -88, -88, -88, -88, -88, -88, 162, 312, 362, 337, 227, 127,  // 2020 - 2025
};

std::string source_dir() {
  const char* dir = std::getenv("MAHNWERK_SOURCE_DIR");
  return dir == nullptr ? std::string() : std::string(dir);
}

core::Error parse_error(std::string_view json) {
  auto table = parse_basiszins(json, kSource);
  EXPECT_FALSE(table.ok()) << json;
  return table.ok() ? core::Error{} : table.error();
}

TEST(BasiszinsJson, LoadsTheShippedTable) {
  ASSERT_FALSE(source_dir().empty()) << "MAHNWERK_SOURCE_DIR is not set";
  auto table = load_basiszins(source_dir() + "/config/basiszins.json");
  ASSERT_TRUE(table.ok()) << table.error().to_string();
  const auto& entries = table->entries();
  ASSERT_EQ(entries.size(), std::size(kBundesbankRates));
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].valid_from, make_date(2002 + static_cast<int>(i / 2), i % 2 == 0 ? 1u : 7u, 1)) << i;
    EXPECT_EQ(entries[i].rate_bp, kBundesbankRates[i]) << i;
  }
  // The table ends with 2025-07-01: 2026 produces the stale-table warning.
  EXPECT_TRUE(table->rate_on(make_date(2025, 12, 31))->known);
  EXPECT_EQ(table->rate_on(make_date(2026, 1, 1))->warning(),
            "rate for 2026-01-01 not in table; used 1.27 % from 2025-07-01");
}

TEST(BasiszinsJson, AcceptsCommentsTrailingCommasAndNumericRates) {
  auto table = parse_basiszins(R"({
    // the test table
    "source": "test",
    "entries": [
      {"valid_from": "2016-01-01", "rate": -0.83},
      {"valid_from": "2016-07-01", "rate": "-0.88",},
    ],
  })",
                               kSource);
  ASSERT_TRUE(table.ok()) << table.error().to_string();
  ASSERT_EQ(table->entries().size(), 2u);
  EXPECT_EQ(table->entries()[0].rate_bp, -83);
  EXPECT_EQ(table->entries()[1].rate_bp, -88);
}

TEST(BasiszinsJson, NamesLineAndColumnOfASyntaxError) {
  const core::Error error = parse_error(
      "{\n"
      "  \"entries\": [\n"
      "    {\"valid_from\": \"2002-01-01\", \"rate\": \"2.57\"},\n"
      "    {\"valid_from\" \"2002-07-01\", \"rate\": \"2.47\"}\n"
      "  ]\n"
      "}\n");
  EXPECT_EQ(error.kind, core::ErrorKind::kBadConfig);
  EXPECT_EQ(error.context, "config/basiszins.json, line 4, column 19");
  EXPECT_NE(error.message.find("malformed JSON"), std::string::npos) << error.message;
}

struct FieldErrorCase {
  std::string_view what;
  std::string_view json;
  std::string_view context;
  std::string_view message_part;
};

TEST(BasiszinsJson, NamesTheFieldOfABadEntry) {
  const FieldErrorCase cases[] = {
      {"bad rate",
       R"({"entries": [{"valid_from": "2002-01-01", "rate": "2.57"}, {"valid_from": "2002-07-01", "rate": "2.47"},
                       {"valid_from": "2003-01-01", "rate": "1.97"}, {"valid_from": "2003-07-01", "rate": "1.225"}]})",
       "config/basiszins.json, entries[3].rate", "more than two decimals"},
      {"rate not a number", R"({"entries": [{"valid_from": "2002-01-01", "rate": "2,57"}]})",
       "config/basiszins.json, entries[0].rate", "not a percentage"},
      {"rate of the wrong type", R"({"entries": [{"valid_from": "2002-01-01", "rate": true}]})",
       "config/basiszins.json, entries[0].rate", "expected a string"},
      {"missing rate",
       R"({"entries": [{"valid_from": "2002-01-01", "rate": "2.57"}, {"valid_from": "2002-07-01"}]})",
       "config/basiszins.json, entries[1].rate", "missing field"},
      {"missing valid_from", R"({"entries": [{"rate": "2.57"}]})",
       "config/basiszins.json, entries[0].valid_from", "missing field"},
      {"impossible date", R"({"entries": [{"valid_from": "2002-02-30", "rate": "2.57"}]})",
       "config/basiszins.json, entries[0].valid_from", "not a date"},
      {"entry not an object", R"({"entries": ["2002-01-01"]})", "config/basiszins.json, entries[0]",
       "expected an object"},
      {"missing entries", R"({"source": "x"})", "config/basiszins.json, entries", "missing field"},
      {"entries not an array", R"({"entries": {}})", "config/basiszins.json, entries", "expected an array"},
      {"empty table", R"({"entries": []})", "config/basiszins.json, entries", "no entries"},
      {"document not an object", R"([])", "config/basiszins.json", "expected an object"},
      {"gap",
       R"({"entries": [{"valid_from": "2002-01-01", "rate": "2.57"}, {"valid_from": "2003-01-01", "rate": "1.97"}]})",
       "config/basiszins.json, entries[1].valid_from", "half-year 2002-07-01 missing"},
      {"not 1 January or 1 July", R"({"entries": [{"valid_from": "2002-04-01", "rate": "2.57"}]})",
       "config/basiszins.json, entries[0].valid_from", "not a 1 January or 1 July"},
  };
  for (const auto& c : cases) {
    const core::Error error = parse_error(c.json);
    EXPECT_EQ(error.kind, core::ErrorKind::kBadConfig) << c.what;
    EXPECT_EQ(error.context, c.context) << c.what;
    EXPECT_NE(error.message.find(c.message_part), std::string::npos) << c.what << ": " << error.message;
  }
}

TEST(BasiszinsJson, ErrorsFromAFileNameThePath) {
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / "basiszins_json_test";
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "basiszins.json").string();
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << "{\"entries\": [\n  {\"valid_from\": \"2002-01-01\", \"rate\": \"2.57\"\n]}\n";
  }
  auto malformed = load_basiszins(path);
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.error().kind, core::ErrorKind::kBadConfig);
  EXPECT_EQ(malformed.error().context, path + ", line 3, column 1");

  auto missing = load_basiszins((dir / "absent.json").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, core::ErrorKind::kNotFound);
  EXPECT_EQ(missing.error().context, (dir / "absent.json").string());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mahnwerk::jsonfile
