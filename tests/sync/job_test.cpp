// The sync job against a real SQLite store in a temporary folder, a fake in-memory source system
// and a manual clock: pulls, closing, reconcile, approval modes, the freshness gate, dry runs,
// re-runs and the tenant lease.
#include "connector/sync/job.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <algorithm>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <stdexcept>

#include "adapters/jsonfile/basiszins_json.h"
#include "adapters/jsonfile/policy_json.h"
#include "connector/store/sqlite_store.h"
#include "tests/support/bundled_config.h"
#include "tests/support/temp_dir.h"

namespace mahnwerk::sync {
namespace {

using testing::source_dir;
using testing::TempDir;

using core::ErrorKind;
using core::make_date;
using core::Money;
using std::chrono::hours;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

Money eur(std::int64_t cents) { return Money(cents, core::Currency::eur()); }

// 06:00 UTC on a day.
sys_seconds morning(core::Date day) { return sys_seconds{sys_days{day}} + hours{6}; }

// A source system in memory: records carry the revision they last changed at, so pull(cursor)
// returns what changed since; writes land once per idempotency key.
class FakeAdapter final : public Adapter {
 public:
  std::string name() const override { return "fake"; }
  Capabilities capabilities() const override { return {true, true, true, push_kinds}; }

  core::Result<Delta> pull(const std::optional<std::string>& cursor) override {
    ++pulls;
    cursors.push_back(cursor);
    if (on_pull) on_pull();
    if (fail) return *fail;
    const int since = cursor ? std::stoi(*cursor) : -1;
    Delta d;
    d.full = !cursor;
    for (const auto& [rev, debtor] : debtors) {
      if (rev > since) d.debtors.push_back(debtor);
    }
    for (const auto& [id, entry] : items) {
      if (entry.first > since) d.items.push_back(entry.second);
    }
    for (const auto& [rev, payment] : payments) {
      if (rev > since) d.payments.push_back(payment);
    }
    if (since < 0) d.rejected = rejected;
    d.next_cursor = std::to_string(revision);
    return d;
  }

  PushResult push(const OutboxEntry& entry) override {
    if (on_push) on_push();
    ++landed[entry.idempotency_key];
    kinds.push_back(entry.kind);
    return {PushOutcome::kLanded, "R-" + std::to_string(landed.size()), "", std::nullopt};
  }

  LookupResult lookup(const OutboxEntry& entry) override {
    if (landed.contains(entry.idempotency_key)) return {LookupOutcome::kLanded, "R", ""};
    return {LookupOutcome::kAbsent, "", ""};
  }

  void set_debtor(core::Debtor d) { debtors.emplace_back(++revision, std::move(d)); }
  void set_item(core::OpenItem item) {
    const std::string id = item.id;
    items[id] = {++revision, std::move(item)};
  }
  void add_payment(PulledPayment p) { payments.emplace_back(++revision, std::move(p)); }
  int pushes() const {
    int n = 0;
    for (const auto& [key, count] : landed) n += count;
    return n;
  }

  int revision = 0;
  std::vector<std::pair<int, core::Debtor>> debtors;
  std::map<std::string, std::pair<int, core::OpenItem>> items;
  std::vector<std::pair<int, PulledPayment>> payments;
  std::vector<Rejected> rejected;
  std::optional<core::Error> fail;
  std::vector<std::string> push_kinds;  // empty: every kind
  int pulls = 0;
  std::vector<std::optional<std::string>> cursors;
  std::map<std::string, int> landed;  // idempotency key -> pushes
  std::vector<std::string> kinds;
  std::function<void()> on_pull;  // runs inside pull(), e.g. to let time pass
  std::function<void()> on_push;  // runs inside push(), before the entry lands
};

core::OpenItem invoice(std::string id, std::int64_t cents, core::Date due, std::string debtor = "D-1") {
  core::OpenItem i;
  i.id = id;
  i.number = id;
  i.debtor = std::move(debtor);
  i.invoice_date = core::add_days(due, -14);
  i.due_date = due;
  i.due_date_agreed = true;
  i.amount = eur(cents);
  i.open_amount = eur(cents);
  i.source_version = "1";
  return i;
}

core::Debtor business(std::string id) {
  core::Debtor d;
  d.id = std::move(id);
  d.name = "Müller GmbH";
  d.kind = core::DebtorKind::kBusiness;
  d.email = "ap@mueller.de";
  d.language = "de";
  d.address = {"Hauptstr. 1", "10115", "Berlin", "DE"};
  return d;
}

// Never waits: the drain's backoff advances nothing (the fake adapter never asks to wait).
class NoSleep final : public Sleeper {
 public:
  void sleep_for(std::chrono::milliseconds) override {}
};

class JobTest : public ::testing::Test {
 protected:
  JobTest() : clock_(morning(make_date(2025, 5, 15))) {
    auto opened = store::open_sqlite_store(dir_.file("mahnwerk.db"));
    if (!opened) throw std::runtime_error(opened.error().to_string());
    store_ = std::move(opened).value();
    table_.emplace(testing::bundled_basiszins());
    settings_.tenant = "berger";
    settings_.name = "Berger Holz";
    settings_.creditor.name = "Berger Holz GmbH";
    settings_.policy = testing::standard_policy();
    settings_.approval = Approval::kAuto;
    settings_.basiszins = &*table_;
    options_.lease_owner = "test:1";
    options_.sleeper = &sleeper_;
    adapter_.set_debtor(business("D-1"));
    adapter_.set_item(invoice("RE-1", 100000, make_date(2025, 5, 1)));
    adapter_.set_item(invoice("RE-2", 50000, make_date(2025, 5, 2)));
  }

  JobReport run(JobOptions options) {
    auto report = run_job(*store_, adapter_, settings_, clock_, options);
    if (!report) throw std::runtime_error(report.error().to_string());
    return std::move(report).value();
  }
  JobReport run() { return run(options_); }

  std::unique_ptr<Transaction> read() {
    auto tx = store_->begin(Access::kReadOnly);
    if (!tx) throw std::runtime_error(tx.error().to_string());
    return std::move(tx).value();
  }
  core::State state() { return *read()->load_state("berger"); }
  std::vector<AuditEvent> audit() { return *read()->list_audit("berger"); }
  std::size_t count_audit(std::string_view kind) {
    std::size_t n = 0;
    for (const auto& e : audit()) n += e.kind == kind ? 1 : 0;
    return n;
  }
  std::size_t outbox(OutboxState s) { return read()->list_outbox("berger", s)->size(); }

  // Everything the store holds about the tenant, as text: equal snapshots mean nothing changed.
  std::string snapshot() {
    auto tx = read();
    std::string out;
    auto tenants = tx->list_tenants();
    for (const auto& t : tenants.value()) out += "tenant " + t.id + "\n";
    if (!tx->get_tenant("berger")) return out;
    auto s = *tx->load_state("berger");
    for (const auto& i : s.items) out += "item " + i.id + " " + i.open_amount.to_string() + "\n";
    out += "payments " + std::to_string(s.payments.size()) + " notices " + std::to_string(s.notices.size()) +
           " charges " + std::to_string(s.charges.size()) + " plans " + std::to_string(s.plans.size()) + "\n";
    // Each list is held in a variable: a range-for over *temporary would read freed memory.
    for (auto st :
         {OutboxState::kPending, OutboxState::kSent, OutboxState::kConfirmed, OutboxState::kFailed}) {
      const auto entries = *tx->list_outbox("berger", st);
      for (const auto& e : entries)
        out += "outbox " + e.idempotency_key + " " + std::string(to_string(st)) + "\n";
    }
    const auto events = *tx->list_audit("berger");
    for (const auto& e : events) out += "audit " + e.hash + "\n";
    const auto proposals = *tx->list_proposals("berger");
    for (const auto& p : proposals)
      out += "proposal " + std::to_string(p.id) + " " + std::string(to_string(p.status)) + "\n";
    auto runs = *tx->get_runs("berger");
    if (runs.last_pull)
      out += "pull " + std::to_string(runs.last_pull->time.time_since_epoch().count()) + "\n";
    if (runs.last_run) out += "run " + runs.last_run->outcome + "\n";
    auto cursor = *tx->get_cursor("berger", "source");
    out += "cursor " + cursor.value_or("-") + "\n";
    auto lease = *tx->get_lease("berger");
    out += "lease " + (lease ? lease->owner : std::string("-")) + "\n";
    return out;
  }

  TempDir dir_{"mahnwerk_job_test"};
  std::unique_ptr<store::SqliteStore> store_;
  std::optional<core::BasiszinsTable> table_;
  ManualClock clock_;
  FakeAdapter adapter_;
  NoSleep sleeper_;
  TenantSettings settings_;
  JobOptions options_;
};

TEST_F(JobTest, AutoApprovalCommitsAndPushesEachWriteBackOnce) {
  const JobReport r = run();
  EXPECT_EQ(r.outcome, JobOutcome::kCommitted) << r.message;
  EXPECT_EQ(r.pulled, 3);
  EXPECT_EQ(r.upserted, 3);
  EXPECT_EQ(r.proposed_notices, 1);  // one Zahlungserinnerung for D-1 listing both items
  EXPECT_EQ(r.committed_notices, 2);
  EXPECT_EQ(r.outbox_created, 2);
  EXPECT_EQ(r.pushed, 2);
  EXPECT_EQ(adapter_.pushes(), 2);
  EXPECT_EQ(state().notices.size(), 2u);
  EXPECT_EQ(outbox(OutboxState::kConfirmed), 2u);
  EXPECT_EQ(count_audit("pulled"), 2u);
  EXPECT_EQ(count_audit("notice_sent"), 2u);
  EXPECT_TRUE(verify_chain(audit()).ok());
  // The lease is given back; the run is recorded.
  EXPECT_FALSE(read()->get_lease("berger")->has_value());
  EXPECT_EQ(read()->get_runs("berger")->last_run->outcome, "committed");
}

TEST_F(JobTest, WriteBacksOfKindsTheAdapterCannotReceiveAreNotEnqueued) {
  adapter_.push_kinds = {"fee", "flat_fee", "interest", "block"};  // e.g. DATEV: no dunning documents
  const JobReport r = run();
  EXPECT_EQ(r.outcome, JobOutcome::kCommitted) << r.message;
  EXPECT_EQ(r.committed_notices, 2);  // the notices are recorded all the same
  EXPECT_EQ(r.outbox_created, 0);
  EXPECT_EQ(adapter_.pushes(), 0);
  EXPECT_EQ(outbox(OutboxState::kFailed), 0u);
  EXPECT_EQ(count_audit("notice_sent"), 2u);
}

TEST_F(JobTest, ReRunAfterCommitChangesNothingAndDuplicatesNothing) {
  run();
  const std::size_t events = audit().size();
  const JobReport again = run();
  EXPECT_EQ(again.outcome, JobOutcome::kNothingToDo);
  EXPECT_EQ(again.upserted, 0);
  EXPECT_EQ(again.committed_notices, 0);
  EXPECT_EQ(adapter_.pushes(), 2);
  EXPECT_EQ(state().notices.size(), 2u);
  EXPECT_EQ(audit().size(), events);
  // The next level two weeks later: fee, flat fee and interest, each charged and pushed once.
  clock_.set(morning(make_date(2025, 6, 2)));
  const JobReport level1 = run();
  EXPECT_EQ(level1.outcome, JobOutcome::kCommitted) << level1.message;
  EXPECT_GT(level1.committed_charges, 0);
  const std::size_t charges = state().charges.size();
  EXPECT_EQ(charges, static_cast<std::size_t>(level1.committed_charges));
  const int pushes = adapter_.pushes();
  EXPECT_EQ(run().outcome, JobOutcome::kNothingToDo);
  EXPECT_EQ(state().charges.size(), charges);
  EXPECT_EQ(adapter_.pushes(), pushes);
  for (const auto& [key, count] : adapter_.landed) EXPECT_EQ(count, 1) << key;
  EXPECT_TRUE(verify_chain(audit()).ok());
}

TEST_F(JobTest, IncrementalPullsFromTheStoredCursorAndFullClosesMissingItems) {
  run();
  ASSERT_EQ(adapter_.cursors.size(), 1u);
  EXPECT_FALSE(adapter_.cursors[0].has_value());
  // Nothing changed: the incremental pull delivers nothing.
  const JobReport quiet = run();
  ASSERT_EQ(adapter_.cursors.size(), 2u);
  EXPECT_EQ(adapter_.cursors[1], std::optional<std::string>("3"));
  EXPECT_EQ(quiet.pulled, 0);
  // A changed item comes through incrementally and is recorded as changed.
  auto changed = invoice("RE-2", 50000, make_date(2025, 5, 2));
  changed.open_amount = eur(20000);
  changed.source_version = "2";
  adapter_.set_item(changed);
  const JobReport delta = run();
  EXPECT_EQ(delta.pulled, 1);
  EXPECT_EQ(delta.upserted, 1);
  EXPECT_EQ(count_audit("pulled"), 3u);
  // RE-1 vanishes from the source; an incremental pull cannot tell, a full one closes it.
  adapter_.items.erase("RE-1");
  EXPECT_EQ(run().closed, 0);
  JobOptions full = options_;
  full.full = true;
  const JobReport closing = run(full);
  EXPECT_FALSE(adapter_.cursors.back().has_value());
  EXPECT_EQ(closing.closed, 1);
  EXPECT_TRUE(state().items[0].open_amount.is_zero());
  EXPECT_EQ(count_audit("closed"), 1u);
}

TEST_F(JobTest, ReconcileAllocatesPaymentsClosesPaidItemsAndAuditsRejectedRows) {
  // RE-2 is paid in full, but the books still show it open.
  core::Payment paid{"RE-2", "D-1", make_date(2025, 5, 2), eur(50000), "Überweisung RE-2"};
  adapter_.add_payment({"P-1", paid});
  adapter_.rejected.push_back({"items.json", "items[7].amount", "not an amount"});
  const JobReport r = run();
  EXPECT_EQ(r.payments_allocated, 1);
  EXPECT_EQ(r.closed, 1);
  EXPECT_EQ(r.rejected, 1);
  EXPECT_EQ(count_audit("payment_allocated"), 1u);
  EXPECT_EQ(count_audit("paid"), 1u);
  EXPECT_EQ(count_audit("rejected"), 1u);
  const core::State s = state();
  EXPECT_TRUE(s.items[1].open_amount.is_zero());
  // Only RE-1 is dunned.
  ASSERT_EQ(s.notices.size(), 1u);
  EXPECT_EQ(s.notices[0].item, "RE-1");
  // The payment event is not recorded twice.
  run();
  EXPECT_EQ(count_audit("payment_allocated"), 1u);
}

TEST_F(JobTest, ManualApprovalStoresAPendingProposalAndSupersedesIt) {
  settings_.approval = Approval::kManual;
  const JobReport first = run();
  EXPECT_EQ(first.outcome, JobOutcome::kAwaitingApproval);
  ASSERT_TRUE(first.proposal_id.has_value());
  EXPECT_NE(first.message.find("proposal approve"), std::string::npos);
  EXPECT_EQ(adapter_.pushes(), 0);
  EXPECT_TRUE(state().notices.empty());
  EXPECT_EQ(outbox(OutboxState::kPending), 0u);
  // Unchanged: the same proposal stays pending with its id.
  EXPECT_EQ(run().proposal_id, first.proposal_id);
  // A new overdue item: a new proposal supersedes the old one.
  adapter_.set_item(invoice("RE-3", 30000, make_date(2025, 5, 3)));
  const JobReport second = run();
  ASSERT_TRUE(second.proposal_id.has_value());
  EXPECT_NE(*second.proposal_id, *first.proposal_id);
  auto tx = read();
  EXPECT_EQ(tx->get_proposal(*first.proposal_id)->status, ProposalStatus::kSuperseded);
  EXPECT_EQ(*tx->count_proposals("berger", ProposalStatus::kPending), 1);
}

TEST_F(JobTest, ApprovingCommitsLikeTheAutoPathAndOnlyOnce) {
  settings_.approval = Approval::kManual;
  const JobReport pending = run();
  ASSERT_TRUE(pending.proposal_id.has_value());
  clock_.advance(hours{2});
  auto approved =
      approve_proposal(*store_, adapter_, settings_, clock_, *pending.proposal_id, "anna", options_);
  ASSERT_TRUE(approved.ok()) << approved.error().to_string();
  EXPECT_EQ(approved->outcome, JobOutcome::kCommitted);
  EXPECT_EQ(approved->committed_notices, 2);
  EXPECT_EQ(approved->pushed, 2);
  EXPECT_EQ(adapter_.pushes(), 2);
  auto p = *read()->get_proposal(*pending.proposal_id);
  EXPECT_EQ(p.status, ProposalStatus::kApproved);
  EXPECT_EQ(p.decided_by, "anna");
  EXPECT_EQ(count_audit("proposal_approved"), 1u);
  for (const auto& e : audit()) {
    if (e.kind == "proposal_approved" || e.kind == "notice_sent") {
      EXPECT_EQ(e.actor, "user:anna") << e.kind;
    }
  }
  auto again = approve_proposal(*store_, adapter_, settings_, clock_, *pending.proposal_id, "anna", options_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::kConflict);
  EXPECT_NE(again.error().message.find("already approved"), std::string::npos);
  EXPECT_EQ(adapter_.pushes(), 2);
  // Nothing new after approval: the next sync proposes nothing.
  EXPECT_EQ(run().outcome, JobOutcome::kNothingToDo);
}

TEST_F(JobTest, ApprovingAStaleProposalIsRefused) {
  settings_.approval = Approval::kManual;
  const JobReport pending = run();
  ASSERT_TRUE(pending.proposal_id.has_value());
  // RE-1 and RE-2 paid in the books: nothing to propose, the old proposal stays pending but no
  // longer fits the state.
  auto one = invoice("RE-1", 100000, make_date(2025, 5, 1));
  one.open_amount = eur(0);
  auto two = invoice("RE-2", 50000, make_date(2025, 5, 2));
  two.open_amount = eur(0);
  adapter_.set_item(one);
  adapter_.set_item(two);
  EXPECT_EQ(run().outcome, JobOutcome::kNothingToDo);
  auto stale = approve_proposal(*store_, adapter_, settings_, clock_, *pending.proposal_id, "anna", options_);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().kind, ErrorKind::kConflict);
  EXPECT_NE(stale.error().message.find("stale, run sync again"), std::string::npos) << stale.error().message;
  EXPECT_TRUE(state().notices.empty());
  EXPECT_EQ(adapter_.pushes(), 0);
  EXPECT_EQ(read()->get_proposal(*pending.proposal_id)->status, ProposalStatus::kPending);
}

TEST_F(JobTest, FreshnessGateRefusesApprovalAfterAFailedOrOldPull) {
  settings_.approval = Approval::kManual;
  const JobReport pending = run();
  ASSERT_TRUE(pending.proposal_id.has_value());
  // Too old: 27 hours after the last good pull.
  clock_.advance(hours{27});
  auto old = approve_proposal(*store_, adapter_, settings_, clock_, *pending.proposal_id, "anna", options_);
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.error().message.find("is older than"), std::string::npos) << old.error().message;
  // A failed pull is recorded and says why; still no notices.
  adapter_.fail = core::Error{ErrorKind::kUnavailable, "source folder is not mounted", "/srv/berger"};
  const JobReport failed = run();
  EXPECT_EQ(failed.outcome, JobOutcome::kPullFailed);
  ASSERT_TRUE(failed.pull_error.has_value());
  EXPECT_EQ(failed.pull_error->kind, ErrorKind::kUnavailable);
  EXPECT_NE(failed.message.find("source folder is not mounted"), std::string::npos);
  auto runs = *read()->get_runs("berger");
  EXPECT_FALSE(runs.last_pull->ok);
  EXPECT_EQ(runs.last_run->outcome, "pull_failed");
  EXPECT_EQ(count_audit("pull_failed"), 1u);
  clock_.set(runs.last_pull->time);
  auto refused =
      approve_proposal(*store_, adapter_, settings_, clock_, *pending.proposal_id, "anna", options_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("failed"), std::string::npos) << refused.error().message;
  EXPECT_TRUE(state().notices.empty());
}

TEST_F(JobTest, RejectingNeedsAReasonAndIsFinal) {
  settings_.approval = Approval::kManual;
  const JobReport pending = run();
  EXPECT_EQ(reject_proposal(*store_, clock_, *pending.proposal_id, "anna", "").error().kind,
            ErrorKind::kInvalidInput);
  auto rejected = reject_proposal(*store_, clock_, *pending.proposal_id, "anna", "Kunde hat angerufen");
  ASSERT_TRUE(rejected.ok()) << rejected.error().to_string();
  EXPECT_EQ(rejected->status, ProposalStatus::kRejected);
  EXPECT_EQ(rejected->reason, "Kunde hat angerufen");
  EXPECT_EQ(count_audit("proposal_rejected"), 1u);
  auto approve =
      approve_proposal(*store_, adapter_, settings_, clock_, *pending.proposal_id, "bob", options_);
  EXPECT_EQ(approve.error().kind, ErrorKind::kConflict);
}

TEST_F(JobTest, DryRunChangesNothing) {
  JobOptions dry = options_;
  dry.dry_run = true;
  // On a store that has never seen the tenant.
  const std::string empty = snapshot();
  const JobReport first = run(dry);
  EXPECT_TRUE(first.dry_run);
  EXPECT_EQ(first.outcome, JobOutcome::kCommitted);
  EXPECT_EQ(first.plan.outbox.size(), 2u);
  EXPECT_EQ(snapshot(), empty);
  EXPECT_EQ(adapter_.pushes(), 0);
  // On a store with history: the level-1 run two weeks later would charge, but does not.
  run();
  clock_.set(morning(make_date(2025, 6, 2)));
  const std::string before = snapshot();
  const int pushes = adapter_.pushes();
  const JobReport would = run(dry);
  EXPECT_GT(would.plan.charges.size(), 0u);
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(adapter_.pushes(), pushes);
  // And manual approval stores no proposal in a dry run.
  settings_.approval = Approval::kManual;
  EXPECT_EQ(run(dry).outcome, JobOutcome::kAwaitingApproval);
  EXPECT_EQ(snapshot(), before);
}

TEST_F(JobTest, LeaseHeldByAnotherOwnerRefusesTheJob) {
  {
    auto tx = store_->begin();
    ASSERT_TRUE((*tx)->upsert_tenant({"berger", "Berger Holz"}).ok());
    ASSERT_TRUE((*tx)->acquire_lease("berger", "scheduler:7", clock_.now(), std::chrono::minutes(10)).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  auto refused = run_job(*store_, adapter_, settings_, clock_, options_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kConflict);
  EXPECT_NE(refused.error().message.find("scheduler:7"), std::string::npos);
  EXPECT_EQ(adapter_.pulls, 0);
  // The other owner's lease is left alone; once it expires the job runs.
  EXPECT_EQ((*read()->get_lease("berger"))->owner, "scheduler:7");
  clock_.advance(std::chrono::minutes(10));
  EXPECT_EQ(run().outcome, JobOutcome::kCommitted);
}

TEST_F(JobTest, ALongPullExtendsTheLeaseBeforeTheDrain) {
  adapter_.set_debtor(business("D-1"));
  adapter_.set_item(invoice("RE-1", 100'000, core::make_date(2025, 3, 1)));
  // The pull takes 20 of the lease's 30 minutes; without renewal the lease would expire 10
  // minutes into the drain, and another process could take the tenant over.
  adapter_.on_pull = [this] { clock_.advance(std::chrono::minutes(20)); };
  std::optional<std::chrono::sys_seconds> expiry_during_push;
  adapter_.on_push = [&] {
    if (!expiry_during_push) expiry_during_push = (*read()->get_lease("berger"))->expires_at;
  };
  EXPECT_EQ(run().outcome, JobOutcome::kCommitted);
  ASSERT_TRUE(expiry_during_push.has_value());
  EXPECT_EQ(*expiry_during_push, clock_.now() + options_.lease_ttl);
}

TEST_F(JobTest, AJobWhoseLeaseWasTakenDuringThePullStopsWithoutWriting) {
  adapter_.set_debtor(business("D-1"));
  adapter_.set_item(invoice("RE-1", 100'000, core::make_date(2025, 3, 1)));
  // The pull outlives the lease, and another process takes the expired lease meanwhile.
  adapter_.on_pull = [this] {
    clock_.advance(options_.lease_ttl + std::chrono::minutes(1));
    auto tx = store_->begin();
    ASSERT_TRUE((*tx)->acquire_lease("berger", "host:other", clock_.now(), std::chrono::minutes(30)).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  };
  auto stopped = run_job(*store_, adapter_, settings_, clock_, options_);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(adapter_.pushes(), 0);
  EXPECT_TRUE(state().items.empty());                              // nothing of the pull was written
  EXPECT_EQ((*read()->get_lease("berger"))->owner, "host:other");  // and its lease left alone
}

TEST_F(JobTest, LeaseOfAHolderKnownToBeGoneIsTakenOverAndAudited) {
  {
    auto tx = store_->begin();
    ASSERT_TRUE((*tx)->upsert_tenant({"berger", "Berger Holz"}).ok());
    ASSERT_TRUE((*tx)->acquire_lease("berger", "host:4242", clock_.now(), std::chrono::minutes(30)).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  // Only the named holder is declared gone; another live holder would still block.
  options_.lease_holder_gone = [](std::string_view holder) { return holder == "host:4242"; };
  EXPECT_EQ(run().outcome, JobOutcome::kCommitted);
  auto events = read()->list_audit("berger");
  ASSERT_TRUE(events.ok());
  const auto taken = std::find_if(events->begin(), events->end(),
                                  [](const AuditEvent& e) { return e.kind == "lease_taken_over"; });
  ASSERT_NE(taken, events->end());
  EXPECT_NE(taken->data.find("host:4242"), std::string::npos);
  EXPECT_FALSE(read()->get_lease("berger")->has_value());  // given back at the end as usual

  {
    auto tx = store_->begin();
    ASSERT_TRUE((*tx)->acquire_lease("berger", "host:77", clock_.now(), std::chrono::minutes(30)).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  auto refused = run_job(*store_, adapter_, settings_, clock_, options_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kConflict);
}

TEST(CommitPlan, RoundTripsThroughItsJsonBody) {
  CommitPlan plan;
  plan.tenant = "berger";
  plan.as_of = make_date(2025, 6, 2);
  plan.letters.push_back({"D-1", 1, "1. Mahnung", "EUR", "1040.76", "2025-06-16", {"RE-1", "RE-2"}});
  plan.notices.push_back({"RE-1", 1, make_date(2025, 6, 2), std::nullopt});
  plan.charges.push_back({"RE-1", core::ChargeKind::kFlatFee, 1, eur(4000), make_date(2025, 6, 2)});
  OutboxEntry e;
  e.tenant = "berger";
  e.kind = "fee";
  e.target = "item:RE-1";
  e.idempotency_key = "k";
  e.payload = R"({"amount":"40.00","text":"a \"quoted\" text"})";
  plan.outbox.push_back(e);
  plan.audit.push_back({"", "", "fee_charged", "item:RE-1", R"({"amount":"40.00"})"});
  auto back = commit_plan_from_json(to_json(plan));
  ASSERT_TRUE(back.ok()) << back.error().to_string();
  EXPECT_EQ(to_json(*back), to_json(plan));
  EXPECT_EQ(back->charges[0].amount, eur(4000));
  EXPECT_EQ(back->outbox[0].payload, e.payload);
  EXPECT_EQ(back->letters[0].items.size(), 2u);
  auto broken =
      commit_plan_from_json(R"({"tenant":"b","as_of":"2025-06-02","letters":[],"notices":[{"item":"x"}],)"
                            R"("charges":[],"outbox":[],"audit":[]})");
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(broken.error().context.find("notices[0]"), std::string::npos) << broken.error().to_string();
}

// A proposal depends on a debtor's agreed rate and an item's Zinssperre: changing either makes a
// pending proposal stale; a state that has neither digests as before the fields existed.
TEST(StateDigest, ChangesWithAgreedRateAndZinssperre) {
  core::State state;
  core::Debtor d;
  d.id = "10000";
  state.debtors.push_back(d);
  core::OpenItem i;
  i.id = "10000/RE-1";
  i.debtor = d.id;
  i.invoice_date = make_date(2025, 3, 1);
  i.amount = eur(100000);
  i.open_amount = eur(100000);
  state.items.push_back(i);
  const core::Date as_of = make_date(2025, 6, 2);
  const std::string plain = state_digest(state, as_of);
  // The digest of this state as computed before the two fields existed (pinned).
  EXPECT_EQ(plain, "fc7760100fab98f3f05f4f8780550ce18e14e9c4116cf9515f0d7d19d5620c38");
  state.debtors[0].agreed_interest_bp = 1250;
  const std::string agreed = state_digest(state, as_of);
  EXPECT_NE(agreed, plain);
  state.debtors[0].agreed_interest_bp = 1300;
  EXPECT_NE(state_digest(state, as_of), agreed);
  state.debtors[0].agreed_interest_bp.reset();
  EXPECT_EQ(state_digest(state, as_of), plain);
  state.items[0].interest_blocked = true;
  EXPECT_NE(state_digest(state, as_of), plain);
}

}  // namespace
}  // namespace mahnwerk::sync
