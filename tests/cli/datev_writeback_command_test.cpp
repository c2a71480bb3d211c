// `mahnwerk datev import` -> state file -> `mahnwerk datev writeback` as scripts/demo.sh runs
// them, on the inbox of the golden case datev_import_debtor_settings (five consumers, each with
// its own DATEV dunning settings, reminded on 2024-03-25): the write-back posts each debtor's
// own Mahngebühr, none under Gebührenberechnung 9, nothing for Mahnung 9 or unlawful settings.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/cli/process.h"
#include "tests/support/temp_dir.h"

namespace mahnwerk {
namespace {

using testing::source_dir;

using testing::ProcessResult;
using testing::read_file;
using testing::run_mahnwerk;
using testing::TempDir;

// The EXTF rows of `text` (after header and heading line) that post to `konto` on `gegenkonto`.
std::vector<std::string> postings(const std::string& text, const std::string& konto,
                                  const std::string& gegenkonto) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (int line = 0; start < text.size(); ++line) {
    std::size_t end = text.find("\r\n", start);
    if (end == std::string::npos) end = text.size();
    const std::string row = text.substr(start, end - start);
    if (line >= 2 && row.find(";\"\";" + konto + ";" + gegenkonto + ";") != std::string::npos)
      out.push_back(row.substr(0, row.find(';')));
    start = end + 2;
  }
  return out;
}

TEST(DatevWritebackCommand, PostsEachDebtorsOwnMahngebuehrFromTheImportedState) {
  TempDir dir;
  std::filesystem::copy(source_dir() + "/tests/golden/cases/datev_import_debtor_settings/input", dir.path(),
                        std::filesystem::copy_options::recursive);
  const std::string office = dir.file("office.json");
  const ProcessResult imported =
      run_mahnwerk({"datev", "import", "--config", office, "--tenant", "holz", "--history",
                    dir.file("history.json"), "--out", dir.file("state.json")});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;

  const ProcessResult written = run_mahnwerk({"datev", "writeback", "--config", office, "--tenant", "holz",
                                              "--input", dir.file("state.json"), "--as-of", "2024-04-23"});
  ASSERT_EQ(written.exit_code, 0) << written.err;
  EXPECT_NE(written.out.find("3 notice(s), 5 charge posting(s)"), std::string::npos) << written.out;
  EXPECT_NE(
      written.err.find("mahnwerk: warning: debtor 10500: its own dunning settings give no lawful policy"),
      std::string::npos)
      << written.err;
  std::string extf;
  for (const auto& f : std::filesystem::directory_iterator(dir.file("outbox"))) {
    if (f.path().extension() == ".csv") extf += read_file(f.path().string());
  }
  // Mahngebühren (Sachverhalt 40) on the fee revenue account 2700.
  EXPECT_EQ(postings(extf, "10100", "2700"), std::vector<std::string>{"0,76"});  // the tenant's fee
  EXPECT_EQ(postings(extf, "10200", "2700"), std::vector<std::string>{"0,50"});  // Mahngebühr 2 = 0,50
  EXPECT_TRUE(postings(extf, "10400", "2700").empty());                          // Gebührenberechnung 9
  for (const char* konto : {"10300", "10500"}) {  // Mahnung 9; unlawful Mahngebühr 5,00
    EXPECT_TRUE(postings(extf, konto, "2700").empty()) << konto;
    EXPECT_TRUE(postings(extf, konto, "2650").empty()) << konto;
  }
  EXPECT_EQ(postings(extf, "10400", "2650"), std::vector<std::string>{"6,14"});  // interest still owed
}

}  // namespace
}  // namespace mahnwerk
