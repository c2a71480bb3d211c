// `mahnwerk run` as a real process: it syncs due tenants, and SIGTERM or SIGINT lets the running
// job finish and ends the process with exit 0 without starting another tenant. The test acts on
// the process's log lines (read from a pipe), never on sleeps.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <fstream>

#include "connector/store/sqlite_store.h"
#include "tests/cli/process.h"
#include "tests/support/temp_dir.h"

namespace mahnwerk {
namespace {

using testing::source_dir;

using testing::LoggingProcess;
using testing::run_mahnwerk;
using testing::TempDir;

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

// An office of three jsonfile tenants, each with two overdue invoices, synced every 30 minutes.
class RunCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tenants;
    for (const char* id : {"acme", "beta", "gamma"}) {
      const std::string t(id);
      write(dir_.file(t + "/inbox/debtors.json"), R"([{"id":"D1","name":"Kunde Eins","kind":"business"}])");
      write(dir_.file(t + "/inbox/items.json"),
            R"([{"id":"1","number":"RE-1","debtor":"D1","invoice_date":"2025-03-01","due_date":"2025-03-15",)"
            R"("amount":"1190.00","currency":"EUR"},)"
            R"({"id":"2","number":"RE-2","debtor":"D1","invoice_date":"2025-04-01","due_date":"2025-04-15",)"
            R"("amount":"595.00","currency":"EUR"}])");
      tenants += std::string(tenants.empty() ? "" : ",") + R"({"id":")" + t + R"(","name":"Mandant )" + t +
                 R"(","creditor":{"name":"Mandant GmbH","address":{"street":"Am Markt 1","zip":"04109",)"
                 R"("city":"Leipzig","country":"DE"},"iban":"DE02120300000000202051"},)"
                 R"("adapter":"jsonfile","settings":{"inbox":")" +
                 t + R"(/inbox","outbox":")" + t + R"(/outbox"},"policy":")" + source_dir() +
                 R"(/config/policies/standard.json","schedule":"every 30m","approval":"auto",)"
                 R"("accounts":{"fee_revenue":"2700","interest_revenue":"2650"}})";
    }
    write(dir_.file("office.json"), R"({"tenants":[)" + tenants + "]}");
  }

  std::vector<std::string> args() const {
    return {"run", "--config", dir_.file("office.json"), "--state", dir_.file("state")};
  }

  // Every tenant the log says started also finished, and no tenant started after the signal.
  static void expect_no_job_cut_off(const std::string& log) {
    // "<tenant>: started", the tenant being the word right before the colon. (A plain scan:
    // std::regex trips GCC 12's -Wmaybe-uninitialized under the ASan preset's -O1 -Werror.)
    const std::string marker = ": started";
    for (std::size_t at = log.find(marker); at != std::string::npos; at = log.find(marker, at + 1)) {
      std::size_t begin = at;
      while (begin > 0 && (std::isalnum(static_cast<unsigned char>(log[begin - 1])) || log[begin - 1] == '_'))
        --begin;
      if (begin == at) continue;
      const std::string tenant = log.substr(begin, at - begin);
      EXPECT_NE(log.find(tenant + ": finished", at), std::string::npos) << tenant << " was cut off:\n" << log;
    }
  }

  TempDir dir_;
};

TEST_F(RunCommand, SigtermDuringAJobLetsItFinishAndExitsZero) {
  LoggingProcess run(args());
  ASSERT_TRUE(run.wait_for("acme: started")) << run.log();
  run.signal(SIGTERM);
  EXPECT_EQ(run.wait_exit(), 0) << run.log();
  EXPECT_NE(run.log().find("acme: finished: committed"), std::string::npos) << run.log();
  EXPECT_NE(run.log().find("stopped on SIGTERM"), std::string::npos) << run.log();
  expect_no_job_cut_off(run.log());
  // What finished is complete and consistent: a run record and an intact audit chain.
  const auto status = run_mahnwerk({"status", "--tenant", "acme", "--state", dir_.file("state")});
  EXPECT_NE(status.out.find("last run           "), std::string::npos) << status.out;
  EXPECT_EQ(status.out.find("last run           never"), std::string::npos) << status.out;
  EXPECT_EQ(run_mahnwerk({"audit", "verify", "--state", dir_.file("state")}).exit_code, 0);
}

TEST_F(RunCommand, RunsEveryDueTenantThenWaitsAndStopsOnSigint) {
  LoggingProcess run(args());
  ASSERT_TRUE(run.wait_for("next run due")) << run.log();
  for (const char* t : {"acme", "beta", "gamma"}) {
    EXPECT_NE(run.log().find(std::string(t) + ": finished: committed"), std::string::npos) << run.log();
  }
  run.signal(SIGINT);
  EXPECT_EQ(run.wait_exit(), 0) << run.log();
  EXPECT_NE(run.log().find("stopped on SIGINT"), std::string::npos) << run.log();
  // A restart finds the last runs in the store: nothing is due again yet.
  LoggingProcess again(args());
  ASSERT_TRUE(again.wait_for("next run due")) << again.log();
  again.signal(SIGTERM);
  EXPECT_EQ(again.wait_exit(), 0);
  EXPECT_EQ(again.log().find("started"), std::string::npos) << again.log();
}

TEST_F(RunCommand, AnUnknownTimeZoneStopsAtStartWithConfigError) {
  std::string office = testing::read_file(dir_.file("office.json"));
  office.replace(office.find(R"("schedule")"), 0, R"("time_zone":"Mars/Olympus",)");
  write(dir_.file("office.json"), office);
  const auto r = run_mahnwerk(args());
  EXPECT_EQ(r.exit_code, 78);
  EXPECT_NE(r.err.find("unknown time zone \"Mars/Olympus\""), std::string::npos) << r.err;
}

}  // namespace
}  // namespace mahnwerk
