// `mahnwerk sync` and `mahnwerk proposal` as a user runs them: the real binary on a real office
// file, a canonical JSON inbox and a SQLite state in a temporary folder — the manual approval
// flow (sync, show, approve, approve again), a stale proposal refused, and a rejection.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

std::string items(const std::string& open1, const std::string& open2) {
  return R"([{"id": "RE-1", "number": "RE-2025-0001", "debtor": "D-1", "invoice_date": "2025-04-01",
    "due_date": "2025-05-01", "amount": "1000.00", "open_amount": ")" +
         open1 + R"(", "currency": "EUR"},
   {"id": "RE-2", "number": "RE-2025-0002", "debtor": "D-1", "invoice_date": "2025-04-02",
    "due_date": "2025-04-20", "amount": "500.00", "open_amount": ")" +
         open2 + R"(", "currency": "EUR"}])";
}

class SyncCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write(dir_.file("office.json"), R"({"tenants": [{"id": "berger", "name": "Berger Holz",
      "creditor": {"name": "Berger Holz GmbH", "iban": "DE89 3704 0044 0532 0130 00",
                   "address": {"street": "Sägewerkstraße 12", "zip": "79098", "city": "Freiburg"}},
      "adapter": "jsonfile", "settings": {"inbox": "inbox", "outbox": "outbox"},
      "policy": ")" + source_dir() + R"(/config/policies/standard.json",
      "schedule": "daily 06:00", "approval": "manual"}]})");
    write(dir_.file("inbox/debtors.json"), R"([{"id": "D-1", "name": "Müller GmbH", "kind": "business",
      "address": {"street": "Hauptstr. 1", "zip": "10115", "city": "Berlin", "country": "DE"}}])");
    write(dir_.file("inbox/items.json"), items("1000.00", "500.00"));
  }

  ProcessResult mahnwerk(std::vector<std::string> args) {
    args.insert(args.end(), {"--state", dir_.file("state")});
    return run_mahnwerk(args, {"USER=anna"});
  }
  ProcessResult sync() {
    return mahnwerk(
        {"sync", "--tenant", "berger", "--as-of", "2025-05-15", "--config", dir_.file("office.json")});
  }
  ProcessResult approve(const std::string& id) {
    return mahnwerk({"proposal", "approve", id, "--config", dir_.file("office.json")});
  }
  std::size_t writebacks() {
    const std::string text = read_file(dir_.file("outbox/writebacks.jsonl"));
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  }

  TempDir dir_;
};

TEST_F(SyncCommandTest, ManualApprovalFlow) {
  const ProcessResult synced = sync();
  ASSERT_EQ(synced.exit_code, 0) << synced.err;
  EXPECT_NE(synced.out.find("berger: awaiting_approval (as of 2025-05-15)"), std::string::npos) << synced.out;
  EXPECT_NE(synced.out.find("proposal 1 awaits approval: mahnwerk proposal approve 1"), std::string::npos);
  EXPECT_EQ(writebacks(), 0u);

  const ProcessResult shown = mahnwerk({"proposal", "show"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("proposal 1 of berger: pending, as of 2025-05-15"), std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("notice Zahlungserinnerung to D-1: 1500.00 EUR, deadline 2025-05-30 (RE-1, RE-2)"),
            std::string::npos)
      << shown.out;
  const ProcessResult json = mahnwerk({"proposal", "show", "--json", "--tenant", "berger", "1"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.out.find("\"status\": \"pending\""), std::string::npos) << json.out;

  const ProcessResult approved = approve("1");
  ASSERT_EQ(approved.exit_code, 0) << approved.err;
  EXPECT_NE(approved.out.find("proposal 1 approved by anna"), std::string::npos) << approved.out;
  EXPECT_NE(approved.out.find("pushed 2"), std::string::npos) << approved.out;
  EXPECT_EQ(writebacks(), 2u);

  const ProcessResult again = approve("1");
  EXPECT_EQ(again.exit_code, 75);
  EXPECT_NE(again.err.find("proposal 1 of tenant \"berger\" is already approved"), std::string::npos)
      << again.err;
  EXPECT_EQ(writebacks(), 2u);
  // The next sync has nothing to do: the reminders are recorded.
  const ProcessResult quiet = sync();
  EXPECT_EQ(quiet.exit_code, 0);
  EXPECT_NE(quiet.out.find("berger: nothing_to_do"), std::string::npos) << quiet.out;
  EXPECT_EQ(writebacks(), 2u);
}

TEST_F(SyncCommandTest, StaleProposalIsRefusedWithExit75) {
  ASSERT_EQ(sync().exit_code, 0);
  // Both invoices paid in the books: the stored proposal no longer fits.
  write(dir_.file("inbox/items.json"), items("0.00", "0.00"));
  const ProcessResult synced = sync();
  ASSERT_EQ(synced.exit_code, 0) << synced.err;
  const ProcessResult stale = approve("1");
  EXPECT_EQ(stale.exit_code, 75);
  EXPECT_NE(stale.err.find("stale, run sync again"), std::string::npos) << stale.err;
  EXPECT_EQ(writebacks(), 0u);
}

TEST_F(SyncCommandTest, RejectionNeedsAReasonAndIsRecorded) {
  ASSERT_EQ(sync().exit_code, 0);
  const ProcessResult rejected = mahnwerk({"proposal", "reject", "1", "--reason", "Kunde hat angerufen"});
  ASSERT_EQ(rejected.exit_code, 0) << rejected.err;
  EXPECT_NE(rejected.out.find("proposal 1 of berger rejected by anna: Kunde hat angerufen"),
            std::string::npos)
      << rejected.out;
  const ProcessResult shown = mahnwerk({"proposal", "show", "1"});
  EXPECT_NE(shown.out.find("rejected"), std::string::npos) << shown.out;
  EXPECT_EQ(approve("1").exit_code, 75);
  EXPECT_EQ(mahnwerk({"proposal", "reject", "99", "--reason", "x"}).exit_code, 66);
}

}  // namespace
}  // namespace mahnwerk
