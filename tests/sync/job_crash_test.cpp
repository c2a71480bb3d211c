// Crash tests of the sync job with real processes: a child process runs the job with
// MAHNWERK_FAILPOINT naming one step and dies there by SIGKILL; then the job runs again (another
// owner, after the crashed run's lease expired). The remote side — the JSON folder adapter's
// outbox file — must end with every write-back exactly once, the store with every notice and
// charge once, all write-backs confirmed and the audit trail intact. Once per failpoint.
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "adapters/jsonfile/basiszins_json.h"
#include "adapters/jsonfile/folder_adapter.h"
#include "adapters/jsonfile/policy_json.h"
#include "connector/store/sqlite_store.h"
#include "connector/sync/failpoint.h"
#include "connector/sync/job.h"
#include "tests/support/temp_dir.h"

namespace mahnwerk::sync {
namespace {

using testing::source_dir;

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

constexpr const char* kDebtors = R"([{"id": "D-1", "name": "Müller GmbH", "kind": "business",
  "address": {"street": "Hauptstr. 1", "zip": "10115", "city": "Berlin", "country": "DE"}}])";
constexpr const char* kItems = R"([
  {"id": "RE-1", "number": "RE-1", "debtor": "D-1", "invoice_date": "2025-03-01", "due_date": "2025-04-01",
   "due_date_agreed": true, "amount": "1000.00", "open_amount": "1000.00", "currency": "EUR"},
  {"id": "RE-2", "number": "RE-2", "debtor": "D-1", "invoice_date": "2025-03-02", "due_date": "2025-04-02",
   "due_date_agreed": true, "amount": "500.00", "open_amount": "500.00", "currency": "EUR"}])";

class NoSleep final : public Sleeper {
 public:
  void sleep_for(std::chrono::milliseconds) override {}
};

class JobCrashTest : public ::testing::TestWithParam<std::string_view> {
 protected:
  void SetUp() override {
    std::string pattern = "/tmp/mahnwerk_job_crash_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    write(dir_ + "/inbox/debtors.json", kDebtors);
    write(dir_ + "/inbox/items.json", kItems);
    auto table = jsonfile::load_basiszins(source_dir() + "/config/basiszins.json");
    ASSERT_TRUE(table.ok());
    table_.emplace(std::move(table).value());
    auto policy = jsonfile::load_policy(source_dir() + "/config/policies/standard.json");
    ASSERT_TRUE(policy.ok());
    settings_.tenant = "berger";
    settings_.name = "Berger Holz";
    settings_.policy = std::move(policy).value();
    settings_.approval = Approval::kAuto;
    settings_.basiszins = &*table_;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // One job run in this process on `day`, as `owner`.
  core::Result<JobReport> run(core::Date day, std::chrono::seconds later, const std::string& owner) {
    auto store = store::open_sqlite_store(dir_ + "/mahnwerk.db");
    if (!store) return store.error();
    ManualClock clock(sys_seconds{sys_days{day}} + hours{6} + later);
    jsonfile::FolderAdapter adapter({dir_ + "/inbox", dir_ + "/outbox"}, clock);
    NoSleep sleeper;
    JobOptions options;
    options.lease_owner = owner;
    options.sleeper = &sleeper;
    return run_job(**store, adapter, settings_, clock, options);
  }

  // The job in a child process that dies at `failpoint`; returns how the child ended.
  int run_killed(core::Date day, std::string_view failpoint) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::setenv("MAHNWERK_FAILPOINT", std::string(failpoint).c_str(), 1);
      auto r = run(day, {}, "crashed:1");
      ::_exit(r.ok() ? 0 : 1);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
  }

  // Lines of the remote outbox file per idempotency key.
  std::map<std::string, int> remote_keys() {
    std::map<std::string, int> keys;
    std::ifstream in(dir_ + "/outbox/" + std::string(jsonfile::kWritebacksFile));
    std::string line;
    while (std::getline(in, line)) {
      const auto at = line.find("\"key\":\"");
      if (at == std::string::npos) continue;
      ++keys[line.substr(at + 7, 64)];
    }
    return keys;
  }

  std::string dir_;
  std::optional<core::BasiszinsTable> table_;
  TenantSettings settings_;
};

TEST_P(JobCrashTest, ReRunAfterAKillConvergesToEachWriteBackOnce) {
  // Two runs: the reminder on 2025-04-10, the 1. Mahnung with fee, € 40 and interest on 04-30.
  for (const core::Date day : {core::make_date(2025, 4, 10), core::make_date(2025, 4, 30)}) {
    SCOPED_TRACE(core::format_date(day));
    const int status = run_killed(day, GetParam());
    ASSERT_TRUE(WIFSIGNALED(status)) << "the child was not killed at " << GetParam();
    EXPECT_EQ(WTERMSIG(status), SIGKILL);
    // The crashed run's lease expires after 30 minutes; then another owner re-runs.
    auto again = run(day, minutes{31}, "rerun:2");
    ASSERT_TRUE(again.ok()) << again.error().to_string();
    auto quiet = run(day, minutes{32}, "rerun:2");
    ASSERT_TRUE(quiet.ok()) << quiet.error().to_string();
    EXPECT_EQ(quiet->committed_notices + quiet->committed_charges + quiet->outbox_created, 0);
  }
  auto opened = store::open_sqlite_store(dir_ + "/mahnwerk.db");
  ASSERT_TRUE(opened.ok());
  auto tx = (*opened)->begin(Access::kReadOnly);
  const core::State state = *(*tx)->load_state("berger");
  EXPECT_EQ(state.notices.size(), 4u);  // two items, two levels
  const auto confirmed = *(*tx)->list_outbox("berger", OutboxState::kConfirmed);
  // Each charge has its write-back; each notice record its dunning document.
  std::size_t charge_entries = 0;
  for (const auto& e : confirmed) charge_entries += e.kind == "fee" || e.kind == "interest" ? 1 : 0;
  EXPECT_GE(state.charges.size(), 2u);
  EXPECT_EQ(state.charges.size(), charge_entries);
  EXPECT_EQ(confirmed.size(), charge_entries + state.notices.size());
  EXPECT_EQ(*(*tx)->count_outbox("berger", OutboxState::kPending), 0);
  const auto keys = remote_keys();
  EXPECT_EQ(keys.size(), confirmed.size());
  for (const auto& [key, lines] : keys) EXPECT_EQ(lines, 1) << key;
  const auto events = *(*tx)->list_audit("berger");
  EXPECT_TRUE(verify_chain(events).ok());
  std::map<std::string, int> kinds;
  for (const auto& e : events) ++kinds[e.kind];
  EXPECT_EQ(kinds["confirmed"], static_cast<int>(confirmed.size()));
  EXPECT_EQ(kinds["notice_sent"], 4);
}

std::vector<std::string_view> names() {
  const auto all = failpoint_names();
  return {all.begin(), all.end()};
}

INSTANTIATE_TEST_SUITE_P(EveryFailpoint, JobCrashTest, ::testing::ValuesIn(names()),
                         [](const auto& param_info) { return std::string(param_info.param); });

}  // namespace
}  // namespace mahnwerk::sync
