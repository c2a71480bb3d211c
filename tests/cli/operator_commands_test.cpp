// The operator commands against real state files: `audit verify` on intact chains and on a
// SQLite file tampered with through the raw sqlite3 API (the append-only triggers dropped first,
// as an attacker with file access would), and `history` for an item and for a debtor.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "connector/core/date.h"
#include "connector/store/sqlite_store.h"
#include "connector/sync/outbox_key.h"
#include "tests/cli/process.h"

namespace mahnwerk {
namespace {

using testing::run_mahnwerk;
using testing::TempDir;

core::Money eur(std::int64_t cents) { return core::Money(cents, core::Currency::eur()); }

core::OpenItem item(std::string id, std::string debtor) {
  core::OpenItem i;
  i.id = id;
  i.number = "RE-" + id;
  i.debtor = std::move(debtor);
  i.invoice_date = core::make_date(2025, 5, 1);
  i.due_date = core::make_date(2025, 5, 15);
  i.amount = eur(119000);
  i.open_amount = eur(119000);
  return i;
}

sync::AuditDraft draft(std::string kind, std::string subject, std::string data = "{}") {
  return sync::AuditDraft{"2025-06-30T06:00:00Z", "sync", std::move(kind), std::move(subject),
                          std::move(data)};
}

// A state directory with tenants acme and beta: records and an audit trail for each.
class OperatorCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::open_sqlite_store(db());
    ASSERT_TRUE(store.ok()) << store.error().to_string();
    auto tx = (*store)->begin();
    ASSERT_TRUE(tx.ok());
    auto& t = **tx;
    for (const char* id : {"acme", "beta"}) ASSERT_TRUE(t.upsert_tenant({id, id}).ok());
    core::Debtor d7{"D-7", "Kunde Sieben", core::DebtorKind::kBusiness, "", "de", {}, {}, {}, false, {}};
    ASSERT_TRUE(t.upsert_debtor("acme", d7).ok());
    core::Debtor d9 = d7;
    d9.id = "D-9";
    ASSERT_TRUE(t.upsert_debtor("acme", d9).ok());
    ASSERT_TRUE(t.upsert_item("acme", item("1", "D-7")).ok());
    ASSERT_TRUE(t.upsert_item("acme", item("2", "D-7")).ok());
    ASSERT_TRUE(t.upsert_item("acme", item("3", "D-9")).ok());
    const sync::AuditDraft acme_events[] = {
        draft("pulled", "item:1"),
        draft("pulled", "item:2"),
        draft("pulled", "item:3"),
        draft("overdue", "item:1", R"({"days":46})"),
        draft("notice_sent", "debtor:D-7", R"({"level":1})"),
        draft("fee_charged", "item:1", R"({"amount":"5.00"})"),
        draft("pushed", "item:1"),
        draft("confirmed", "item:1"),
    };
    for (const auto& e : acme_events) ASSERT_TRUE(t.append_audit("acme", e).ok());
    ASSERT_TRUE(t.append_audit("beta", draft("pulled", "item:1")).ok());
    ASSERT_TRUE(t.append_audit("beta", draft("fee_charged", "item:1", R"({"amount":"9.99"})")).ok());
    ASSERT_TRUE(t.commit().ok());
  }

  std::string db() const { return dir_.file("mahnwerk.db"); }

  // What someone with write access to the file could do, bypassing the store.
  void tamper(const char* sql) {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db().c_str(), &raw), SQLITE_OK);
    char* message = nullptr;
    const std::string all =
        std::string("DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete; ") + sql;
    const int rc = sqlite3_exec(raw, all.c_str(), nullptr, nullptr, &message);
    EXPECT_EQ(rc, SQLITE_OK) << (message ? message : "");
    sqlite3_free(message);
    sqlite3_close(raw);
  }

  TempDir dir_;
};

TEST_F(OperatorCommands, AuditVerifyIntactChainsExitZero) {
  const auto r = run_mahnwerk({"audit", "verify", "--state", dir_.path()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("acme: 8 events, chain intact, head "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("beta: 2 events, chain intact"), std::string::npos) << r.out;
  EXPECT_EQ(r.err, "");
}

TEST_F(OperatorCommands, AuditVerifyNamesTenantSequenceAndReasonOfAChangedEvent) {
  tamper("UPDATE audit_events SET data = '{\"amount\":\"50.00\"}' WHERE tenant = 'acme' AND sequence = 6;");
  const auto r = run_mahnwerk({"audit", "verify", "--all", "--state", dir_.path()});
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_NE(
      r.err.find("audit chain of tenant \"acme\" is broken at sequence 6: hash does not match the event's "
                 "content (event changed)"),
      std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("acme: BROKEN at sequence 6 of 8 events"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("beta: 2 events, chain intact"), std::string::npos) << r.out;
  // Only beta asked for: intact.
  const auto beta = run_mahnwerk({"audit", "verify", "--tenant", "beta", "--state", dir_.path()});
  EXPECT_EQ(beta.exit_code, 0) << beta.err;
}

TEST_F(OperatorCommands, AuditVerifyDetectsARemovedEvent) {
  tamper("DELETE FROM audit_events WHERE tenant = 'acme' AND sequence = 3;");
  const auto r = run_mahnwerk({"audit", "verify", "--tenant", "acme", "--json", "--state", dir_.path()});
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_NE(r.out.find("\"broken_at\": 3"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("event removed, inserted or reordered"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"ok\": false"), std::string::npos) << r.out;
}

TEST_F(OperatorCommands, AuditVerifyDetectsReorderedEvents) {
  // Swap the contents of events 4 and 5, keeping each row's sequence.
  tamper(
      "UPDATE audit_events SET sequence = 100 WHERE tenant = 'acme' AND sequence = 4;"
      "UPDATE audit_events SET sequence = 4 WHERE tenant = 'acme' AND sequence = 5;"
      "UPDATE audit_events SET sequence = 5 WHERE tenant = 'acme' AND sequence = 100;");
  const auto r = run_mahnwerk({"audit", "verify", "--state", dir_.path()});
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_NE(r.err.find("broken at sequence 4"), std::string::npos) << r.err;
}

TEST_F(OperatorCommands, AuditVerifyWithTheRecordedHeadCatchesACutOffEnd) {
  const auto before = run_mahnwerk({"audit", "verify", "--tenant", "acme", "--json", "--state", dir_.path()});
  const auto at = before.out.find("\"head\": \"");
  ASSERT_NE(at, std::string::npos);
  const std::string head = before.out.substr(at + 9, 64);
  tamper("DELETE FROM audit_events WHERE tenant = 'acme' AND sequence = 8;");
  // Without the head the shortened chain verifies; with it, it does not.
  EXPECT_EQ(run_mahnwerk({"audit", "verify", "--tenant", "acme", "--state", dir_.path()}).exit_code, 0);
  const auto r =
      run_mahnwerk({"audit", "verify", "--tenant", "acme", "--head", head, "--state", dir_.path()});
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_NE(r.err.find("expected head hash"), std::string::npos) << r.err;
}

TEST_F(OperatorCommands, AuditVerifyUnknownTenantAndMissingState) {
  const auto unknown = run_mahnwerk({"audit", "verify", "--tenant", "gamma", "--state", dir_.path()});
  EXPECT_EQ(unknown.exit_code, 66) << unknown.err;
  TempDir empty;
  const auto missing = run_mahnwerk({"audit", "verify", "--state", empty.path()});
  EXPECT_EQ(missing.exit_code, 66);
  EXPECT_NE(missing.err.find("no state database"), std::string::npos) << missing.err;
}

TEST_F(OperatorCommands, HistoryOfAnItemInSequenceOrder) {
  const auto r = run_mahnwerk({"history", "--tenant", "acme", "--item", "1", "--state", dir_.path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("History of item 1 (tenant acme): 5 event(s)"), std::string::npos) << r.out;
  std::size_t at = 0;
  for (const char* kind : {"pulled", "overdue", "fee_charged", "pushed", "confirmed"}) {
    const std::size_t next = r.out.find(kind, at);
    ASSERT_NE(next, std::string::npos) << kind << " missing or out of order:\n" << r.out;
    at = next;
  }
  EXPECT_EQ(r.out.find("item:3"), std::string::npos);
  // The other tenant's item 1 (fee 9.99) never shows.
  EXPECT_EQ(r.out.find("9.99"), std::string::npos);
}

TEST_F(OperatorCommands, HistoryOfADebtorIncludesItsItems) {
  const auto r =
      run_mahnwerk({"history", "--tenant", "acme", "--debtor", "D-7", "--json", "--state", dir_.path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"kind\": \"notice_sent\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"subject\": \"item:2\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"subject\": \"item:3\""), std::string::npos) << r.out;  // debtor D-9's
  // The event's data is embedded as JSON, not as a string.
  EXPECT_NE(r.out.find("\"data\": {\"amount\":\"5.00\"}"), std::string::npos) << r.out;
}

TEST_F(OperatorCommands, HistoryOfAnUnknownItemIsNotFound) {
  const auto r = run_mahnwerk({"history", "--tenant", "acme", "--item", "nope", "--state", dir_.path()});
  EXPECT_EQ(r.exit_code, 66);
  EXPECT_NE(r.err.find("no such item nope"), std::string::npos) << r.err;
  const auto usage = run_mahnwerk({"history", "--tenant", "acme", "--state", dir_.path()});
  EXPECT_EQ(usage.exit_code, 64);
}

TEST_F(OperatorCommands, PlanCreateListCancelPersistWithAuditAndWriteBack) {
  const std::string state = dir_.path();
  const auto created =
      run_mahnwerk({"plan", "create", "--tenant", "acme", "--debtor", "D-7", "--installments", "4", "--first",
                    "2025-07-15", "--as-of", "2025-06-30", "--by", "anna", "--state", state});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_NE(created.out.find("Stored plan D-7-20250630 for tenant acme (audit event 9, write-back queued)."),
            std::string::npos)
      << created.out;
  // Agreed again: the items are covered by the active plan now.
  const auto again =
      run_mahnwerk({"plan", "create", "--tenant", "acme", "--debtor", "D-7", "--installments", "2", "--first",
                    "2025-07-15", "--as-of", "2025-06-30", "--id", "other", "--state", state});
  EXPECT_EQ(again.exit_code, 65) << again.err;

  const auto listed = run_mahnwerk({"plan", "list", "--tenant", "acme", "--state", state});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("D-7-20250630"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("active"), std::string::npos) << listed.out;
  EXPECT_EQ(run_mahnwerk({"plan", "list", "--tenant", "beta", "--state", state}).out,
            "No payment plans for tenant beta.\n");

  const auto cancelled = run_mahnwerk({"plan", "cancel", "--tenant", "acme", "--id", "D-7-20250630",
                                       "--reason", "debtor asked", "--state", state});
  ASSERT_EQ(cancelled.exit_code, 0) << cancelled.err;
  const auto twice =
      run_mahnwerk({"plan", "cancel", "--tenant", "acme", "--id", "D-7-20250630", "--state", state});
  EXPECT_EQ(twice.exit_code, 75);
  EXPECT_NE(twice.err.find("is cancelled, not active"), std::string::npos) << twice.err;
  const auto json = run_mahnwerk({"plan", "list", "--tenant", "acme", "--json", "--state", state});
  EXPECT_NE(json.out.find("\"status\": \"cancelled\""), std::string::npos) << json.out;

  // One plan_status write-back per status, each with a stable key; events agreed and cancelled.
  auto store = store::open_sqlite_store(db());
  ASSERT_TRUE(store.ok());
  auto tx = (*store)->begin(sync::Access::kReadOnly);
  auto outbox = (*tx)->list_outbox("acme", sync::OutboxState::kPending);
  ASSERT_TRUE(outbox.ok());
  ASSERT_EQ(outbox->size(), 2u);
  EXPECT_EQ((*outbox)[0].kind, "plan_status");
  EXPECT_EQ((*outbox)[0].target, "plan:D-7-20250630");
  EXPECT_EQ((*outbox)[0].idempotency_key,
            sync::outbox_key("acme", "plan_status", "plan:D-7-20250630", "active"));
  EXPECT_NE((*outbox)[1].payload.find("\"reason\":\"debtor asked\""), std::string::npos);
  EXPECT_TRUE((*tx)->list_outbox("beta", sync::OutboxState::kPending)->empty());
  auto events = (*tx)->list_audit_by_subject("acme", "plan:D-7-20250630");
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].kind, "plan_agreed");
  EXPECT_EQ((*events)[0].actor, "user:anna");
  EXPECT_EQ((*events)[1].kind, "plan_cancelled");
  // The item's history shows its plan.
  const auto history = run_mahnwerk({"history", "--tenant", "acme", "--item", "2", "--state", state});
  EXPECT_NE(history.out.find("plan_agreed"), std::string::npos) << history.out;
  EXPECT_NE(history.out.find("plan_cancelled"), std::string::npos) << history.out;
  EXPECT_EQ(run_mahnwerk({"audit", "verify", "--state", state}).exit_code, 0);
}

TEST_F(OperatorCommands, StatusShowsPullsRunsApprovalsOutboxAndOpenTotals) {
  {
    auto store = store::open_sqlite_store(db());
    ASSERT_TRUE(store.ok());
    auto tx = (*store)->begin();
    const auto t0 = std::chrono::sys_seconds(std::chrono::sys_days(std::chrono::year(2025) / 6 / 30)) +
                    std::chrono::hours(6);
    ASSERT_TRUE((*tx)->record_pull("acme", {t0, true, "12 records"}).ok());
    ASSERT_TRUE((*tx)->record_pull("acme", {t0 + std::chrono::hours(24), false, "inbox missing"}).ok());
    ASSERT_TRUE((*tx)->record_run("acme", {t0 + std::chrono::hours(24), "failed", "pull failed"}).ok());
    sync::OutboxEntry e;
    e.tenant = "acme";
    e.kind = "fee";
    e.target = "item:1";
    e.idempotency_key = sync::outbox_key("acme", "fee", "item:1", "1");
    e.payload = "{}";
    ASSERT_TRUE((*tx)->insert_outbox_if_absent(e).ok());
    ASSERT_TRUE(
        (*tx)
            ->update_outbox("acme", e.idempotency_key, {sync::OutboxState::kFailed, true, "HTTP 400", ""})
            .ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  const auto r = run_mahnwerk({"status", "--state", dir_.path()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "acme (acme)\n"
            "  last pull          2025-07-01T06:00:00Z FAILED (inbox missing)\n"
            "  last good pull     2025-06-30T06:00:00Z ok (12 records)\n"
            "  last run           2025-07-01T06:00:00Z failed (pull failed)\n"
            "  pending approvals  0\n"
            "  outbox             0 pending, 1 failed\n"
            "  open               3570.00 EUR in 3 item(s)\n"
            "beta (beta)\n"
            "  last pull          never\n"
            "  last run           never\n"
            "  pending approvals  0\n"
            "  outbox             0 pending, 0 failed\n"
            "  open               none\n");
  const auto json = run_mahnwerk({"status", "--tenant", "beta", "--json", "--state", dir_.path()});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.out.find("\"last_pull\": null"), std::string::npos) << json.out;
  EXPECT_EQ(json.out.find("acme"), std::string::npos) << json.out;
}

}  // namespace
}  // namespace mahnwerk
