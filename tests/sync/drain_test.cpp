// The outbox drain against a real SQLite store in a temporary folder and a scripted adapter whose
// "remote side" counts every landing per key: each outcome, backoff and retry_after, the budget,
// lookups after ambiguous failures and crashes, max attempts, retry of failed, and never a second
// landing of one key.
#include "connector/sync/drain.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <deque>
#include <filesystem>
#include <map>
#include <set>
#include <span>
#include <stdexcept>

#include "connector/store/sqlite_store.h"
#include "tests/support/temp_dir.h"

namespace mahnwerk::sync {
namespace {

using testing::TempDir;

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::sys_seconds;
using S = OutboxState;

// One scripted push: what the adapter answers and whether the request reached the remote side
// (an ambiguous timeout may or may not have).
struct Step {
  PushOutcome outcome = PushOutcome::kLanded;
  bool reaches_remote = true;
  std::optional<seconds> retry_after;
};

Step landed() { return {PushOutcome::kLanded, true, {}}; }
Step retryable(std::optional<seconds> retry_after = {}) {
  return {PushOutcome::kRetryable, false, retry_after};
}
Step ambiguous(bool reached) { return {PushOutcome::kAmbiguous, reached, {}}; }
Step rejected() { return {PushOutcome::kRejected, false, {}}; }

// An adapter with a remote side in memory. push() follows the script (then lands); lookup()
// answers from the remote side unless told it cannot tell.
class ScriptedAdapter final : public Adapter {
 public:
  explicit ScriptedAdapter(Capabilities capabilities) : capabilities_(std::move(capabilities)) {}

  std::string name() const override { return "scripted"; }
  Capabilities capabilities() const override { return capabilities_; }
  core::Result<Delta> pull(const std::optional<std::string>&) override { return Delta{}; }

  PushResult push(const OutboxEntry& entry) override {
    pushes.push_back(entry.idempotency_key);
    Step step = landed();
    if (!script.empty()) {
      step = script.front();
      script.pop_front();
    }
    if (step.reaches_remote) ++remote[entry.idempotency_key];
    PushResult result{
        step.outcome, {}, "remote said " + std::string(to_string(step.outcome)), step.retry_after};
    if (step.outcome == PushOutcome::kLanded) result.remote_reference = "R-" + entry.idempotency_key;
    return result;
  }

  // Records each batch; with whole_batches, answers every entry of it (a file adapter that
  // writes them together), otherwise the port's default (one by one, stopping at a failure).
  std::vector<PushResult> push_batch(std::span<const OutboxEntry> entries) override {
    batches.push_back(entries.size());
    if (answer_nothing) return {};
    if (!whole_batches) return Adapter::push_batch(entries);
    std::vector<PushResult> results;
    for (const OutboxEntry& e : entries) results.push_back(push(e));
    return results;
  }

  LookupResult lookup(const OutboxEntry& entry) override {
    lookups.push_back(entry.idempotency_key);
    if (lookup_unknown) return {LookupOutcome::kUnknown, {}, "remote unreachable"};
    if (remote.count(entry.idempotency_key) > 0)
      return {LookupOutcome::kLanded, "R-" + entry.idempotency_key, {}};
    return {LookupOutcome::kAbsent, {}, {}};
  }

  std::deque<Step> script;
  bool whole_batches = false;
  bool answer_nothing = false;       // a broken adapter: no result for a batch
  std::vector<std::size_t> batches;  // sizes of the push_batch calls
  bool lookup_unknown = false;
  std::vector<std::string> pushes;
  std::vector<std::string> lookups;
  std::map<std::string, int> remote;  // landings per key: exactly once means 1

 private:
  Capabilities capabilities_;
};

Capabilities plain() { return {}; }
Capabilities with_lookup() { return {false, false, true, {}}; }
Capabilities idempotent_with_lookup() { return {false, true, true, {}}; }

// Waits by moving the manual clock on, remembering each wait.
class ClockSleeper final : public Sleeper {
 public:
  explicit ClockSleeper(ManualClock& clock) : clock_(clock) {}
  void sleep_for(milliseconds duration) override {
    waits.push_back(duration);
    clock_.advance(std::chrono::ceil<seconds>(duration));
  }
  std::vector<milliseconds> waits;

 private:
  ManualClock& clock_;
};

class DrainTest : public ::testing::Test {
 public:
  OutboxEntry entry(const std::string& key) {
    auto r = begin(Access::kReadOnly)->get_outbox("t", key);
    if (!r) throw std::runtime_error(r.error().to_string());
    return *r;
  }

 protected:
  void SetUp() override {
    auto opened = store::open_sqlite_store(dir_.path() + "/state.db");
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    store_ = std::move(opened).value();
    auto txn = begin();
    ASSERT_TRUE(txn->upsert_tenant({"t", "Tenant T"}).ok());
    ASSERT_TRUE(txn->commit().ok());
  }

  std::unique_ptr<Transaction> begin(Access access = Access::kReadWrite) {
    auto txn = store_->begin(access);
    if (!txn) throw std::runtime_error(txn.error().to_string());
    return std::move(txn).value();
  }

  void add_entry(const std::string& key, const std::string& kind = "fee") {
    OutboxEntry e;
    e.tenant = "t";
    e.kind = kind;
    e.target = "item:" + key;
    e.idempotency_key = key;
    e.payload = R"({"amount":"5.00"})";
    auto txn = begin();
    ASSERT_TRUE(txn->insert_outbox_if_absent(e).ok());
    ASSERT_TRUE(txn->commit().ok());
  }

  void change(const std::string& key, const OutboxChange& c) {
    auto txn = begin();
    auto r = txn->update_outbox("t", key, c);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_TRUE(txn->commit().ok());
  }

  std::vector<AuditEvent> audit() {
    auto r = begin(Access::kReadOnly)->list_audit("t");
    if (!r) throw std::runtime_error(r.error().to_string());
    return *r;
  }

  DrainReport run(ScriptedAdapter& adapter, const DrainOptions& options = {}) {
    auto report = drain(*store_, adapter, "t", clock_, sleeper_, options);
    if (!report) throw std::runtime_error(report.error().to_string());
    return std::move(report).value();
  }

  TempDir dir_{"mahnwerk_drain_test"};
  std::unique_ptr<store::SqliteStore> store_;
  ManualClock clock_{sys_seconds(seconds(1'751'263'200))};  // 2025-06-30T06:00:00Z
  ClockSleeper sleeper_{clock_};
};

void expect_each_landed_once(const ScriptedAdapter& adapter) {
  for (const auto& [key, count] : adapter.remote) EXPECT_EQ(count, 1) << key;
}

TEST_F(DrainTest, LandedPushIsRecordedSentThenConfirmedWithAuditEvents) {
  add_entry("k1");
  ScriptedAdapter adapter(plain());
  const DrainReport report = run(adapter);

  EXPECT_EQ(report.sent, 1);
  EXPECT_EQ(report.confirmed, 1);
  EXPECT_EQ(report.failed + report.deferred + report.retried + report.looked_up, 0);
  ASSERT_EQ(report.entries.size(), 1u);
  EXPECT_EQ(report.entries[0].step, DrainStep::kConfirmed);
  EXPECT_EQ(report.entries[0].state, S::kConfirmed);
  const OutboxEntry stored = entry("k1");
  EXPECT_EQ(stored.state, S::kConfirmed);
  EXPECT_EQ(stored.attempts, 1);
  EXPECT_EQ(stored.remote_reference, "R-k1");

  const auto events = audit();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, "pushed");
  EXPECT_EQ(events[1].kind, "confirmed");
  for (const auto& e : events) {
    EXPECT_EQ(e.subject, "item:k1");
    EXPECT_EQ(e.actor, "sync");
    EXPECT_EQ(e.time, "2025-06-30T06:00:00Z");
    EXPECT_NE(e.data.find(R"("key":"k1")"), std::string::npos) << e.data;
    EXPECT_NE(e.data.find(R"("remote_reference":"R-k1")"), std::string::npos) << e.data;
  }
  EXPECT_TRUE(verify_chain(events).ok());
  expect_each_landed_once(adapter);
}

TEST_F(DrainTest, EntriesAreDrainedOldestFirstAndOnlyOnce) {
  for (const char* key : {"k3", "k1", "k2"}) add_entry(key);
  ScriptedAdapter adapter(plain());
  EXPECT_EQ(run(adapter).confirmed, 3);
  EXPECT_EQ(adapter.pushes, (std::vector<std::string>{"k3", "k1", "k2"}));
  // A second run finds nothing to do.
  const DrainReport again = run(adapter);
  EXPECT_TRUE(again.entries.empty());
  EXPECT_EQ(adapter.pushes.size(), 3u);
  expect_each_landed_once(adapter);
}

TEST_F(DrainTest, MaxEntriesLimitsTheRun) {
  for (const char* key : {"k1", "k2", "k3"}) add_entry(key);
  ScriptedAdapter adapter(plain());
  DrainOptions options;
  options.max_entries = 2;
  EXPECT_EQ(run(adapter, options).confirmed, 2);
  EXPECT_EQ(entry("k3").state, S::kPending);
  EXPECT_EQ(run(adapter, options).confirmed, 1);
  EXPECT_EQ(entry("k3").state, S::kConfirmed);
}

TEST_F(DrainTest, RetryableFailuresAreRetriedWithGrowingJitteredBackoff) {
  add_entry("k1");
  ScriptedAdapter adapter(plain());
  adapter.script = {retryable(), retryable(), retryable(), landed()};
  const DrainReport report = run(adapter);

  EXPECT_EQ(report.confirmed, 1);
  EXPECT_EQ(report.retried, 3);
  EXPECT_EQ(adapter.pushes.size(), 4u);
  EXPECT_EQ(entry("k1").attempts, 4);
  ASSERT_EQ(sleeper_.waits.size(), 3u);
  // 1 s, 2 s, 4 s, each scaled by a factor in [0.5, 1].
  for (std::size_t i = 0; i < 3; ++i) {
    const milliseconds full(1000 << i);
    EXPECT_GE(sleeper_.waits[i], full / 2) << i;
    EXPECT_LE(sleeper_.waits[i], full) << i;
  }
  expect_each_landed_once(adapter);
}

TEST_F(DrainTest, RetryAfterIsHonoured) {
  add_entry("k1");
  ScriptedAdapter adapter(plain());
  adapter.script = {retryable(seconds(30)), landed()};
  const auto start = clock_.now();
  EXPECT_EQ(run(adapter).confirmed, 1);
  ASSERT_EQ(sleeper_.waits.size(), 1u);
  EXPECT_EQ(sleeper_.waits[0], seconds(30));
  EXPECT_EQ(clock_.now() - start, seconds(30));
}

TEST_F(DrainTest, AWaitBeyondTheBudgetLeavesEntriesPendingForTheNextRun) {
  add_entry("k1");
  add_entry("k2");
  ScriptedAdapter adapter(plain());
  adapter.script = {retryable(seconds(600))};
  DrainOptions options;
  options.budget = seconds(120);
  const DrainReport report = run(adapter, options);

  EXPECT_TRUE(report.stopped);
  EXPECT_EQ(report.deferred, 1);
  EXPECT_EQ(report.retried, 1);
  EXPECT_TRUE(sleeper_.waits.empty());
  EXPECT_EQ(adapter.pushes, std::vector<std::string>{"k1"});  // k2 not tried against a throttling remote
  const OutboxEntry k1 = entry("k1");
  EXPECT_EQ(k1.state, S::kPending);
  EXPECT_EQ(k1.attempts, 1);
  EXPECT_EQ(k1.last_error, "remote said retryable");
  EXPECT_EQ(entry("k2").state, S::kPending);

  clock_.advance(seconds(600));
  const DrainReport next = run(adapter, options);
  EXPECT_EQ(next.confirmed, 2);
  EXPECT_FALSE(next.stopped);
  expect_each_landed_once(adapter);
}

TEST_F(DrainTest, RejectedEndsFailedWithTheLastError) {
  add_entry("k1");
  add_entry("k2");
  ScriptedAdapter adapter(plain());
  adapter.script = {rejected()};
  const DrainReport report = run(adapter);

  EXPECT_EQ(report.failed, 1);
  EXPECT_EQ(report.confirmed, 1);  // one rejected entry does not stop the others
  const OutboxEntry k1 = entry("k1");
  EXPECT_EQ(k1.state, S::kFailed);
  EXPECT_EQ(k1.attempts, 1);
  EXPECT_EQ(k1.last_error, "remote said rejected");
  EXPECT_EQ(report.entries[0].message, "remote said rejected");
  const auto events = audit();
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].kind, "push_failed");
  EXPECT_EQ(events[0].subject, "item:k1");
  EXPECT_NE(events[0].data.find(R"("error":"remote said rejected")"), std::string::npos) << events[0].data;

  // Failed entries are left alone by later runs.
  EXPECT_TRUE(run(adapter).entries.empty());
  EXPECT_EQ(adapter.pushes.size(), 2u);
}

TEST_F(DrainTest, MaxAttemptsEndsFailedAndRetryGrantsANewRound) {
  add_entry("k1");
  ScriptedAdapter adapter(plain());
  adapter.script = std::deque<Step>(5, retryable());
  DrainOptions options;
  options.max_attempts = 3;
  DrainReport report = run(adapter, options);
  EXPECT_EQ(report.failed, 1);
  EXPECT_EQ(report.retried, 2);  // the third failure is the last, not retried
  EXPECT_EQ(adapter.pushes.size(), 3u);
  EXPECT_EQ(entry("k1").state, S::kFailed);
  EXPECT_EQ(entry("k1").attempts, 3);

  change("k1", {S::kPending, false, "", ""});  // what `mahnwerk outbox retry` does
  report = run(adapter, options);
  EXPECT_EQ(report.confirmed, 1);  // two more failures, then the script is used up and it lands
  EXPECT_EQ(adapter.pushes.size(), 6u);
  EXPECT_EQ(entry("k1").attempts, 6);
  expect_each_landed_once(adapter);
}

TEST_F(DrainTest, UnsupportedKindFailsWithoutAPush) {
  add_entry("k1", "letter");
  ScriptedAdapter adapter({false, false, false, {"fee", "interest"}});
  const DrainReport report = run(adapter);
  EXPECT_EQ(report.failed, 1);
  EXPECT_TRUE(adapter.pushes.empty());
  EXPECT_EQ(entry("k1").state, S::kFailed);
  EXPECT_EQ(entry("k1").attempts, 0);
  EXPECT_NE(entry("k1").last_error.find("kind \"letter\""), std::string::npos);
}

TEST_F(DrainTest, AmbiguousPushThatLandedIsFoundByLookupAndNotSentAgain) {
  add_entry("k1");
  ScriptedAdapter adapter(with_lookup());
  adapter.script = {ambiguous(/*reached=*/true)};
  const DrainReport report = run(adapter);

  EXPECT_EQ(report.confirmed, 1);
  EXPECT_EQ(report.sent, 0);
  EXPECT_EQ(report.looked_up, 1);
  EXPECT_EQ(adapter.pushes.size(), 1u);
  EXPECT_EQ(adapter.remote.at("k1"), 1);
  const OutboxEntry k1 = entry("k1");
  EXPECT_EQ(k1.state, S::kConfirmed);
  EXPECT_EQ(k1.remote_reference, "R-k1");
  EXPECT_EQ(k1.attempts, 1);
  const auto events = audit();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[0].data.find(R"("via":"lookup")"), std::string::npos) << events[0].data;
}

TEST_F(DrainTest, AmbiguousPushThatDidNotLandIsSentAgainAfterLookup) {
  add_entry("k1");
  ScriptedAdapter adapter(with_lookup());
  adapter.script = {ambiguous(/*reached=*/false)};
  const DrainReport report = run(adapter);
  EXPECT_EQ(report.confirmed, 1);
  EXPECT_EQ(report.sent, 1);
  EXPECT_EQ(report.looked_up, 1);
  EXPECT_EQ(adapter.pushes.size(), 2u);
  EXPECT_EQ(entry("k1").attempts, 2);
  expect_each_landed_once(adapter);
}

TEST_F(DrainTest, PushThatLandedBeforeACrashIsFoundByLookup) {
  // A push landed, then the process died before recording it: the entry is pending with its
  // attempt counted (the drain counts before pushing when it may have to look up).
  add_entry("k1");
  change("k1", {S::kPending, true, "", ""});
  ScriptedAdapter adapter(with_lookup());
  adapter.remote["k1"] = 1;
  const DrainReport report = run(adapter);
  EXPECT_EQ(report.confirmed, 1);
  EXPECT_EQ(report.sent, 0);
  EXPECT_TRUE(adapter.pushes.empty());
  EXPECT_EQ(adapter.lookups, std::vector<std::string>{"k1"});
  EXPECT_EQ(entry("k1").state, S::kConfirmed);
  expect_each_landed_once(adapter);
}

TEST_F(DrainTest, AttemptIsOnRecordBeforeTheAdapterIsCalled) {
  add_entry("k1");
  // An adapter that checks the store while being pushed to: a crash there must find attempts > 0.
  class Probe final : public Adapter {
   public:
    explicit Probe(DrainTest& test) : test_(test) {}
    std::string name() const override { return "probe"; }
    Capabilities capabilities() const override { return with_lookup(); }
    core::Result<Delta> pull(const std::optional<std::string>&) override { return Delta{}; }
    PushResult push(const OutboxEntry&) override {
      attempts_seen = test_.entry("k1").attempts;
      return {PushOutcome::kLanded, "R", {}, {}};
    }
    LookupResult lookup(const OutboxEntry&) override { return {}; }
    int attempts_seen = -1;

   private:
    DrainTest& test_;
  } probe(*this);
  auto report = drain(*store_, probe, "t", clock_, sleeper_, {});
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(probe.attempts_seen, 1);
  EXPECT_EQ(entry("k1").attempts, 1);
}

TEST_F(DrainTest, LookupThatCannotTellDefersWithoutPushingAndEventuallyFails) {
  add_entry("k1");
  change("k1", {S::kPending, true, "", ""});
  ScriptedAdapter adapter(with_lookup());
  adapter.lookup_unknown = true;
  DrainOptions options;
  options.max_attempts = 3;
  DrainReport report = run(adapter, options);
  EXPECT_EQ(report.deferred, 1);
  EXPECT_FALSE(report.stopped);
  EXPECT_TRUE(adapter.pushes.empty());
  EXPECT_EQ(entry("k1").state, S::kPending);
  EXPECT_EQ(entry("k1").attempts, 2);
  EXPECT_EQ(entry("k1").last_error, "lookup: remote unreachable");

  report = run(adapter, options);
  EXPECT_EQ(report.failed, 1);
  EXPECT_EQ(entry("k1").state, S::kFailed);
  EXPECT_TRUE(adapter.pushes.empty());

  // Once the remote can answer again, a retried entry is looked up, not blindly pushed.
  change("k1", {S::kPending, false, "", ""});
  adapter.lookup_unknown = false;
  adapter.remote["k1"] = 1;
  report = run(adapter, options);
  EXPECT_EQ(report.confirmed, 1);
  EXPECT_TRUE(adapter.pushes.empty());
  expect_each_landed_once(adapter);
}

TEST_F(DrainTest, SentEntryIsConfirmedWithoutAnotherPush) {
  add_entry("k1");
  change("k1", {S::kSent, true, "", "R-k1"});
  ScriptedAdapter adapter(with_lookup());
  const DrainReport report = run(adapter);
  EXPECT_EQ(report.confirmed, 1);
  EXPECT_TRUE(adapter.pushes.empty());
  EXPECT_TRUE(adapter.lookups.empty());
  EXPECT_EQ(entry("k1").state, S::kConfirmed);
  EXPECT_EQ(entry("k1").remote_reference, "R-k1");
  ASSERT_EQ(audit().size(), 1u);
  EXPECT_EQ(audit()[0].kind, "confirmed");
}

TEST_F(DrainTest, IdempotentAdapterIsPushedAgainWithoutLookup) {
  add_entry("k1");
  change("k1", {S::kPending, true, "", ""});
  ScriptedAdapter adapter(idempotent_with_lookup());
  adapter.script = {ambiguous(false), landed()};
  const DrainReport report = run(adapter);
  EXPECT_EQ(report.confirmed, 1);
  EXPECT_TRUE(adapter.lookups.empty());
  EXPECT_EQ(adapter.pushes.size(), 2u);
  EXPECT_EQ(entry("k1").attempts, 3);
}

TEST_F(DrainTest, AmbiguousWithoutLookupIsRetriedLikeRetryable) {
  add_entry("k1");
  ScriptedAdapter adapter(plain());
  adapter.script = {ambiguous(false), landed()};
  const DrainReport report = run(adapter);
  EXPECT_EQ(report.confirmed, 1);
  EXPECT_EQ(report.retried, 1);
  EXPECT_TRUE(adapter.lookups.empty());
  EXPECT_EQ(sleeper_.waits.size(), 1u);
}

TEST_F(DrainTest, EntriesOfOtherTenantsAreNotTouched) {
  {
    auto txn = begin();
    ASSERT_TRUE(txn->upsert_tenant({"u", "Tenant U"}).ok());
    OutboxEntry e;
    e.tenant = "u";
    e.kind = "fee";
    e.target = "item:x";
    e.idempotency_key = "u-k1";
    e.payload = "{}";
    ASSERT_TRUE(txn->insert_outbox_if_absent(e).ok());
    ASSERT_TRUE(txn->commit().ok());
  }
  add_entry("k1");
  ScriptedAdapter adapter(plain());
  run(adapter);
  EXPECT_EQ(adapter.pushes, std::vector<std::string>{"k1"});
  EXPECT_EQ(begin(Access::kReadOnly)->get_outbox("u", "u-k1")->state, S::kPending);
}

std::vector<std::string> keys(std::initializer_list<const char*> names) {
  return std::vector<std::string>(names.begin(), names.end());
}

TEST_F(DrainTest, PendingEntriesGoOutInBatches) {
  for (const char* key : {"k1", "k2", "k3", "k4", "k5"}) add_entry(key);
  ScriptedAdapter adapter(plain());
  DrainOptions options;
  options.batch_size = 2;
  const DrainReport report = run(adapter, options);
  EXPECT_EQ(report.sent, 5);
  EXPECT_EQ(report.confirmed, 5);
  EXPECT_EQ(adapter.batches, (std::vector<std::size_t>{2, 2, 1}));
  EXPECT_EQ(adapter.pushes, keys({"k1", "k2", "k3", "k4", "k5"}));
  for (const char* key : {"k1", "k2", "k3", "k4", "k5"}) {
    EXPECT_EQ(entry(key).state, S::kConfirmed) << key;
    EXPECT_EQ(entry(key).attempts, 1) << key;
  }
  // Each entry still has its own two events, in order, on an intact chain.
  const auto events = audit();
  ASSERT_EQ(events.size(), 10u);
  for (std::size_t i = 0; i < events.size(); i += 2) {
    EXPECT_EQ(events[i].kind, "pushed");
    EXPECT_EQ(events[i + 1].kind, "confirmed");
    EXPECT_EQ(events[i].subject, events[i + 1].subject);
  }
  EXPECT_TRUE(verify_chain(events).ok());
  expect_each_landed_once(adapter);
}

TEST_F(DrainTest, FailedAttemptsOfABatchGoOnOneByOneWhileTheOthersLand) {
  for (const char* key : {"k1", "k2", "k3", "k4"}) add_entry(key);
  ScriptedAdapter adapter(plain());
  adapter.whole_batches = true;
  adapter.script = {landed(), rejected(), retryable(), landed()};  // then everything lands
  const DrainReport report = run(adapter);
  EXPECT_EQ(report.confirmed, 3);
  EXPECT_EQ(report.failed, 1);
  EXPECT_EQ(report.retried, 1);
  EXPECT_EQ(adapter.batches, std::vector<std::size_t>{4});
  EXPECT_EQ(adapter.pushes, keys({"k1", "k2", "k3", "k4", "k3"}));  // k3 again, alone
  ASSERT_EQ(report.entries.size(), 4u);
  EXPECT_EQ(report.entries[1].step, DrainStep::kFailed);
  EXPECT_EQ(entry("k2").state, S::kFailed);
  EXPECT_EQ(entry("k3").state, S::kConfirmed);
  EXPECT_EQ(entry("k3").attempts, 2);
  EXPECT_EQ(sleeper_.waits.size(), 1u);
  expect_each_landed_once(adapter);
}

TEST_F(DrainTest, EntriesAnAdapterDidNotTryGoIntoTheNextBatch) {
  for (const char* key : {"k1", "k2", "k3"}) add_entry(key);
  ScriptedAdapter adapter(plain());  // the port's default push_batch stops at the failure
  adapter.script = {retryable()};
  const DrainReport report = run(adapter);
  EXPECT_EQ(report.confirmed, 3);
  EXPECT_EQ(adapter.batches, (std::vector<std::size_t>{3, 2}));
  EXPECT_EQ(adapter.pushes, keys({"k1", "k1", "k2", "k3"}));
  EXPECT_EQ(entry("k2").attempts, 1);
  expect_each_landed_once(adapter);
}

TEST_F(DrainTest, AnAdapterThatLooksUpFirstIsNotBatched) {
  for (const char* key : {"k1", "k2"}) add_entry(key);
  ScriptedAdapter adapter(with_lookup());
  EXPECT_EQ(run(adapter).confirmed, 2);
  EXPECT_TRUE(adapter.batches.empty());  // attempts go on record one by one before each push
  EXPECT_EQ(adapter.pushes, keys({"k1", "k2"}));
}

TEST_F(DrainTest, ABatchAnsweredWithoutResultsIsAnErrorAndChangesNothing) {
  add_entry("k1");
  ScriptedAdapter adapter(plain());
  adapter.answer_nothing = true;
  auto report = drain(*store_, adapter, "t", clock_, sleeper_, {});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().kind, core::ErrorKind::kInternal);
  EXPECT_NE(report.error().message.find("batch of 1 write-backs with 0 results"), std::string::npos)
      << report.error().message;
  EXPECT_EQ(entry("k1").state, S::kPending);
  EXPECT_EQ(entry("k1").attempts, 0);
}

TEST(BackoffDelay, GrowsExponentiallyUpToTheCapWithDeterministicJitter) {
  DrainOptions options;
  options.backoff_base = milliseconds(1000);
  options.backoff_max = milliseconds(8000);
  const milliseconds full[] = {milliseconds(1000), milliseconds(2000), milliseconds(4000),
                               milliseconds(8000), milliseconds(8000), milliseconds(8000)};
  for (int n = 1; n <= 6; ++n) {
    const milliseconds d = backoff_delay(options, "key", n);
    EXPECT_GE(d, full[n - 1] / 2) << n;
    EXPECT_LE(d, full[n - 1]) << n;
    EXPECT_EQ(d, backoff_delay(options, "key", n)) << n;
  }
  // Keys spread out: not every entry comes back at the same instant.
  std::set<milliseconds::rep> distinct;
  for (int i = 0; i < 20; ++i) distinct.insert(backoff_delay(options, "key" + std::to_string(i), 3).count());
  EXPECT_GT(distinct.size(), 10u);
  // No overflow far out.
  EXPECT_LE(backoff_delay(options, "key", 10'000), milliseconds(8000));
}

TEST(BackoffDelay, RetryAfterIsTheLowerBound) {
  DrainOptions options;
  EXPECT_EQ(backoff_delay(options, "key", 1, seconds(90)), seconds(90));
  EXPECT_LE(backoff_delay(options, "key", 1, seconds(0)), milliseconds(1000));
}

TEST(FormatRfc3339, WritesUtcWithZ) {
  EXPECT_EQ(format_rfc3339(sys_seconds(seconds(0))), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(sys_seconds(seconds(1'751'263'200 + 3'723))), "2025-06-30T07:02:03Z");
}

}  // namespace
}  // namespace mahnwerk::sync
