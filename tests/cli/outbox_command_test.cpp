// `mahnwerk outbox list|retry` run as the real binary against a state store seeded through the
// Store port in a temporary folder: exact output of list (table and JSON), retry of named and of
// all failed entries with its audit event, and the refusals (not failed, unknown key, no store).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <stdexcept>

#include "connector/store/sqlite_store.h"
#include "tests/support/temp_dir.h"
#include "tests/sync/process_runner.h"

namespace mahnwerk::cli {
namespace {

using testing::TempDir;

using sync::OutboxState;
using testing::ProcessResult;

void check(const core::Status& s) {
  if (!s) throw std::runtime_error(s.error().to_string());
}

class OutboxCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::open_sqlite_store(dir_.path() + "/mahnwerk.db");
    ASSERT_TRUE(store.ok()) << store.error().to_string();
    auto tx = std::move((*store)->begin()).value();
    check(tx->upsert_tenant({"alpha", "Alpha GmbH"}));
    check(tx->upsert_tenant({"beta", "Beta KG"}));
    add(*tx, "alpha", "a1", "fee", "item:RE-1", std::nullopt);
    add(*tx, "alpha", "a2", "interest", "item:RE-2",
        sync::OutboxChange{OutboxState::kFailed, true, "HTTP 422: invalid account", ""});
    add(*tx, "alpha", "a3", "fee", "item:RE-3", sync::OutboxChange{OutboxState::kConfirmed, true, "", "R-3"});
    add(*tx, "beta", "b1", "dunning_document", "item:B-1",
        sync::OutboxChange{OutboxState::kFailed, true, "outbox not writable", ""});
    add(*tx, "alpha", "a4", "block", "debtor:D-1", sync::OutboxChange{OutboxState::kSent, true, "", "R-4"});
    add(*tx, "alpha", "a5", "fee", "item:RE-5",
        sync::OutboxChange{OutboxState::kFailed, true, "rejected", ""});
    check(tx->commit());
  }

  static void add(sync::Transaction& tx, const std::string& tenant, const std::string& key,
                  const std::string& kind, const std::string& target,
                  std::optional<sync::OutboxChange> change) {
    sync::OutboxEntry e;
    e.tenant = tenant;
    e.kind = kind;
    e.target = target;
    e.idempotency_key = key;
    e.payload = R"({"amount":"5.00"})";
    auto inserted = tx.insert_outbox_if_absent(e);
    if (!inserted) throw std::runtime_error(inserted.error().to_string());
    if (change) {
      auto updated = tx.update_outbox(tenant, key, *change);
      if (!updated) throw std::runtime_error(updated.error().to_string());
    }
  }

  ProcessResult mahnwerk(std::vector<std::string> args) const {
    args.insert(args.begin() + 2, {"--state", dir_.path()});
    return testing::run_process(MAHNWERK_BINARY, args, {{{"USER", "anna"}}, {}});
  }

  sync::OutboxEntry entry(const std::string& tenant, const std::string& key) const {
    auto store = store::open_sqlite_store(dir_.path() + "/mahnwerk.db");
    auto tx = std::move((*store)->begin(sync::Access::kReadOnly)).value();
    auto e = tx->get_outbox(tenant, key);
    if (!e) throw std::runtime_error(e.error().to_string());
    return *e;
  }

  std::vector<sync::AuditEvent> audit(const std::string& tenant) const {
    auto store = store::open_sqlite_store(dir_.path() + "/mahnwerk.db");
    auto tx = std::move((*store)->begin(sync::Access::kReadOnly)).value();
    return std::move(tx->list_audit(tenant)).value();
  }

  TempDir dir_{"mahnwerk_outbox_cli_test"};
};

TEST_F(OutboxCommandTest, ListShowsWhatNeedsAttentionInCreationOrder) {
  const ProcessResult r = mahnwerk({"outbox", "list"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out,
            "TENANT  STATE    ATTEMPTS  KIND              TARGET      KEY  LAST ERROR\n"
            "alpha   pending  0         fee               item:RE-1   a1\n"
            "alpha   failed   1         interest          item:RE-2   a2   HTTP 422: invalid account\n"
            "alpha   sent     1         block             debtor:D-1  a4\n"
            "alpha   failed   1         fee               item:RE-5   a5   rejected\n"
            "beta    failed   1         dunning_document  item:B-1    b1   outbox not writable\n");
}

TEST_F(OutboxCommandTest, ListFiltersByTenantAndStatus) {
  ProcessResult r = mahnwerk({"outbox", "list", "--tenant", "alpha", "--status", "confirmed"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "TENANT  STATE      ATTEMPTS  KIND  TARGET     KEY  LAST ERROR\n"
            "alpha   confirmed  1         fee   item:RE-3  a3\n");
  r = mahnwerk({"outbox", "list", "--tenant", "beta", "--status", "pending"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "no outbox entries in state pending\n");
}

TEST_F(OutboxCommandTest, ListAsJson) {
  const ProcessResult r = mahnwerk({"outbox", "list", "--tenant", "beta", "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, R"({
    "entries": [
        {
            "tenant": "beta",
            "key": "b1",
            "kind": "dunning_document",
            "target": "item:B-1",
            "state": "failed",
            "attempts": 1,
            "last_error": "outbox not writable",
            "remote_reference": "",
            "payload": {"amount":"5.00"}
        }
    ]
}
)");
}

TEST_F(OutboxCommandTest, ListRefusesBadArguments) {
  ProcessResult r = mahnwerk({"outbox", "list", "--status", "lost"});
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_EQ(r.err, "mahnwerk: --status: unknown outbox state \"lost\" (pending, sent, confirmed, failed)\n");
  r = mahnwerk({"outbox", "list", "--tenant", "gamma"});
  EXPECT_EQ(r.exit_code, 66);
  EXPECT_NE(r.err.find("gamma"), std::string::npos) << r.err;
  r = testing::run_process(MAHNWERK_BINARY, {"outbox", "list", "--state", dir_.path() + "/nothing"});
  EXPECT_EQ(r.exit_code, 66);
  EXPECT_NE(r.err.find("no state database"), std::string::npos) << r.err;
}

TEST_F(OutboxCommandTest, RetryPutsANamedFailedEntryBackToPendingWithAnAuditEvent) {
  const ProcessResult r = mahnwerk({"outbox", "retry", "--tenant", "alpha", "a2"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out,
            "pending  interest  item:RE-2  a2\n"
            "alpha: 1 entry back to pending; the next sync sends it\n");
  const sync::OutboxEntry a2 = entry("alpha", "a2");
  EXPECT_EQ(a2.state, OutboxState::kPending);
  EXPECT_EQ(a2.attempts, 1);  // kept: the drain gives a retried entry a new round of attempts
  EXPECT_EQ(entry("alpha", "a5").state, OutboxState::kFailed);
  const auto events = audit("alpha");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "outbox_retry");
  EXPECT_EQ(events[0].actor, "user:anna");
  EXPECT_EQ(events[0].subject, "item:RE-2");
  EXPECT_EQ(events[0].data,
            R"({"key":"a2","kind":"interest","attempts":1,"last_error":"HTTP 422: invalid account"})");
}

TEST_F(OutboxCommandTest, RetryFailedTakesEveryFailedEntryOfTheTenantOnly) {
  const ProcessResult r = mahnwerk({"outbox", "retry", "--tenant", "alpha", "--failed", "--by", "ben"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "pending  interest  item:RE-2  a2\n"
            "pending  fee  item:RE-5  a5\n"
            "alpha: 2 entries back to pending; the next sync sends them\n");
  EXPECT_EQ(entry("alpha", "a2").state, OutboxState::kPending);
  EXPECT_EQ(entry("alpha", "a5").state, OutboxState::kPending);
  EXPECT_EQ(entry("beta", "b1").state, OutboxState::kFailed);
  const auto events = audit("alpha");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].actor, "user:ben");
  EXPECT_TRUE(audit("beta").empty());
}

TEST_F(OutboxCommandTest, RetryRefusesEntriesThatAreNotFailedAndChangesNothing) {
  ProcessResult r = mahnwerk({"outbox", "retry", "--tenant", "alpha", "a2", "a1"});
  EXPECT_EQ(r.exit_code, 75);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(
      r.err,
      "mahnwerk: outbox entry \"a1\" of tenant \"alpha\": only failed entries can be retried; this one is "
      "pending\n");
  EXPECT_EQ(entry("alpha", "a2").state, OutboxState::kFailed);  // all or nothing

  r = mahnwerk({"outbox", "retry", "--tenant", "alpha", "a2", "zz"});
  EXPECT_EQ(r.exit_code, 66);
  EXPECT_NE(r.err.find("\"zz\""), std::string::npos) << r.err;
  EXPECT_EQ(entry("alpha", "a2").state, OutboxState::kFailed);

  // Another tenant's key is unknown here: tenants are walled off.
  r = mahnwerk({"outbox", "retry", "--tenant", "alpha", "b1"});
  EXPECT_EQ(r.exit_code, 66);
  EXPECT_EQ(entry("beta", "b1").state, OutboxState::kFailed);
  EXPECT_TRUE(audit("alpha").empty());
}

TEST_F(OutboxCommandTest, RetryNeedsKeysOrFailed) {
  ProcessResult r = mahnwerk({"outbox", "retry", "--tenant", "alpha"});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_EQ(r.err, "mahnwerk: outbox retry: name the entries (KEY...) or give --failed\n");
  r = mahnwerk({"outbox", "retry", "--tenant", "alpha", "--failed", "a2"});
  EXPECT_EQ(r.exit_code, 64);
  r = mahnwerk({"outbox", "retry", "a2"});
  EXPECT_EQ(r.exit_code, 64);
}

}  // namespace
}  // namespace mahnwerk::cli
