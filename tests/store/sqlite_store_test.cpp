// The SQLite store: round trips, tenant walls, the unique charge, outbox, audit, cursors,
// leases, migrations, and damaged or foreign files — all in temporary folders.
#include "connector/store/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "adapters/jsonfile/state_json.h"
#include "connector/core/date.h"
#include "connector/store/sqlite_schema.h"
#include "tests/support/temp_dir.h"

namespace mahnwerk::store {
namespace {

using testing::TempDir;

using core::ErrorKind;
using core::make_date;
using core::Money;
using std::chrono::seconds;
using std::chrono::sys_seconds;

Money eur(std::int64_t cents) { return Money(cents, core::Currency::eur()); }
Money chf(std::int64_t cents) { return Money(cents, *core::Currency::from_code("CHF")); }

// A state that uses every field, every optional set and unset, and two currencies.
core::State full_state(std::string_view tag) {
  const std::string t(tag);
  core::State s;
  s.creditor = {"Holzwerk " + t,
                {"Sägewerkstraße 12", "79098", "Freiburg", "DE"},
                "buchhaltung@holzwerk.de",
                "+49 761 1234",
                "DE02120300000000202051",
                "BYLADEM1001",
                "DKB",
                "DE123456789"};
  core::Debtor d1{"D-" + t + "-1",
                  "Müller GmbH",
                  core::DebtorKind::kBusiness,
                  "ap@mueller.de",
                  "de",
                  {"Hauptstr. 1", "10115", "Berlin", "DE"},
                  std::nullopt,
                  "",
                  false,
                  1250};  // an agreed 12.50 % p.a. (§ 288 III BGB)
  core::Debtor d2{"D-" + t + "-2",
                  "Jane Roe",
                  core::DebtorKind::kConsumer,
                  "jane@example.org",
                  "en",
                  {"1 High St", "8001", "Zürich", "CH"},
                  make_date(2025, 7, 31),
                  "Kulanz bis Monatsende",
                  true,
                  std::nullopt};
  s.debtors = {d1, d2};
  core::OpenItem i1;
  i1.id = "RE-" + t + "-1";
  i1.number = "2025-0101";
  i1.debtor = d1.id;
  i1.invoice_date = make_date(2025, 4, 1);
  i1.due_date = make_date(2025, 4, 15);
  i1.due_date_agreed = true;
  i1.received_date = make_date(2025, 4, 2);
  i1.contract_date = make_date(2013, 5, 1);
  i1.amount = eur(119000);
  i1.open_amount = eur(59500);
  i1.consumer_notice = false;
  i1.disputed = true;
  i1.block_until = make_date(2025, 8, 1);
  i1.source_version = "v7";
  i1.interest_blocked = true;  // Zinssperre
  core::OpenItem i2;
  i2.id = "RE-" + t + "-2";
  i2.number = "2025-0102";
  i2.debtor = d2.id;
  i2.invoice_date = make_date(2025, 5, 2);
  i2.amount = chf(-2500);
  i2.open_amount = chf(-2500);
  i2.consumer_notice = true;
  s.items = {i1, i2};
  s.payments = {{i1.id, "", make_date(2025, 5, 3), eur(59500), "RE 2025-0101 Teilzahlung"},
                {"", d2.id, make_date(2025, 5, 4), chf(1000), ""},
                {"", d2.id, make_date(2025, 5, 4), chf(1000), ""}};  // identical twin stays distinct
  s.notices = {{i1.id, 0, make_date(2025, 4, 20), std::nullopt},
               {i1.id, 1, make_date(2025, 5, 10), make_date(2025, 5, 12)}};
  s.charges = {{i1.id, core::ChargeKind::kFee, 1, eur(500), make_date(2025, 5, 10)},
               {i1.id, core::ChargeKind::kFlatFee, 1, eur(4000), make_date(2025, 5, 10)},
               {i1.id, core::ChargeKind::kInterest, 1, eur(1234), make_date(2025, 5, 10)}};
  core::PaymentPlan plan;
  plan.id = "P-" + t;
  plan.debtor = d1.id;
  plan.items = {i1.id, "RE-elsewhere"};
  plan.agreed_on = make_date(2025, 5, 20);
  plan.principal = eur(59500);
  plan.costs = eur(4500);
  plan.interest = eur(1234);
  plan.plan_interest_bp = 300;
  plan.plan_interest = eur(400);
  plan.total = eur(65634);
  plan.interval = core::PlanInterval::kBiweekly;
  plan.installments = {{make_date(2025, 6, 2), eur(32817), eur(32817)},
                       {make_date(2025, 6, 16), eur(32817), eur(0)}};
  plan.default_after_missed = 3;
  plan.grace_days = 10;
  plan.final_notice_date = make_date(2025, 7, 1);
  plan.status = core::PlanStatus::kDefaulted;
  core::PaymentPlan plan2 = plan;
  plan2.id = "P-" + t + "-empty";
  plan2.items.clear();
  plan2.installments.clear();
  plan2.final_notice_date.reset();
  plan2.interval = core::PlanInterval::kWeekly;
  plan2.status = core::PlanStatus::kCancelled;
  s.plans = {plan, plan2};
  return s;
}

void expect_same(const core::Address& a, const core::Address& b) {
  EXPECT_EQ(a.street, b.street);
  EXPECT_EQ(a.zip, b.zip);
  EXPECT_EQ(a.city, b.city);
  EXPECT_EQ(a.country, b.country);
}

// Field by field, so a failure names the field.
void expect_same(const core::State& a, const core::State& b) {
  EXPECT_EQ(a.creditor.name, b.creditor.name);
  expect_same(a.creditor.address, b.creditor.address);
  EXPECT_EQ(a.creditor.email, b.creditor.email);
  EXPECT_EQ(a.creditor.phone, b.creditor.phone);
  EXPECT_EQ(a.creditor.iban, b.creditor.iban);
  EXPECT_EQ(a.creditor.bic, b.creditor.bic);
  EXPECT_EQ(a.creditor.bank, b.creditor.bank);
  EXPECT_EQ(a.creditor.vat_id, b.creditor.vat_id);
  ASSERT_EQ(a.debtors.size(), b.debtors.size());
  for (std::size_t i = 0; i < a.debtors.size(); ++i) {
    SCOPED_TRACE("debtor " + a.debtors[i].id);
    const auto &x = a.debtors[i], &y = b.debtors[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.kind, y.kind);
    EXPECT_EQ(x.email, y.email);
    EXPECT_EQ(x.language, y.language);
    expect_same(x.address, y.address);
    EXPECT_EQ(x.block_until, y.block_until);
    EXPECT_EQ(x.block_reason, y.block_reason);
    EXPECT_EQ(x.insolvent, y.insolvent);
    EXPECT_EQ(x.agreed_interest_bp, y.agreed_interest_bp);
  }
  ASSERT_EQ(a.items.size(), b.items.size());
  for (std::size_t i = 0; i < a.items.size(); ++i) {
    SCOPED_TRACE("item " + a.items[i].id);
    const auto &x = a.items[i], &y = b.items[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.number, y.number);
    EXPECT_EQ(x.debtor, y.debtor);
    EXPECT_EQ(x.invoice_date, y.invoice_date);
    EXPECT_EQ(x.due_date, y.due_date);
    EXPECT_EQ(x.due_date_agreed, y.due_date_agreed);
    EXPECT_EQ(x.received_date, y.received_date);
    EXPECT_EQ(x.contract_date, y.contract_date);
    EXPECT_EQ(x.amount, y.amount);
    EXPECT_EQ(x.open_amount, y.open_amount);
    EXPECT_EQ(x.consumer_notice, y.consumer_notice);
    EXPECT_EQ(x.disputed, y.disputed);
    EXPECT_EQ(x.block_until, y.block_until);
    EXPECT_EQ(x.source_version, y.source_version);
    EXPECT_EQ(x.interest_blocked, y.interest_blocked);
  }
  ASSERT_EQ(a.payments.size(), b.payments.size());
  for (std::size_t i = 0; i < a.payments.size(); ++i) {
    const auto &x = a.payments[i], &y = b.payments[i];
    EXPECT_EQ(x.item, y.item);
    EXPECT_EQ(x.debtor, y.debtor);
    EXPECT_EQ(x.date, y.date);
    EXPECT_EQ(x.amount, y.amount);
    EXPECT_EQ(x.reference, y.reference);
  }
  ASSERT_EQ(a.notices.size(), b.notices.size());
  for (std::size_t i = 0; i < a.notices.size(); ++i) {
    EXPECT_EQ(a.notices[i].item, b.notices[i].item);
    EXPECT_EQ(a.notices[i].level, b.notices[i].level);
    EXPECT_EQ(a.notices[i].date, b.notices[i].date);
    EXPECT_EQ(a.notices[i].received_date, b.notices[i].received_date);
  }
  ASSERT_EQ(a.charges.size(), b.charges.size());
  for (std::size_t i = 0; i < a.charges.size(); ++i) {
    EXPECT_EQ(a.charges[i].item, b.charges[i].item);
    EXPECT_EQ(a.charges[i].kind, b.charges[i].kind);
    EXPECT_EQ(a.charges[i].level, b.charges[i].level);
    EXPECT_EQ(a.charges[i].amount, b.charges[i].amount);
    EXPECT_EQ(a.charges[i].date, b.charges[i].date);
  }
  ASSERT_EQ(a.plans.size(), b.plans.size());
  for (std::size_t i = 0; i < a.plans.size(); ++i) {
    SCOPED_TRACE("plan " + a.plans[i].id);
    const auto &x = a.plans[i], &y = b.plans[i];
    EXPECT_EQ(x.id, y.id);
    EXPECT_EQ(x.debtor, y.debtor);
    EXPECT_EQ(x.items, y.items);
    EXPECT_EQ(x.agreed_on, y.agreed_on);
    EXPECT_EQ(x.principal, y.principal);
    EXPECT_EQ(x.costs, y.costs);
    EXPECT_EQ(x.interest, y.interest);
    EXPECT_EQ(x.plan_interest_bp, y.plan_interest_bp);
    EXPECT_EQ(x.plan_interest, y.plan_interest);
    EXPECT_EQ(x.total, y.total);
    EXPECT_EQ(x.interval, y.interval);
    ASSERT_EQ(x.installments.size(), y.installments.size());
    for (std::size_t k = 0; k < x.installments.size(); ++k) {
      EXPECT_EQ(x.installments[k].due, y.installments[k].due);
      EXPECT_EQ(x.installments[k].amount, y.installments[k].amount);
      EXPECT_EQ(x.installments[k].paid, y.installments[k].paid);
    }
    EXPECT_EQ(x.default_after_missed, y.default_after_missed);
    EXPECT_EQ(x.grace_days, y.grace_days);
    EXPECT_EQ(x.final_notice_date, y.final_notice_date);
    EXPECT_EQ(x.status, y.status);
  }
}

std::unique_ptr<SqliteStore> open_or_die(const std::string& path, SqliteOptions options = {}) {
  auto store = open_sqlite_store(path, options);
  if (!store) throw std::runtime_error(store.error().to_string());
  return std::move(store).value();
}

std::unique_ptr<sync::Transaction> begin_or_die(sync::Store& store,
                                                sync::Access access = sync::Access::kReadWrite) {
  auto tx = store.begin(access);
  if (!tx) throw std::runtime_error(tx.error().to_string());
  return std::move(tx).value();
}

// Runs one transaction: body(tx), then commit.
template <typename Body>
void in_transaction(sync::Store& store, Body body) {
  auto tx = begin_or_die(store);
  body(*tx);
  ASSERT_TRUE(tx->commit().ok());
}

void add_tenant(sync::Store& store, const std::string& id) {
  in_transaction(store, [&](sync::Transaction& tx) {
    ASSERT_TRUE(tx.upsert_tenant({id, "Mandant " + id}).ok());
  });
}

core::State load(sync::Store& store, std::string_view tenant) {
  auto tx = begin_or_die(store, sync::Access::kReadOnly);
  auto state = tx->load_state(tenant);
  if (!state) throw std::runtime_error(state.error().to_string());
  return std::move(state).value();
}

sync::OutboxEntry outbox_entry(const std::string& tenant, const std::string& key) {
  sync::OutboxEntry e;
  e.tenant = tenant;
  e.kind = "fee";
  e.target = "item:RE-1";
  e.idempotency_key = key;
  e.payload = R"({"amount":"5.00"})";
  return e;
}

sync::AuditDraft audit_draft(int n) {
  return {"2025-06-30T06:00:0" + std::to_string(n) + "Z", "sync", "fee_charged", "item:RE-1",
          R"({"n":)" + std::to_string(n) + "}"};
}

// Runs SQL on the file directly, past the store (as another tool, or an attacker, would).
void raw_sql(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  const std::string text = message != nullptr ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << text;
}

int raw_sql_code(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return rc;
}

// --- round trips

TEST(SqliteStore, RoundTripsAWholeStateFieldByField) {
  TempDir dir{"mahnwerk_store_test"};
  for (const std::string& path : {std::string(kInMemory), dir.file("state.db")}) {
    SCOPED_TRACE(path);
    auto store = open_or_die(path);
    add_tenant(*store, "holzwerk");
    const core::State state = full_state("a");
    in_transaction(*store,
                   [&](sync::Transaction& tx) { ASSERT_TRUE(tx.upsert_state("holzwerk", state).ok()); });
    expect_same(state, load(*store, "holzwerk"));
  }
  // And after closing and opening the file again.
  auto reopened = open_or_die(dir.file("state.db"));
  expect_same(full_state("a"), load(*reopened, "holzwerk"));
}

TEST(SqliteStore, RoundTripsTheExampleMandant) {
  const char* source = std::getenv("MAHNWERK_SOURCE_DIR");
  ASSERT_NE(source, nullptr);
  auto state = jsonfile::load_state(std::string(source) + "/config/examples/mandant.json");
  ASSERT_TRUE(state.ok()) << state.error().to_string();
  auto store = open_or_die(std::string(kInMemory));
  add_tenant(*store, "berger");
  in_transaction(*store, [&](sync::Transaction& tx) { ASSERT_TRUE(tx.upsert_state("berger", *state).ok()); });
  expect_same(*state, load(*store, "berger"));
  // Storing the same state again changes nothing and duplicates nothing.
  in_transaction(*store, [&](sync::Transaction& tx) { ASSERT_TRUE(tx.upsert_state("berger", *state).ok()); });
  expect_same(*state, load(*store, "berger"));
}

TEST(SqliteStore, UpsertUpdatesByIdAndReportsUnchanged) {
  auto store = open_or_die(std::string(kInMemory));
  add_tenant(*store, "t");
  core::State state = full_state("a");
  in_transaction(*store, [&](sync::Transaction& tx) { ASSERT_TRUE(tx.upsert_state("t", state).ok()); });
  in_transaction(*store, [&](sync::Transaction& tx) {
    EXPECT_EQ(*tx.upsert_item("t", state.items[0]), sync::Upsert::kUnchanged);
    EXPECT_EQ(*tx.upsert_debtor("t", state.debtors[0]), sync::Upsert::kUnchanged);
    EXPECT_EQ(*tx.upsert_plan("t", state.plans[0]), sync::Upsert::kUnchanged);
    state.items[0].open_amount = eur(0);
    state.items[0].source_version = "v8";
    state.items[0].due_date.reset();
    state.debtors[0].name = "Müller & Söhne GmbH";
    state.plans[0].installments[1].paid = eur(100);
    state.plans[1].items = {"RE-x"};
    EXPECT_EQ(*tx.upsert_item("t", state.items[0]), sync::Upsert::kWritten);
    EXPECT_EQ(*tx.upsert_debtor("t", state.debtors[0]), sync::Upsert::kWritten);
    EXPECT_EQ(*tx.upsert_plan("t", state.plans[0]), sync::Upsert::kWritten);
    EXPECT_EQ(*tx.upsert_plan("t", state.plans[1]), sync::Upsert::kWritten);
  });
  const core::State loaded = load(*store, "t");
  expect_same(state, loaded);  // updated in place: same order, no second row
}

TEST(SqliteStore, AgreedRateAndZinssperreAloneAreChanges) {
  auto store = open_or_die(std::string(kInMemory));
  add_tenant(*store, "t");
  core::State state = full_state("a");
  in_transaction(*store, [&](sync::Transaction& tx) { ASSERT_TRUE(tx.upsert_state("t", state).ok()); });
  in_transaction(*store, [&](sync::Transaction& tx) {
    state.debtors[0].agreed_interest_bp.reset();  // 12.50 % -> none agreed
    state.debtors[1].agreed_interest_bp = 900;    // none -> 9.00 %
    state.items[0].interest_blocked = false;      // Zinssperre lifted
    state.items[1].interest_blocked = true;
    EXPECT_EQ(*tx.upsert_debtor("t", state.debtors[0]), sync::Upsert::kWritten);
    EXPECT_EQ(*tx.upsert_debtor("t", state.debtors[1]), sync::Upsert::kWritten);
    EXPECT_EQ(*tx.upsert_item("t", state.items[0]), sync::Upsert::kWritten);
    EXPECT_EQ(*tx.upsert_item("t", state.items[1]), sync::Upsert::kWritten);
    EXPECT_EQ(*tx.upsert_debtor("t", state.debtors[1]), sync::Upsert::kUnchanged);
    EXPECT_EQ(*tx.upsert_item("t", state.items[1]), sync::Upsert::kUnchanged);
  });
  const core::State loaded = load(*store, "t");
  EXPECT_EQ(loaded.debtors[0].agreed_interest_bp, std::nullopt);
  EXPECT_EQ(loaded.debtors[1].agreed_interest_bp, 900);
  EXPECT_FALSE(loaded.items[0].interest_blocked);
  EXPECT_TRUE(loaded.items[1].interest_blocked);
}

TEST(SqliteStore, DebtorSettingsArePerTenantAndRemovedWhenEmpty) {
  auto store = open_or_die(std::string(kInMemory));
  add_tenant(*store, "a");
  add_tenant(*store, "b");
  in_transaction(*store, [&](sync::Transaction& tx) {
    EXPECT_EQ(*tx.put_debtor_settings("a", "10200", "fee=own;fee2=0.50 EUR"), sync::Upsert::kWritten);
    EXPECT_EQ(*tx.put_debtor_settings("a", "10100", "mahnung=9"), sync::Upsert::kWritten);
    EXPECT_EQ(*tx.put_debtor_settings("a", "10200", "fee=own;fee2=0.50 EUR"), sync::Upsert::kUnchanged);
    EXPECT_EQ(*tx.put_debtor_settings("b", "10200", "fee=none"), sync::Upsert::kWritten);
    EXPECT_EQ(*tx.put_debtor_settings("a", "10300", ""), sync::Upsert::kUnchanged);  // none to remove
    EXPECT_EQ(tx.put_debtor_settings("a", "", "fee=none").error().kind, ErrorKind::kInvalidInput);
    EXPECT_EQ(tx.put_debtor_settings("nobody", "10200", "fee=none").error().kind, ErrorKind::kNotFound);
  });
  auto read = [&](std::string_view tenant) {
    auto tx = begin_or_die(*store, sync::Access::kReadOnly);
    return tx->load_debtor_settings(tenant).value();
  };
  auto a = read("a");
  ASSERT_EQ(a.size(), 2u);  // by debtor id
  EXPECT_EQ(a[0].debtor, "10100");
  EXPECT_EQ(a[0].settings, "mahnung=9");
  EXPECT_EQ(a[1].settings, "fee=own;fee2=0.50 EUR");
  ASSERT_EQ(read("b").size(), 1u);
  EXPECT_EQ(read("b")[0].settings, "fee=none");
  in_transaction(*store, [&](sync::Transaction& tx) {
    EXPECT_EQ(*tx.put_debtor_settings("a", "10100", ""), sync::Upsert::kWritten);
  });
  ASSERT_EQ(read("a").size(), 1u);
  EXPECT_EQ(read("a")[0].debtor, "10200");
}

TEST(SqliteStore, BadRecordsAreInvalidInput) {
  auto store = open_or_die(std::string(kInMemory));
  add_tenant(*store, "t");
  auto tx = begin_or_die(*store);
  core::OpenItem mixed = full_state("a").items[0];
  mixed.open_amount = chf(100);
  EXPECT_EQ(tx->upsert_item("t", mixed).error().kind, ErrorKind::kInvalidInput);
  core::OpenItem no_id = full_state("a").items[0];
  no_id.id.clear();
  EXPECT_EQ(tx->upsert_item("t", no_id).error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(tx->insert_notice("t", {"RE-1", -1, make_date(2025, 1, 1), std::nullopt}).error().kind,
            ErrorKind::kInvalidInput);
  EXPECT_EQ(tx->upsert_tenant({"", "nameless"}).error().kind, ErrorKind::kInvalidInput);
  core::Debtor negative_rate = full_state("a").debtors[0];
  negative_rate.agreed_interest_bp = -100;
  EXPECT_EQ(tx->upsert_debtor("t", negative_rate).error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(tx->upsert_item("nobody", full_state("a").items[0]).error().kind, ErrorKind::kNotFound);
}

// --- tenant walls

TEST(SqliteStore, TenantsAreIsolated) {
  auto store = open_or_die(std::string(kInMemory));
  add_tenant(*store, "a");
  add_tenant(*store, "b");
  in_transaction(*store, [&](sync::Transaction& tx) {
    ASSERT_TRUE(tx.upsert_state("a", full_state("same")).ok());
    ASSERT_TRUE(tx.insert_outbox_if_absent(outbox_entry("a", "a/fee/RE-1/1")).ok());
    ASSERT_TRUE(tx.append_audit("a", audit_draft(1)).ok());
    ASSERT_TRUE(tx.set_cursor("a", "items", "cursor-a").ok());
    ASSERT_TRUE(tx.acquire_lease("a", "worker-1", sys_seconds{seconds{1000}}, seconds{60}).ok());
  });
  auto tx = begin_or_die(*store);
  const core::State b = *tx->load_state("b");
  EXPECT_TRUE(b.debtors.empty() && b.items.empty() && b.payments.empty() && b.notices.empty() &&
              b.charges.empty() && b.plans.empty());
  EXPECT_EQ(b.creditor.name, "");
  EXPECT_TRUE(tx->list_outbox("b", sync::OutboxState::kPending)->empty());
  EXPECT_EQ(tx->get_outbox("b", "a/fee/RE-1/1").error().kind, ErrorKind::kNotFound);
  EXPECT_TRUE(tx->list_audit("b")->empty());
  EXPECT_TRUE(tx->list_audit_by_subject("b", "item:RE-1")->empty());
  EXPECT_FALSE(tx->get_cursor("b", "items")->has_value());
  EXPECT_FALSE(tx->get_lease("b")->has_value());
  // B's own records with the same ids live beside A's, not over them.
  ASSERT_TRUE(tx->upsert_state("b", full_state("same")).ok());
  EXPECT_EQ(tx->load_state("a")->items.size(), 2u);
  EXPECT_EQ(tx->load_state("b")->items.size(), 2u);
  // B cannot take, confirm or even learn about A's outbox entry through the shared key.
  auto stolen = tx->insert_outbox_if_absent(outbox_entry("b", "a/fee/RE-1/1"));
  ASSERT_FALSE(stolen.ok());
  EXPECT_EQ(stolen.error().kind, ErrorKind::kConflict);
  EXPECT_EQ(stolen.error().message.find("fee"), std::string::npos);
  EXPECT_EQ(tx->update_outbox("b", "a/fee/RE-1/1", {sync::OutboxState::kSent, false, "", ""}).error().kind,
            ErrorKind::kNotFound);
  EXPECT_EQ(tx->get_outbox("a", "a/fee/RE-1/1")->state, sync::OutboxState::kPending);
  // B's audit chain starts at 1 of its own.
  auto first_b = tx->append_audit("b", audit_draft(1));
  ASSERT_TRUE(first_b.ok());
  EXPECT_EQ(first_b->sequence, 1);
  EXPECT_EQ(first_b->previous_hash, sync::kGenesisHash);
}

// --- history: nothing charged twice

TEST(SqliteStore, SecondChargeForSameItemKindAndLevelIsRefused) {
  TempDir dir{"mahnwerk_store_test"};
  auto store = open_or_die(dir.file("state.db"));
  add_tenant(*store, "t");
  const core::ChargeRecord fee{"RE-1", core::ChargeKind::kFee, 1, eur(500), make_date(2025, 5, 10)};
  in_transaction(*store, [&](sync::Transaction& tx) { ASSERT_TRUE(tx.insert_charge("t", fee).ok()); });
  auto tx = begin_or_die(*store);
  core::ChargeRecord again = fee;
  again.amount = eur(700);
  again.date = make_date(2025, 6, 1);
  const auto refused = tx->insert_charge("t", again);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kConflict);
  EXPECT_NE(refused.error().context.find("RE-1"), std::string::npos);
  // Other kind, other level, other tenant: all fine.
  EXPECT_TRUE(
      tx->insert_charge("t", {"RE-1", core::ChargeKind::kInterest, 1, eur(5), make_date(2025, 5, 10)}).ok());
  EXPECT_TRUE(
      tx->insert_charge("t", {"RE-1", core::ChargeKind::kFee, 2, eur(5), make_date(2025, 5, 10)}).ok());
  EXPECT_EQ(tx->insert_notice("t", {"RE-1", 1, make_date(2025, 5, 10), std::nullopt}).ok(), true);
  EXPECT_EQ(tx->insert_notice("t", {"RE-1", 1, make_date(2025, 5, 11), std::nullopt}).error().kind,
            ErrorKind::kConflict);
  ASSERT_TRUE(tx->commit().ok());
  // The database itself refuses it, whatever code writes.
  EXPECT_EQ(raw_sql_code(dir.file("state.db"),
                         "INSERT INTO charges (tenant, item, kind, level, currency, amount, date) "
                         "VALUES ('t', 'RE-1', 'fee', 1, 'EUR', 1, '2025-07-01')"),
            SQLITE_CONSTRAINT);
  EXPECT_EQ(load(*store, "t").charges.size(), 3u);
}

// --- outbox

TEST(SqliteStore, OutboxInsertIsIdempotentByKey) {
  auto store = open_or_die(std::string(kInMemory));
  add_tenant(*store, "t");
  auto tx = begin_or_die(*store);
  auto first = tx->insert_outbox_if_absent(outbox_entry("t", "t/fee/RE-1/1"));
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->inserted);
  EXPECT_EQ(first->entry.state, sync::OutboxState::kPending);
  EXPECT_EQ(first->entry.attempts, 0);
  auto changed_payload = outbox_entry("t", "t/fee/RE-1/1");
  changed_payload.payload = R"({"amount":"9.99"})";
  auto second = tx->insert_outbox_if_absent(changed_payload);
  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->inserted);
  EXPECT_EQ(second->entry.id, first->entry.id);
  EXPECT_EQ(second->entry.payload, R"({"amount":"5.00"})");  // the decision recorded first stands
  EXPECT_EQ(tx->list_outbox("t", sync::OutboxState::kPending)->size(), 1u);
  auto bad = outbox_entry("t", "t/fee/RE-2/1");
  bad.payload = "{not json";
  EXPECT_EQ(tx->insert_outbox_if_absent(bad).error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(tx->insert_outbox_if_absent(outbox_entry("t", "")).error().kind, ErrorKind::kInvalidInput);
}

TEST(SqliteStore, OutboxMovesAlongItsStateMachine) {
  auto store = open_or_die(std::string(kInMemory));
  add_tenant(*store, "t");
  auto tx = begin_or_die(*store);
  for (const char* key : {"k1", "k2", "k3"})
    ASSERT_TRUE(tx->insert_outbox_if_absent(outbox_entry("t", key)).ok());
  using S = sync::OutboxState;
  // k1: a retryable failure, then it lands, then it is confirmed.
  auto e = tx->update_outbox("t", "k1", {S::kPending, true, "HTTP 503", ""});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->attempts, 1);
  EXPECT_EQ(e->last_error, "HTTP 503");
  e = tx->update_outbox("t", "k1", {S::kSent, true, "", "remote-77"});
  EXPECT_EQ(e->state, S::kSent);
  EXPECT_EQ(e->attempts, 2);
  EXPECT_EQ(e->remote_reference, "remote-77");
  EXPECT_EQ(e->last_error, "HTTP 503");
  e = tx->update_outbox("t", "k1", {S::kConfirmed, false, "", ""});
  EXPECT_EQ(e->state, S::kConfirmed);
  EXPECT_EQ(e->remote_reference, "remote-77");
  // Confirmed is final.
  for (S to : {S::kPending, S::kSent, S::kFailed, S::kConfirmed}) {
    EXPECT_EQ(tx->update_outbox("t", "k1", {to, false, "", ""}).error().kind, ErrorKind::kConflict);
  }
  // k2: gives up, becomes visible as failed, and is retried by hand.
  e = tx->update_outbox("t", "k2", {S::kFailed, true, "HTTP 422: invalid account", ""});
  EXPECT_EQ(e->state, S::kFailed);
  EXPECT_EQ(tx->update_outbox("t", "k2", {S::kSent, true, "", ""}).error().kind, ErrorKind::kConflict);
  auto failed = tx->list_outbox("t", S::kFailed);
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ((*failed)[0].last_error, "HTTP 422: invalid account");
  e = tx->update_outbox("t", "k2", {S::kPending, false, "", ""});
  EXPECT_EQ(e->state, S::kPending);
  // k3: a lookup after an ambiguous failure finds it landed.
  e = tx->update_outbox("t", "k3", {S::kConfirmed, false, "", "remote-78"});
  EXPECT_EQ(e->state, S::kConfirmed);
  // Lists by state, oldest first, with a limit.
  auto pending = tx->list_outbox("t", S::kPending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].idempotency_key, "k2");
  auto confirmed = tx->list_outbox("t", S::kConfirmed);
  ASSERT_EQ(confirmed->size(), 2u);
  EXPECT_EQ((*confirmed)[0].idempotency_key, "k1");
  EXPECT_EQ(tx->list_outbox("t", S::kConfirmed, 1)->size(), 1u);
  EXPECT_EQ(tx->update_outbox("t", "missing", {S::kSent, false, "", ""}).error().kind, ErrorKind::kNotFound);
}

// --- audit

TEST(SqliteStore, AuditEventsAreChainedAndAppendOnly) {
  TempDir dir{"mahnwerk_store_test"};
  const std::string path = dir.file("state.db");
  {
    auto store = open_or_die(path);
    add_tenant(*store, "t");
    in_transaction(*store, [&](sync::Transaction& tx) {
      for (int i = 1; i <= 4; ++i) ASSERT_TRUE(tx.append_audit("t", audit_draft(i)).ok());
      auto other = audit_draft(5);
      other.subject = "item:RE-2";
      ASSERT_TRUE(tx.append_audit("t", other).ok());
      EXPECT_EQ(tx.append_audit("t", {"yesterday", "sync", "k", "s", "{}"}).error().kind,
                ErrorKind::kInvalidInput);
    });
    auto tx = begin_or_die(*store, sync::Access::kReadOnly);
    auto events = tx->list_audit("t");
    ASSERT_EQ(events->size(), 5u);
    EXPECT_TRUE(sync::verify_chain(*events).ok());
    EXPECT_EQ(tx->list_audit("t", 2, 2)->front().sequence, 3);
    EXPECT_EQ(tx->list_audit_by_subject("t", "item:RE-2")->size(), 1u);
  }
  // The database refuses to change or remove events ...
  EXPECT_EQ(raw_sql_code(path, "UPDATE audit_events SET data = '{}' WHERE sequence = 2"), SQLITE_CONSTRAINT);
  EXPECT_EQ(raw_sql_code(path, "DELETE FROM audit_events WHERE sequence = 2"), SQLITE_CONSTRAINT);
  // ... and whoever goes around that is caught by the chain.
  raw_sql(
      path,
      "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET data = '{\"n\":99}' WHERE sequence = 2");
  auto store = open_or_die(path);
  auto tx = begin_or_die(*store, sync::Access::kReadOnly);
  const auto status = sync::verify_chain(*tx->list_audit("t"));
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("sequence 2"), std::string::npos) << status.error().message;
}

// --- cursors and leases

TEST(SqliteStore, CursorsArePerTenantAndStream) {
  auto store = open_or_die(std::string(kInMemory));
  add_tenant(*store, "t");
  auto tx = begin_or_die(*store);
  EXPECT_FALSE(tx->get_cursor("t", "items")->has_value());
  ASSERT_TRUE(tx->set_cursor("t", "items", "2025-06-30T06:00:00Z").ok());
  ASSERT_TRUE(tx->set_cursor("t", "payments", "page=7").ok());
  ASSERT_TRUE(tx->set_cursor("t", "items", "2025-07-01T06:00:00Z").ok());
  EXPECT_EQ(**tx->get_cursor("t", "items"), "2025-07-01T06:00:00Z");
  EXPECT_EQ(**tx->get_cursor("t", "payments"), "page=7");
  EXPECT_EQ(tx->set_cursor("t", "", "x").error().kind, ErrorKind::kInvalidInput);
}

TEST(SqliteStore, LeaseOfAGoneHolderIsTakenOverOnlyFromThatHolder) {
  auto store = open_or_die(std::string(kInMemory));
  add_tenant(*store, "t");
  auto tx = begin_or_die(*store);
  const sys_seconds t0{seconds{1'750'000'000}};
  ASSERT_TRUE(tx->acquire_lease("t", "host:41", t0, seconds{1800}).ok());
  // Naming a holder that does not hold it is refused: nobody takes a lease from a live owner by mistake.
  EXPECT_EQ(tx->take_over_lease("t", "host:40", "host:42", t0, seconds{300}).error().kind,
            ErrorKind::kConflict);
  auto taken = tx->take_over_lease("t", "host:41", "host:42", t0 + seconds{10}, seconds{300});
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(taken->owner, "host:42");
  EXPECT_EQ(taken->expires_at, t0 + seconds{310});
  EXPECT_EQ((*tx->get_lease("t"))->owner, "host:42");
  EXPECT_EQ(tx->take_over_lease("t", "host:41", "host:43", t0, seconds{300}).error().kind,
            ErrorKind::kConflict);
  EXPECT_EQ(tx->take_over_lease("t", "host:42", "", t0, seconds{300}).error().kind, ErrorKind::kInvalidInput);
}

TEST(SqliteStore, LeaseHasOneHolderUntilItExpires) {
  auto store = open_or_die(std::string(kInMemory));
  add_tenant(*store, "t");
  auto tx = begin_or_die(*store);
  const sys_seconds t0{seconds{1'750'000'000}};
  auto lease = tx->acquire_lease("t", "worker-1", t0, seconds{300});
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(lease->expires_at, t0 + seconds{300});
  // Another owner cannot take an unexpired lease; the error names holder and expiry.
  auto taken = tx->acquire_lease("t", "worker-2", t0 + seconds{299}, seconds{300});
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().kind, ErrorKind::kConflict);
  EXPECT_NE(taken.error().message.find("worker-1"), std::string::npos);
  EXPECT_NE(taken.error().message.find("2025-06-15T15:11:40Z"), std::string::npos) << taken.error().message;
  // The holder extends it.
  EXPECT_EQ(tx->acquire_lease("t", "worker-1", t0 + seconds{200}, seconds{300})->expires_at,
            t0 + seconds{500});
  EXPECT_FALSE(tx->acquire_lease("t", "worker-2", t0 + seconds{499}, seconds{60}).ok());
  // Expired: another owner may take over.
  auto takeover = tx->acquire_lease("t", "worker-2", t0 + seconds{500}, seconds{60});
  ASSERT_TRUE(takeover.ok());
  EXPECT_EQ((*tx->get_lease("t"))->owner, "worker-2");
  // Only the holder releases; releasing nothing is fine.
  EXPECT_EQ(tx->release_lease("t", "worker-1").error().kind, ErrorKind::kConflict);
  EXPECT_TRUE(tx->release_lease("t", "worker-2").ok());
  EXPECT_FALSE(tx->get_lease("t")->has_value());
  EXPECT_TRUE(tx->release_lease("t", "worker-2").ok());
  EXPECT_TRUE(tx->acquire_lease("t", "worker-1", t0, seconds{1}).ok());
  EXPECT_EQ(tx->acquire_lease("t", "", t0, seconds{1}).error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(tx->acquire_lease("t", "worker-1", t0, seconds{0}).error().kind, ErrorKind::kInvalidInput);
}

TEST(SqliteStore, LeaseIsSharedBetweenProcessesOfOneFile) {
  TempDir dir{"mahnwerk_store_test"};
  auto first = open_or_die(dir.file("state.db"));
  auto second = open_or_die(dir.file("state.db"));
  add_tenant(*first, "t");
  const sys_seconds now{seconds{1'750'000'000}};
  in_transaction(*first, [&](sync::Transaction& tx) {
    ASSERT_TRUE(tx.acquire_lease("t", "cli", now, seconds{60}).ok());
  });
  auto tx = begin_or_die(*second);
  EXPECT_EQ(tx->acquire_lease("t", "scheduler", now, seconds{60}).error().kind, ErrorKind::kConflict);
}

// --- proposals and run records

sync::StoredProposal proposal_for(const std::string& tenant, std::int64_t created, std::string digest) {
  sync::StoredProposal p;
  p.tenant = tenant;
  p.created_at = sys_seconds{seconds{created}};
  p.as_of = make_date(2025, 6, 30);
  p.body = R"({"notices":[]})";
  p.input_digest = std::move(digest);
  return p;
}

TEST(SqliteStore, NewPendingProposalSupersedesTheTenantsOlderOne) {
  auto store = open_or_die(std::string(kInMemory));
  add_tenant(*store, "a");
  add_tenant(*store, "b");
  auto tx = begin_or_die(*store);
  auto first = tx->insert_proposal(proposal_for("a", 1'750'000'000, "d1"));
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  EXPECT_EQ(first->status, sync::ProposalStatus::kPending);
  EXPECT_EQ(first->as_of, make_date(2025, 6, 30));
  EXPECT_EQ(first->body, R"({"notices":[]})");
  auto other = tx->insert_proposal(proposal_for("b", 1'750'000'000, "d9"));
  ASSERT_TRUE(other.ok());
  auto second = tx->insert_proposal(proposal_for("a", 1'750'000'100, "d2"));
  ASSERT_TRUE(second.ok());
  EXPECT_GT(second->id, first->id);

  auto old = tx->get_proposal(first->id);
  EXPECT_EQ(old->status, sync::ProposalStatus::kSuperseded);
  EXPECT_EQ(old->decided_by, "sync");
  EXPECT_EQ(old->decided_at, sys_seconds{seconds{1'750'000'100}});
  // Tenant b's pending proposal is untouched.
  EXPECT_EQ(tx->get_proposal(other->id)->status, sync::ProposalStatus::kPending);
  EXPECT_EQ(*tx->count_proposals("a", sync::ProposalStatus::kPending), 1);
  EXPECT_EQ(*tx->count_proposals("a", sync::ProposalStatus::kSuperseded), 1);
  auto all = tx->list_proposals("a");
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, second->id);  // newest first
  auto pending = tx->list_proposals("a", sync::ProposalStatus::kPending);
  ASSERT_EQ(pending->size(), 1u);
  EXPECT_EQ((*pending)[0].input_digest, "d2");
}

TEST(SqliteStore, ProposalDecisionsAreFinal) {
  auto store = open_or_die(std::string(kInMemory));
  add_tenant(*store, "a");
  auto tx = begin_or_die(*store);
  const auto p = *tx->insert_proposal(proposal_for("a", 1'750'000'000, "d1"));
  const sys_seconds later{seconds{1'750'000'500}};
  auto rejected = tx->decide_proposal(p.id, sync::ProposalStatus::kRejected, "user:anna", later, "Kulanz");
  ASSERT_TRUE(rejected.ok()) << rejected.error().to_string();
  EXPECT_EQ(rejected->status, sync::ProposalStatus::kRejected);
  EXPECT_EQ(rejected->decided_by, "user:anna");
  EXPECT_EQ(rejected->decided_at, later);
  EXPECT_EQ(rejected->reason, "Kulanz");
  auto again = tx->decide_proposal(p.id, sync::ProposalStatus::kApproved, "user:bob", later, "");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::kConflict);
  EXPECT_NE(again.error().message.find("already rejected"), std::string::npos);
  EXPECT_EQ(tx->get_proposal(p.id + 100).error().kind, ErrorKind::kNotFound);
  const auto q = *tx->insert_proposal(proposal_for("a", 1'750'000'600, "d2"));
  EXPECT_EQ(tx->decide_proposal(q.id, sync::ProposalStatus::kPending, "x", later, "").error().kind,
            ErrorKind::kConflict);
  // Bad input.
  auto no_digest = proposal_for("a", 1'750'000'000, "");
  EXPECT_EQ(tx->insert_proposal(no_digest).error().kind, ErrorKind::kInvalidInput);
  auto bad_json = proposal_for("a", 1'750'000'000, "d");
  bad_json.body = "{not json";
  EXPECT_EQ(tx->insert_proposal(bad_json).error().kind, ErrorKind::kInvalidInput);
  EXPECT_EQ(tx->insert_proposal(proposal_for("nobody", 1, "d")).error().kind, ErrorKind::kNotFound);
}

TEST(SqliteStore, DatabaseAllowsOnePendingProposalPerTenant) {
  TempDir dir{"mahnwerk_store_test"};
  const std::string path = dir.file("state.db");
  {
    auto store = open_or_die(path);
    add_tenant(*store, "a");
    in_transaction(*store, [](sync::Transaction& tx) {
      ASSERT_TRUE(tx.insert_proposal(proposal_for("a", 1'750'000'000, "d1")).ok());
    });
  }
  EXPECT_NE(raw_sql_code(path,
                         "INSERT INTO proposals (tenant, created_at, as_of, status, body, input_digest, "
                         "decided_by, reason) VALUES ('a', 1, '2025-01-01', 'pending', '{}', 'x', '', '')"),
            SQLITE_OK);
}

TEST(SqliteStore, RunRecordsKeepLastPullLastGoodPullAndLastRun) {
  auto store = open_or_die(std::string(kInMemory));
  add_tenant(*store, "a");
  add_tenant(*store, "b");
  auto tx = begin_or_die(*store);
  auto empty = tx->get_runs("a");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->last_pull || empty->last_ok_pull || empty->last_run);

  const sys_seconds t0{seconds{1'750'000'000}};
  ASSERT_TRUE(tx->record_pull("a", {t0, true, "12 items"}).ok());
  ASSERT_TRUE(tx->record_pull("a", {t0 + seconds{60}, false, "folder missing"}).ok());
  ASSERT_TRUE(tx->record_run("a", {t0 + seconds{61}, "failed", "pull failed"}).ok());
  auto runs = *tx->get_runs("a");
  ASSERT_TRUE(runs.last_pull && runs.last_ok_pull && runs.last_run);
  EXPECT_EQ(runs.last_pull->time, t0 + seconds{60});
  EXPECT_FALSE(runs.last_pull->ok);
  EXPECT_EQ(runs.last_pull->message, "folder missing");
  EXPECT_EQ(runs.last_ok_pull->time, t0);
  EXPECT_EQ(runs.last_ok_pull->message, "12 items");
  EXPECT_EQ(runs.last_run->outcome, "failed");
  EXPECT_EQ(runs.last_run->time, t0 + seconds{61});
  // A run recorded before any pull creates the record; tenants are separate.
  ASSERT_TRUE(tx->record_run("b", {t0, "nothing_to_do", ""}).ok());
  auto b = *tx->get_runs("b");
  EXPECT_FALSE(b.last_pull.has_value());
  EXPECT_EQ(b.last_run->outcome, "nothing_to_do");
  ASSERT_TRUE(tx->record_pull("b", {t0 + seconds{5}, true, ""}).ok());
  EXPECT_EQ(tx->get_runs("b")->last_run->outcome, "nothing_to_do");
  EXPECT_EQ(tx->get_runs("b")->last_ok_pull->time, t0 + seconds{5});
  EXPECT_EQ(tx->get_runs("nobody").error().kind, ErrorKind::kNotFound);
}

TEST(SqliteStore, CountsOutboxEntriesByState) {
  auto store = open_or_die(std::string(kInMemory));
  add_tenant(*store, "a");
  add_tenant(*store, "b");
  auto tx = begin_or_die(*store);
  ASSERT_TRUE(tx->insert_outbox_if_absent(outbox_entry("a", "k1")).ok());
  ASSERT_TRUE(tx->insert_outbox_if_absent(outbox_entry("a", "k2")).ok());
  ASSERT_TRUE(tx->insert_outbox_if_absent(outbox_entry("b", "k3")).ok());
  ASSERT_TRUE(tx->update_outbox("a", "k2", {sync::OutboxState::kFailed, true, "400", ""}).ok());
  EXPECT_EQ(*tx->count_outbox("a", sync::OutboxState::kPending), 1);
  EXPECT_EQ(*tx->count_outbox("a", sync::OutboxState::kFailed), 1);
  EXPECT_EQ(*tx->count_outbox("b", sync::OutboxState::kFailed), 0);
}

// --- transactions

TEST(SqliteStore, RolledBackTransactionLeavesNothing) {
  TempDir dir{"mahnwerk_store_test"};
  auto store = open_or_die(dir.file("state.db"));
  add_tenant(*store, "t");
  auto write_everything = [](sync::Transaction& tx) {
    ASSERT_TRUE(tx.upsert_tenant({"u", "U"}).ok());
    ASSERT_TRUE(tx.upsert_state("t", full_state("a")).ok());
    ASSERT_TRUE(tx.insert_outbox_if_absent(outbox_entry("t", "k")).ok());
    ASSERT_TRUE(tx.append_audit("t", audit_draft(1)).ok());
    ASSERT_TRUE(tx.set_cursor("t", "items", "c").ok());
    ASSERT_TRUE(tx.acquire_lease("t", "w", sys_seconds{seconds{0}}, seconds{60}).ok());
  };
  {
    auto tx = begin_or_die(*store);
    write_everything(*tx);
    tx->rollback();
    EXPECT_EQ(tx->commit().error().kind, ErrorKind::kInternal);
  }
  {
    auto tx = begin_or_die(*store);
    write_everything(*tx);
  }  // destroyed without commit
  auto tx = begin_or_die(*store, sync::Access::kReadOnly);
  EXPECT_EQ(tx->list_tenants()->size(), 1u);
  const core::State state = *tx->load_state("t");
  EXPECT_TRUE(state.items.empty() && state.debtors.empty() && state.payments.empty() &&
              state.charges.empty() && state.plans.empty() && state.notices.empty());
  EXPECT_TRUE(tx->list_outbox("t", sync::OutboxState::kPending)->empty());
  EXPECT_TRUE(tx->list_audit("t")->empty());
  EXPECT_FALSE(tx->get_cursor("t", "items")->has_value());
  EXPECT_FALSE(tx->get_lease("t")->has_value());
}

TEST(SqliteStore, OneTransactionAtATimeAndReadOnlyRefusesWrites) {
  auto store = open_or_die(std::string(kInMemory));
  add_tenant(*store, "t");
  {
    auto tx = begin_or_die(*store, sync::Access::kReadOnly);
    EXPECT_EQ(store->begin().error().kind, ErrorKind::kInternal);
    EXPECT_EQ(tx->set_cursor("t", "s", "v").error().kind, ErrorKind::kInternal);
    EXPECT_TRUE(tx->get_cursor("t", "s").ok());
  }
  EXPECT_TRUE(store->begin().ok());
}

TEST(SqliteStore, BusyFileIsUnavailable) {
  TempDir dir{"mahnwerk_store_test"};
  auto first = open_or_die(dir.file("state.db"));
  auto second = open_or_die(dir.file("state.db"), SqliteOptions{std::chrono::milliseconds{20}});
  auto holding = begin_or_die(*first);
  auto waiting = second->begin();
  ASSERT_FALSE(waiting.ok());
  EXPECT_EQ(waiting.error().kind, ErrorKind::kUnavailable);
  // Readers are not blocked by the writer (WAL).
  EXPECT_TRUE(second->begin(sync::Access::kReadOnly).ok());
}

// --- files, migrations, damage

TEST(SqliteStore, FreshFileIsMigratedPrivateAndInWalMode) {
  TempDir dir{"mahnwerk_store_test"};
  const std::string path = dir.file("state.db");
  {
    auto store = open_or_die(path);
    EXPECT_EQ(*store->schema_version(), latest_schema_version());
    EXPECT_TRUE(store->check_integrity().ok());
    EXPECT_EQ(store->location(), path);
    add_tenant(*store, "t");
  }
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  // Re-open: nothing migrated twice, data kept, still WAL.
  auto store = open_or_die(path);
  EXPECT_EQ(*store->schema_version(), latest_schema_version());
  auto tx = begin_or_die(*store);
  EXPECT_EQ(tx->get_tenant("t")->name, "Mandant t");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

// A state file of schema version 2 (before the agreed rate and the Zinssperre were columns),
// written by the released migrations themselves, with a debtor and an item in the old shape.
TEST(SqliteStore, VersionTwoFileMigratesAndKeepsItsRecords) {
  TempDir dir{"mahnwerk_store_test"};
  const std::string path = dir.file("state.db");
  std::string old_schema;
  for (const Migration& m : migrations()) {
    if (m.version <= 2) old_schema += m.sql;
  }
  old_schema += "PRAGMA user_version = 2; PRAGMA application_id = " + std::to_string(kApplicationId) + ";";
  old_schema += R"sql(
INSERT INTO tenants (id, name) VALUES ('t', 'Mandant t');
INSERT INTO debtors (tenant, id, name, kind, email, language, street, zip, city, country, block_until,
                     block_reason, insolvent)
VALUES ('t', '10000', 'Müller GmbH', 'business', '', 'de', '', '', '', '', NULL, '', 0);
INSERT INTO items (tenant, id, number, debtor, invoice_date, due_date, due_date_agreed, received_date,
                   contract_date, currency, amount, open_amount, consumer_notice, disputed, block_until,
                   source_version)
VALUES ('t', '10000/RE-1', 'RE-1', '10000', '2025-04-01', '2025-04-15', 0, NULL, NULL, 'EUR', 119000,
        119000, 0, 0, NULL, '');
)sql";
  raw_sql(path, old_schema.c_str());

  auto store = open_or_die(path);
  EXPECT_EQ(*store->schema_version(), latest_schema_version());
  EXPECT_GE(latest_schema_version(), 3);
  core::State loaded = load(*store, "t");
  ASSERT_EQ(loaded.debtors.size(), 1u);
  ASSERT_EQ(loaded.items.size(), 1u);
  EXPECT_EQ(loaded.debtors[0].name, "Müller GmbH");
  EXPECT_EQ(loaded.debtors[0].agreed_interest_bp, std::nullopt);  // none agreed
  EXPECT_EQ(loaded.items[0].open_amount, eur(119000));
  EXPECT_FALSE(loaded.items[0].interest_blocked);  // no Zinssperre
  // The old records read back unchanged, and the new columns take values.
  in_transaction(*store, [&](sync::Transaction& tx) {
    EXPECT_EQ(*tx.upsert_debtor("t", loaded.debtors[0]), sync::Upsert::kUnchanged);
    EXPECT_EQ(*tx.upsert_item("t", loaded.items[0]), sync::Upsert::kUnchanged);
    loaded.debtors[0].agreed_interest_bp = 1250;
    loaded.items[0].interest_blocked = true;
    EXPECT_EQ(*tx.upsert_debtor("t", loaded.debtors[0]), sync::Upsert::kWritten);
    EXPECT_EQ(*tx.upsert_item("t", loaded.items[0]), sync::Upsert::kWritten);
  });
  store.reset();
  auto reopened = open_or_die(path);
  EXPECT_EQ(*reopened->schema_version(), latest_schema_version());
  expect_same(loaded, load(*reopened, "t"));
}

TEST(SqliteStore, NewerSchemaIsRefused) {
  TempDir dir{"mahnwerk_store_test"};
  const std::string path = dir.file("state.db");
  open_or_die(path);
  raw_sql(path, "PRAGMA user_version = 999");
  auto store = open_sqlite_store(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(store.error().message.find("999"), std::string::npos);
  EXPECT_NE(store.error().message.find("newer"), std::string::npos);
  EXPECT_NE(store.error().to_string().find(path), std::string::npos);
}

// Opening `path` (and, when that works, using it) fails with a clear error naming the file.
void expect_clear_failure(const std::string& path, ErrorKind kind = ErrorKind::kInvalidInput) {
  auto store = open_sqlite_store(path);
  if (store.ok()) {
    // Damage that open does not reach must show on first use.
    auto tx = (*store)->begin();
    core::Result<core::State> state = tx ? (*tx)->load_state("t") : core::Result<core::State>(tx.error());
    ASSERT_FALSE(state.ok()) << "a damaged file was read without error";
    EXPECT_EQ(state.error().kind, kind) << state.error().to_string();
    EXPECT_NE(state.error().to_string().find(path), std::string::npos) << state.error().to_string();
    return;
  }
  EXPECT_EQ(store.error().kind, kind) << store.error().to_string();
  EXPECT_NE(store.error().to_string().find(path), std::string::npos) << store.error().to_string();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(SqliteStore, TextFileIsRefused) {
  TempDir dir{"mahnwerk_store_test"};
  const std::string path = dir.file("notes.txt");
  write_file(path, "Mahnwesen notes\nnothing to see here, this is not a database at all, but long enough. " +
                       std::string(200, 'x'));
  expect_clear_failure(path);
  auto store = open_sqlite_store(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find("not a SQLite database"), std::string::npos) << store.error().message;
  EXPECT_EQ(read_file(path).substr(0, 15), "Mahnwesen notes");  // left untouched
}

TEST(SqliteStore, ForeignSqliteDatabaseIsRefused) {
  TempDir dir{"mahnwerk_store_test"};
  const std::string path = dir.file("other.db");
  raw_sql(path, "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Anna')");
  auto store = open_sqlite_store(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().kind, ErrorKind::kInvalidInput);
  EXPECT_NE(store.error().message.find("not a mahnwerk state database"), std::string::npos);
  EXPECT_NE(store.error().to_string().find(path), std::string::npos);
  raw_sql(path, "PRAGMA application_id = 1234");
  EXPECT_FALSE(open_sqlite_store(path).ok());
  EXPECT_EQ(raw_sql_code(path, "SELECT name FROM contacts"), SQLITE_OK);  // and left as it was
}

TEST(SqliteStore, TruncatedDatabaseIsAClearError) {
  TempDir dir{"mahnwerk_store_test"};
  const std::string good = dir.file("good.db");
  {
    auto store = open_or_die(good);
    add_tenant(*store, "t");
    in_transaction(*store, [&](sync::Transaction& tx) {
      core::OpenItem item = full_state("a").items[0];
      for (int i = 0; i < 1000; ++i) {
        item.id = "RE-" + std::to_string(i);
        ASSERT_TRUE(tx.upsert_item("t", item).ok());
      }
    });
  }
  const std::string bytes = read_file(good);
  ASSERT_GT(bytes.size(), 40'000u);
  for (std::size_t cut : {std::size_t{50}, std::size_t{100}, std::size_t{4096}, std::size_t{4096 + 100},
                          bytes.size() / 2, bytes.size() - 4096}) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    const std::string path = dir.file("cut" + std::to_string(cut) + ".db");
    write_file(path, bytes.substr(0, cut));
    expect_clear_failure(path);
  }
}

TEST(SqliteStore, OverwrittenPagesAreAClearError) {
  TempDir dir{"mahnwerk_store_test"};
  const std::string good = dir.file("good.db");
  {
    auto store = open_or_die(good);
    add_tenant(*store, "t");
    in_transaction(*store, [&](sync::Transaction& tx) {
      for (int i = 0; i < 60; ++i)
        ASSERT_TRUE(tx.upsert_state("t", full_state("n" + std::to_string(i))).ok());
    });
  }
  const std::string bytes = read_file(good);
  // Garbage over every page but the first, one page at a time.
  for (std::size_t page = 1; page * 4096 < bytes.size(); page += 3) {
    SCOPED_TRACE("page " + std::to_string(page));
    std::string damaged = bytes;
    for (std::size_t i = page * 4096; i < (page + 1) * 4096 && i < damaged.size(); ++i) {
      damaged[i] = static_cast<char>((i * 7919) & 0xff);
    }
    const std::string path = dir.file("damaged" + std::to_string(page) + ".db");
    write_file(path, damaged);
    expect_clear_failure(path);
  }
}

TEST(SqliteStore, FolderOrMissingParentIsAClearError) {
  TempDir dir{"mahnwerk_store_test"};
  expect_clear_failure(dir.path());
  auto missing = open_sqlite_store(dir.file("no/such/folder/state.db"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(missing.error().to_string().find("no/such/folder"), std::string::npos);
}

// --- default location

TEST(SqliteStore, DefaultStatePathFollowsSystemdThenXdgThenHome) {
  TempDir dir{"mahnwerk_store_test"};
  std::map<std::string, std::string, std::less<>> env;
  const EnvLookup lookup = [&env](std::string_view name) -> std::optional<std::string> {
    auto found = env.find(name);
    if (found == env.end()) return std::nullopt;
    return found->second;
  };
  env["HOME"] = dir.file("home");
  ::mkdir(env["HOME"].c_str(), 0755);
  EXPECT_EQ(default_state_path(lookup), dir.file("home/.local/state/mahnwerk/mahnwerk.db"));
  struct stat info {};
  ASSERT_EQ(::stat(dir.file("home/.local/state/mahnwerk").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  env["XDG_STATE_HOME"] = "relative/ignored";
  EXPECT_EQ(default_state_path(lookup), dir.file("home/.local/state/mahnwerk/mahnwerk.db"));
  env["XDG_STATE_HOME"] = dir.file("xdg");
  EXPECT_EQ(default_state_path(lookup), dir.file("xdg/mahnwerk/mahnwerk.db"));
  ASSERT_EQ(::stat(dir.file("xdg/mahnwerk").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  env["STATE_DIRECTORY"] = dir.file("systemd") + ":" + dir.file("second");
  EXPECT_EQ(default_state_path(lookup), dir.file("systemd/mahnwerk.db"));
  // The path it returns opens.
  EXPECT_TRUE(open_sqlite_store(default_state_path(lookup)).ok());
}

}  // namespace
}  // namespace mahnwerk::store
