// Exactly once, proven with real processes (issue 4, "Outbox: exactly once"; docs/outbox.md):
// for every failpoint of sync::failpoint_names(), `mahnwerk sync` runs on a fresh copy of the
// example Mandant (config/examples/mandant.json as a jsonfile inbox) and kills itself there with
// SIGKILL — once in the tenant's first run (reminders only) and once in a later run after a new
// payment (escalation: fees, flat fees, interest, dunning documents). Two re-runs without the
// failpoint must leave the remote side (writebacks.jsonl) and the store exactly as uninterrupted
// runs do: every idempotency key once and exactly the expected keys, every outbox entry
// confirmed, the same notices and charges, one "pushed" and one "confirmed" audit event per
// entry, and an intact audit chain (`mahnwerk audit verify`).
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include "connector/store/sqlite_store.h"
#include "connector/sync/failpoint.h"
#include "tests/sync/process_runner.h"

namespace mahnwerk::sync {
namespace {

using testing::ProcessResult;

constexpr const char* kTenant = "berger";
constexpr const char* kFirstAsOf = "2025-06-30";  // the example's day: first reminders
constexpr const char* kLaterAsOf = "2025-08-15";  // weeks later: escalation with charges

std::string source_dir() { return MAHNWERK_TEST_SOURCE_DIR; }

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string to_json(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// A tenant folder: office.json, the inbox (the example Mandant's debtors, items, payments),
// the outbox folder and the state directory.
class TenantFolder {
 public:
  TenantFolder() {
    std::string pattern = "/tmp/mahnwerk_crash_test_XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = pattern;
    rapidjson::Document mandant;
    const std::string text = read(source_dir() + "/config/examples/mandant.json");
    mandant.Parse<rapidjson::kParseCommentsFlag | rapidjson::kParseTrailingCommasFlag |
                  rapidjson::kParseNumbersAsStringsFlag>(text.data(), text.size());
    if (mandant.HasParseError()) throw std::runtime_error("config/examples/mandant.json does not parse");
    for (const char* section : {"debtors", "items", "payments"})
      write(root_ + "/in/" + section + ".json", to_json(mandant[section]));
    write(root_ + "/office.json", R"({
  "tenants": [{
    "id": "berger",
    "name": "Holzwerk Berger GmbH",
    "creditor": )" + to_json(mandant["creditor"]) +
                                      R"(,
    "adapter": "jsonfile",
    "settings": {"inbox": "in", "outbox": "out"},
    "policy": ")" + source_dir() + R"(/config/policies/standard.json",
    "schedule": "daily 06:00",
    "approval": "auto",
  }],
})");
    std::filesystem::create_directories(state());
  }
  ~TenantFolder() { std::filesystem::remove_all(root_); }
  TenantFolder(const TenantFolder&) = delete;
  TenantFolder& operator=(const TenantFolder&) = delete;

  std::string office() const { return root_ + "/office.json"; }
  std::string state() const { return root_ + "/state"; }
  std::string writebacks() const { return root_ + "/out/writebacks.jsonl"; }

  ProcessResult sync(const char* as_of, const std::string& failpoint = {}) const {
    testing::ProcessEnv env;
    env.unset = {"MAHNWERK_FAILPOINT", "MAHNWERK_CONFIG"};
    if (!failpoint.empty()) env.set.emplace_back("MAHNWERK_FAILPOINT", failpoint);
    return testing::run_process(
        MAHNWERK_BINARY,
        {"sync", "--tenant", kTenant, "--config", office(), "--state", state(), "--as-of", as_of}, env);
  }

  // The source changes between runs: a partial payment arrives.
  void add_payment() const {
    const std::string path = root_ + "/in/payments.json";
    std::string text = read(path);
    const auto end = text.rfind(']');
    if (end == std::string::npos) throw std::runtime_error(path + " is not an array");
    text.insert(
        end, R"(,{"item":"RE-2025-0101","date":"2025-07-20","amount":"100.00","reference":"Teilzahlung"})");
    write(path, text);
  }

  // Whether the tenant's lease is held by process `pid`: a process killed by SIGKILL cannot give
  // it back, and the re-run must take it over (lease_holder_gone) instead of waiting 30 minutes.
  bool leased_by(pid_t pid) const {
    auto store = store::open_sqlite_store(state() + "/mahnwerk.db");
    if (!store) throw std::runtime_error(store.error().to_string());
    auto tx = std::move((*store)->begin(sync::Access::kReadOnly)).value();
    auto lease = tx->get_lease(kTenant);
    if (!lease) throw std::runtime_error(lease.error().to_string());
    return *lease && (*lease)->owner.ends_with(":" + std::to_string(pid));
  }

  ProcessResult verify_audit() const {
    return testing::run_process(MAHNWERK_BINARY,
                                {"audit", "verify", "--state", state(), "--tenant", kTenant});
  }

 private:
  std::string root_;
};

// What a run left behind, on the remote side and in the store.
struct Outcome {
  std::map<std::string, int> lines_per_key;    // writebacks.jsonl
  std::set<std::string> kinds;                 // of its lines
  std::map<std::string, OutboxState> entries;  // store outbox: key -> state
  // Multisets: a second notice or charge for the same thing must show, not collapse.
  std::multiset<std::tuple<std::string, int>> notices;
  std::multiset<std::tuple<std::string, int, int, std::int64_t>> charges;  // item, kind, level, amount
  std::map<std::string, int> pushed_events;                                // key -> count of "pushed"
  std::map<std::string, int> confirmed_events;                             // key -> count of "confirmed"
  std::vector<AuditEvent> audit;
};

void read_writebacks(const std::string& writebacks, Outcome& o) {
  if (!std::filesystem::exists(writebacks)) return;
  std::istringstream in(read(writebacks));
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    rapidjson::Document doc;
    doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(line.data(), line.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("key") || !doc["key"].IsString())
      throw std::runtime_error(writebacks + ", line " + std::to_string(number) +
                               " is not a write-back: " + line);
    ++o.lines_per_key[doc["key"].GetString()];
    if (doc.HasMember("kind") && doc["kind"].IsString()) o.kinds.insert(doc["kind"].GetString());
  }
}

std::string key_of_event(const AuditEvent& event) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(event.data.data(), event.data.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("key") || !doc["key"].IsString()) return {};
  return doc["key"].GetString();
}

Outcome inspect(const TenantFolder& folder) {
  Outcome o;
  read_writebacks(folder.writebacks(), o);
  auto store = store::open_sqlite_store(folder.state() + "/mahnwerk.db");
  if (!store) throw std::runtime_error(store.error().to_string());
  auto tx = std::move((*store)->begin(Access::kReadOnly)).value();
  for (const OutboxState s :
       {OutboxState::kPending, OutboxState::kSent, OutboxState::kConfirmed, OutboxState::kFailed}) {
    auto listed = tx->list_outbox(kTenant, s);
    if (!listed) throw std::runtime_error(listed.error().to_string());
    for (const auto& e : *listed) o.entries[e.idempotency_key] = e.state;
  }
  auto state = tx->load_state(kTenant);
  if (!state) throw std::runtime_error(state.error().to_string());
  for (const auto& n : state->notices) o.notices.emplace(n.item, n.level);
  for (const auto& c : state->charges)
    o.charges.emplace(c.item, static_cast<int>(c.kind), c.level, c.amount.minor());
  auto audit = tx->list_audit(kTenant);
  if (!audit) throw std::runtime_error(audit.error().to_string());
  o.audit = *audit;
  for (const auto& e : o.audit) {
    if (e.kind == "pushed") ++o.pushed_events[key_of_event(e)];
    if (e.kind == "confirmed") ++o.confirmed_events[key_of_event(e)];
  }
  return o;
}

std::string describe(const ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + ", signal " + std::to_string(r.signal) + "\nstdout:\n" +
         r.out + "\nstderr:\n" + r.err;
}

// (failpoint, later): where to kill the process, and whether in the tenant's first or a later run.
using CrashCase = std::tuple<std::string, bool>;

// Uninterrupted runs: the outcomes every crashed-and-resumed run must reach.
class CrashTest : public ::testing::TestWithParam<CrashCase> {
 protected:
  static void SetUpTestSuite() {
    TenantFolder folder;
    const ProcessResult first = folder.sync(kFirstAsOf);
    ASSERT_EQ(first.exit_code, 0) << describe(first);
    after_first_ = new Outcome(inspect(folder));
    folder.add_payment();
    const ProcessResult later = folder.sync(kLaterAsOf);
    ASSERT_EQ(later.exit_code, 0) << describe(later);
    after_later_ = new Outcome(inspect(folder));
  }
  static void TearDownTestSuite() {
    delete after_first_;
    delete after_later_;
    after_first_ = after_later_ = nullptr;
  }
  static const Outcome* after_first_;
  static const Outcome* after_later_;
};
const Outcome* CrashTest::after_first_ = nullptr;
const Outcome* CrashTest::after_later_ = nullptr;

std::set<std::string> keys_of(const std::map<std::string, int>& counts) {
  std::set<std::string> keys;
  for (const auto& [key, count] : counts) keys.insert(key);
  return keys;
}

// Checks `o` against an uninterrupted run's outcome `want`.
void expect_converged(const Outcome& o, const Outcome& want) {
  // The remote side: each write-back exactly once, and exactly the expected ones.
  for (const auto& [key, count] : o.lines_per_key)
    EXPECT_EQ(count, 1) << "key " << key << " written " << count << "x";
  EXPECT_EQ(keys_of(o.lines_per_key), keys_of(want.lines_per_key));
  // The store: the same entries, all confirmed.
  std::set<std::string> stored;
  for (const auto& [key, state] : o.entries) {
    stored.insert(key);
    EXPECT_EQ(state, OutboxState::kConfirmed) << "outbox entry " << key << " is " << to_string(state);
  }
  EXPECT_EQ(stored, keys_of(want.lines_per_key));
  EXPECT_EQ(o.notices, want.notices);
  EXPECT_EQ(o.charges, want.charges);
  // The audit trail: every write-back pushed and confirmed exactly once, the chain intact.
  for (const auto& key : stored) {
    EXPECT_EQ(o.pushed_events.count(key) ? o.pushed_events.at(key) : 0, 1) << "\"pushed\" events of " << key;
    EXPECT_EQ(o.confirmed_events.count(key) ? o.confirmed_events.at(key) : 0, 1)
        << "\"confirmed\" events of " << key;
  }
  EXPECT_TRUE(verify_chain(o.audit).ok());
}

TEST_F(CrashTest, UninterruptedRunsWriteEveryWriteBackOnceAndARepeatedRunNothing) {
  ASSERT_NE(after_first_, nullptr);
  ASSERT_NE(after_later_, nullptr);
  // The proof below is only as strong as the example: write-backs of every kind, and charges.
  EXPECT_GE(after_first_->lines_per_key.size(), 5u);
  EXPECT_FALSE(after_first_->notices.empty());
  EXPECT_GT(after_later_->lines_per_key.size(), after_first_->lines_per_key.size() + 10);
  EXPECT_FALSE(after_later_->charges.empty());
  EXPECT_EQ(after_later_->kinds, (std::set<std::string>{"dunning_document", "fee", "interest"}));
  expect_converged(*after_first_, *after_first_);
  expect_converged(*after_later_, *after_later_);

  TenantFolder folder;
  ASSERT_EQ(folder.sync(kFirstAsOf).exit_code, 0);
  const std::string after_first = read(folder.writebacks());
  const ProcessResult again = folder.sync(kFirstAsOf);
  EXPECT_EQ(again.exit_code, 0) << describe(again);
  EXPECT_EQ(read(folder.writebacks()), after_first);
  expect_converged(inspect(folder), *after_first_);
}

TEST_P(CrashTest, KilledAtTheFailpointThenReRunConvergesToExactlyOnce) {
  const auto& [failpoint, later] = GetParam();
  ASSERT_NE(after_later_, nullptr);
  TenantFolder folder;
  if (later) {
    const ProcessResult first = folder.sync(kFirstAsOf);
    ASSERT_EQ(first.exit_code, 0) << describe(first);
    folder.add_payment();
  }
  const char* as_of = later ? kLaterAsOf : kFirstAsOf;
  const ProcessResult killed = folder.sync(as_of, failpoint);
  ASSERT_EQ(killed.signal, SIGKILL) << "the failpoint was not reached: " << describe(killed);
  EXPECT_TRUE(folder.leased_by(killed.pid)) << "the killed run should still hold the lease";

  for (int rerun = 1; rerun <= 2; ++rerun) {
    const ProcessResult r = folder.sync(as_of);
    EXPECT_EQ(r.exit_code, 0) << "re-run " << rerun << ": " << describe(r);
  }
  expect_converged(inspect(folder), later ? *after_later_ : *after_first_);
  const ProcessResult verified = folder.verify_audit();
  EXPECT_EQ(verified.exit_code, 0) << describe(verified);
}

std::vector<std::string> all_failpoints() {
  std::vector<std::string> names;
  for (const std::string_view name : failpoint_names()) names.emplace_back(name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(EveryFailpoint, CrashTest,
                         ::testing::Combine(::testing::ValuesIn(all_failpoints()), ::testing::Bool()),
                         [](const ::testing::TestParamInfo<CrashCase>& p) {
                           return std::get<0>(p.param) +
                                  (std::get<1>(p.param) ? "_in_a_later_run" : "_in_the_first_run");
                         });

}  // namespace
}  // namespace mahnwerk::sync
