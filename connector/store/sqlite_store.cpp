// The SQLite Store: one connection, cached prepared statements, every value a bound parameter.
#include "connector/store/sqlite_store.h"

#include <fcntl.h>
#include <pwd.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "connector/core/date.h"
#include "connector/core/interest.h"
#include "connector/store/sqlite_db.h"
#include "connector/store/sqlite_schema.h"

namespace mahnwerk::store {

using core::Error;
using core::ErrorKind;
using core::Result;
using core::Status;

struct SqliteStore::Impl {
  Database db;
  bool transaction_open = false;
};

namespace {

// Adds where in the data an error happened after the file name: "state.db, tenant "a", item "R-1"".
Error at(Error error, std::string_view where) {
  if (!error.context.empty()) error.context += ", ";
  error.context += where;
  return error;
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string money_currency(const core::Money& m) { return std::string(m.currency().code()); }

std::optional<std::string> optional_date(const std::optional<core::Date>& date) {
  if (!date) return std::nullopt;
  return core::format_date(*date);
}

std::string format_utc(std::chrono::sys_seconds time) {
  const auto day = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::hh_mm_ss hms(time - day);
  char clock[16];
  std::snprintf(clock, sizeof clock, "T%02d:%02d:%02dZ", static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return core::format_date(core::Date{day}) + clock;
}

// Finds the enumerator whose to_string is `text` (the names live with the enums in core).
template <typename Enum, std::size_t N>
std::optional<Enum> enum_from_text(std::string_view text, const Enum (&all)[N]) {
  for (Enum e : all) {
    if (to_string(e) == text) return e;
  }
  return std::nullopt;
}
constexpr core::ChargeKind kChargeKinds[] = {core::ChargeKind::kFee, core::ChargeKind::kFlatFee,
                                             core::ChargeKind::kInterest};
constexpr core::PlanInterval kPlanIntervals[] = {core::PlanInterval::kMonthly, core::PlanInterval::kBiweekly,
                                                 core::PlanInterval::kWeekly};
constexpr core::PlanStatus kPlanStatuses[] = {core::PlanStatus::kActive, core::PlanStatus::kCompleted,
                                              core::PlanStatus::kDefaulted, core::PlanStatus::kCancelled};

// Reads one row's columns into model types. The first value that does not parse (a file changed
// by another tool) is kept as an error; later reads return defaults, so a loader checks once.
class RowReader {
 public:
  RowReader(const Statement& statement, std::string_view table, const std::string& path)
      : s_(statement), table_(table), path_(path) {}

  std::string text(int c) { return std::string(s_.text(c)); }
  bool flag(int c) { return s_.integer(c) != 0; }
  int integer(int c) {
    const std::int64_t v = s_.integer(c);
    if (v < INT32_MIN || v > INT32_MAX) fail(c, std::to_string(v));
    return static_cast<int>(v);
  }
  std::optional<int> optional_integer(int c) {
    if (s_.is_null(c)) return std::nullopt;
    return integer(c);
  }
  core::Date date(int c) {
    auto parsed = core::parse_date(s_.text(c));
    if (!parsed) {
      fail(c, std::string(s_.text(c)));
      return core::Date{};
    }
    return *parsed;
  }
  std::optional<core::Date> optional_date(int c) {
    if (s_.is_null(c)) return std::nullopt;
    return date(c);
  }
  core::Currency currency(int c) {
    auto parsed = core::Currency::from_code(s_.text(c));
    if (!parsed) {
      fail(c, std::string(s_.text(c)));
      return core::Currency::eur();
    }
    return *parsed;
  }
  core::Money money(int c, core::Currency currency) { return core::Money(s_.integer(c), currency); }
  template <typename Enum, std::size_t N>
  Enum enumeration(int c, const Enum (&all)[N]) {
    auto e = enum_from_text(s_.text(c), all);
    if (!e) {
      fail(c, std::string(s_.text(c)));
      return all[0];
    }
    return *e;
  }
  core::DebtorKind debtor_kind(int c) {
    auto kind = core::parse_debtor_kind(s_.text(c));
    if (!kind) {
      fail(c, std::string(s_.text(c)));
      return core::DebtorKind::kBusiness;
    }
    return *kind;
  }

  const std::optional<Error>& error() const { return error_; }

 private:
  void fail(int c, const std::string& value) {
    if (error_) return;
    error_ = Error{ErrorKind::kInvalidInput,
                   "damaged record in table " + std::string(table_) + ": column " +
                       std::string(s_.column_name(c)) + " holds " + quoted(value) +
                       " (the file was changed outside mahnwerk?)",
                   path_};
  }
  const Statement& s_;
  std::string_view table_;
  const std::string& path_;
  std::optional<Error> error_;
};

// --- SQL. Every value is a bound parameter (?N); no statement is built from data.

constexpr const char* kUpsertTenant =
    "INSERT INTO tenants (id, name) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET name = excluded.name";
constexpr const char* kSelectTenant = "SELECT id, name FROM tenants WHERE id = ?1";
constexpr const char* kSelectTenants = "SELECT id, name FROM tenants ORDER BY id";

constexpr const char* kUpsertCreditor = R"sql(
INSERT INTO creditors (tenant, name, street, zip, city, country, email, phone, iban, bic, bank, vat_id)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
ON CONFLICT (tenant) DO UPDATE SET
  name = excluded.name, street = excluded.street, zip = excluded.zip, city = excluded.city,
  country = excluded.country, email = excluded.email, phone = excluded.phone, iban = excluded.iban,
  bic = excluded.bic, bank = excluded.bank, vat_id = excluded.vat_id)sql";
constexpr const char* kSelectCreditor =
    "SELECT name, street, zip, city, country, email, phone, iban, bic, bank, vat_id FROM creditors WHERE "
    "tenant = ?1";

// The WHERE of each upsert skips rows that would not change, so changes() tells kUnchanged.
constexpr const char* kUpsertDebtor = R"sql(
INSERT INTO debtors (tenant, id, name, kind, email, language, street, zip, city, country, block_until,
                     block_reason, insolvent, agreed_interest_bp)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
ON CONFLICT (tenant, id) DO UPDATE SET
  name = excluded.name, kind = excluded.kind, email = excluded.email, language = excluded.language,
  street = excluded.street, zip = excluded.zip, city = excluded.city, country = excluded.country,
  block_until = excluded.block_until, block_reason = excluded.block_reason, insolvent = excluded.insolvent,
  agreed_interest_bp = excluded.agreed_interest_bp
WHERE (name, kind, email, language, street, zip, city, country, block_until, block_reason, insolvent,
       agreed_interest_bp)
  IS NOT (excluded.name, excluded.kind, excluded.email, excluded.language, excluded.street, excluded.zip,
          excluded.city, excluded.country, excluded.block_until, excluded.block_reason, excluded.insolvent,
          excluded.agreed_interest_bp))sql";
constexpr const char* kSelectDebtors = R"sql(
SELECT id, name, kind, email, language, street, zip, city, country, block_until, block_reason, insolvent,
       agreed_interest_bp
FROM debtors WHERE tenant = ?1 ORDER BY rowid)sql";

constexpr const char* kUpsertItem = R"sql(
INSERT INTO items (tenant, id, number, debtor, invoice_date, due_date, due_date_agreed, received_date,
                   contract_date, currency, amount, open_amount, consumer_notice, disputed, block_until,
                   source_version, interest_blocked)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
ON CONFLICT (tenant, id) DO UPDATE SET
  number = excluded.number, debtor = excluded.debtor, invoice_date = excluded.invoice_date,
  due_date = excluded.due_date, due_date_agreed = excluded.due_date_agreed,
  received_date = excluded.received_date, contract_date = excluded.contract_date,
  currency = excluded.currency, amount = excluded.amount, open_amount = excluded.open_amount,
  consumer_notice = excluded.consumer_notice, disputed = excluded.disputed,
  block_until = excluded.block_until, source_version = excluded.source_version,
  interest_blocked = excluded.interest_blocked
WHERE (number, debtor, invoice_date, due_date, due_date_agreed, received_date, contract_date, currency,
       amount, open_amount, consumer_notice, disputed, block_until, source_version, interest_blocked)
  IS NOT (excluded.number, excluded.debtor, excluded.invoice_date, excluded.due_date,
          excluded.due_date_agreed, excluded.received_date, excluded.contract_date, excluded.currency,
          excluded.amount, excluded.open_amount, excluded.consumer_notice, excluded.disputed,
          excluded.block_until, excluded.source_version, excluded.interest_blocked))sql";
constexpr const char* kSelectItems = R"sql(
SELECT id, number, debtor, invoice_date, due_date, due_date_agreed, received_date, contract_date, currency,
       amount, open_amount, consumer_notice, disputed, block_until, source_version, interest_blocked
FROM items WHERE tenant = ?1 ORDER BY rowid)sql";

constexpr const char* kUpsertPayment = R"sql(
INSERT INTO payments (tenant, id, item, debtor, date, currency, amount, reference)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
ON CONFLICT (tenant, id) DO UPDATE SET
  item = excluded.item, debtor = excluded.debtor, date = excluded.date, currency = excluded.currency,
  amount = excluded.amount, reference = excluded.reference
WHERE (item, debtor, date, currency, amount, reference)
  IS NOT (excluded.item, excluded.debtor, excluded.date, excluded.currency, excluded.amount, excluded.reference))sql";
constexpr const char* kSelectPayments =
    "SELECT item, debtor, date, currency, amount, reference FROM payments WHERE tenant = ?1 ORDER BY rowid";

constexpr const char* kInsertNotice =
    "INSERT INTO notices (tenant, item, level, date, received_date) VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr const char* kSelectNotices =
    "SELECT item, level, date, received_date FROM notices WHERE tenant = ?1 ORDER BY rowid";
constexpr const char* kInsertCharge =
    "INSERT INTO charges (tenant, item, kind, level, currency, amount, date) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
    "?7)";
constexpr const char* kSelectCharges =
    "SELECT item, kind, level, currency, amount, date FROM charges WHERE tenant = ?1 ORDER BY rowid";

constexpr const char* kUpsertPlan = R"sql(
INSERT INTO plans (tenant, id, debtor, agreed_on, currency, principal, costs, interest, plan_interest_bp,
                   plan_interest, total, interval, default_after_missed, grace_days, final_notice_date, status)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
ON CONFLICT (tenant, id) DO UPDATE SET
  debtor = excluded.debtor, agreed_on = excluded.agreed_on, currency = excluded.currency,
  principal = excluded.principal, costs = excluded.costs, interest = excluded.interest,
  plan_interest_bp = excluded.plan_interest_bp, plan_interest = excluded.plan_interest,
  total = excluded.total, interval = excluded.interval, default_after_missed = excluded.default_after_missed,
  grace_days = excluded.grace_days, final_notice_date = excluded.final_notice_date, status = excluded.status
WHERE (debtor, agreed_on, currency, principal, costs, interest, plan_interest_bp, plan_interest, total,
       interval, default_after_missed, grace_days, final_notice_date, status)
  IS NOT (excluded.debtor, excluded.agreed_on, excluded.currency, excluded.principal, excluded.costs,
          excluded.interest, excluded.plan_interest_bp, excluded.plan_interest, excluded.total,
          excluded.interval, excluded.default_after_missed, excluded.grace_days,
          excluded.final_notice_date, excluded.status))sql";
constexpr const char* kSelectPlans = R"sql(
SELECT id, debtor, agreed_on, currency, principal, costs, interest, plan_interest_bp, plan_interest, total,
       interval, default_after_missed, grace_days, final_notice_date, status
FROM plans WHERE tenant = ?1 ORDER BY rowid)sql";
constexpr const char* kSelectPlanItems =
    "SELECT plan, item FROM plan_items WHERE tenant = ?1 ORDER BY plan, position";
constexpr const char* kSelectPlanItemsOf =
    "SELECT item FROM plan_items WHERE tenant = ?1 AND plan = ?2 ORDER BY position";
constexpr const char* kDeletePlanItems = "DELETE FROM plan_items WHERE tenant = ?1 AND plan = ?2";
constexpr const char* kInsertPlanItem =
    "INSERT INTO plan_items (tenant, plan, position, item) VALUES (?1, ?2, ?3, ?4)";
constexpr const char* kSelectInstallments =
    "SELECT plan, due, amount, paid FROM plan_installments WHERE tenant = ?1 ORDER BY plan, position";
constexpr const char* kSelectInstallmentsOf =
    "SELECT due, amount, paid FROM plan_installments WHERE tenant = ?1 AND plan = ?2 ORDER BY position";
constexpr const char* kDeleteInstallments = "DELETE FROM plan_installments WHERE tenant = ?1 AND plan = ?2";
constexpr const char* kInsertInstallment =
    "INSERT INTO plan_installments (tenant, plan, position, due, amount, paid) VALUES (?1, ?2, ?3, ?4, ?5, "
    "?6)";

constexpr const char* kInsertOutbox = R"sql(
INSERT INTO outbox (tenant, kind, target, idempotency_key, payload, state, attempts, last_error, remote_reference)
VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, '', '')
ON CONFLICT (idempotency_key) DO NOTHING)sql";
constexpr const char* kSelectOutboxByKey = R"sql(
SELECT id, tenant, kind, target, idempotency_key, payload, state, attempts, last_error, remote_reference
FROM outbox WHERE idempotency_key = ?1)sql";
constexpr const char* kSelectOutboxByState = R"sql(
SELECT id, tenant, kind, target, idempotency_key, payload, state, attempts, last_error, remote_reference
FROM outbox WHERE tenant = ?1 AND state = ?2 ORDER BY id LIMIT ?3)sql";
constexpr const char* kUpdateOutbox = R"sql(
UPDATE outbox SET state = ?2, attempts = attempts + ?3,
  last_error = CASE WHEN ?4 = '' THEN last_error ELSE ?4 END,
  remote_reference = CASE WHEN ?5 = '' THEN remote_reference ELSE ?5 END
WHERE id = ?1
RETURNING id, tenant, kind, target, idempotency_key, payload, state, attempts, last_error, remote_reference)sql";
// What update_outbox checks before it writes: owner and state only (the payload can be large).
constexpr const char* kSelectOutboxStateByKey =
    "SELECT id, tenant, state FROM outbox WHERE idempotency_key = ?1";

constexpr const char* kSelectAuditHead =
    "SELECT sequence, hash FROM audit_events WHERE tenant = ?1 ORDER BY sequence DESC LIMIT 1";
constexpr const char* kInsertAudit = R"sql(
INSERT INTO audit_events (tenant, sequence, time, actor, kind, subject, data, previous_hash, hash)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9))sql";
constexpr const char* kSelectAudit = R"sql(
SELECT tenant, sequence, time, actor, kind, subject, data, previous_hash, hash FROM audit_events
WHERE tenant = ?1 AND sequence > ?2 ORDER BY sequence LIMIT ?3)sql";
constexpr const char* kSelectAuditBySubject = R"sql(
SELECT tenant, sequence, time, actor, kind, subject, data, previous_hash, hash FROM audit_events
WHERE tenant = ?1 AND subject = ?2 ORDER BY sequence)sql";

constexpr const char* kUpsertDebtorSettings = R"sql(
INSERT INTO debtor_settings (tenant, debtor, settings) VALUES (?1, ?2, ?3)
ON CONFLICT (tenant, debtor) DO UPDATE SET settings = excluded.settings
WHERE settings IS NOT excluded.settings)sql";
constexpr const char* kDeleteDebtorSettings = "DELETE FROM debtor_settings WHERE tenant = ?1 AND debtor = ?2";
constexpr const char* kSelectDebtorSettings =
    "SELECT debtor, settings FROM debtor_settings WHERE tenant = ?1 ORDER BY debtor";

constexpr const char* kSelectCursor = "SELECT value FROM sync_cursors WHERE tenant = ?1 AND stream = ?2";
constexpr const char* kUpsertCursor = R"sql(
INSERT INTO sync_cursors (tenant, stream, value) VALUES (?1, ?2, ?3)
ON CONFLICT (tenant, stream) DO UPDATE SET value = excluded.value)sql";

constexpr const char* kSelectLease = "SELECT owner, expires_at FROM leases WHERE tenant = ?1";
constexpr const char* kUpsertLease = R"sql(
INSERT INTO leases (tenant, owner, expires_at) VALUES (?1, ?2, ?3)
ON CONFLICT (tenant) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at)sql";
constexpr const char* kDeleteLease = "DELETE FROM leases WHERE tenant = ?1 AND owner = ?2";

constexpr const char* kSupersedeProposals = R"sql(
UPDATE proposals SET status = 'superseded', decided_by = 'sync', decided_at = ?2, reason = ?3
WHERE tenant = ?1 AND status = 'pending')sql";
constexpr const char* kInsertProposal = R"sql(
INSERT INTO proposals (tenant, created_at, as_of, status, body, input_digest, decided_by, decided_at, reason)
VALUES (?1, ?2, ?3, 'pending', ?4, ?5, '', NULL, ''))sql";
constexpr const char* kSelectProposal = R"sql(
SELECT id, tenant, created_at, as_of, status, body, input_digest, decided_by, decided_at, reason
FROM proposals WHERE id = ?1)sql";
constexpr const char* kSelectProposals = R"sql(
SELECT id, tenant, created_at, as_of, status, body, input_digest, decided_by, decided_at, reason
FROM proposals WHERE tenant = ?1 AND (?2 IS NULL OR status = ?2) ORDER BY id DESC)sql";
constexpr const char* kDecideProposal = R"sql(
UPDATE proposals SET status = ?2, decided_by = ?3, decided_at = ?4, reason = ?5
WHERE id = ?1 AND status = 'pending')sql";
constexpr const char* kCountProposals = "SELECT count(*) FROM proposals WHERE tenant = ?1 AND status = ?2";
constexpr const char* kCountOutbox = "SELECT count(*) FROM outbox WHERE tenant = ?1 AND state = ?2";

// The first row of a tenant's run record is created by whichever of pull or run comes first.
constexpr const char* kRecordPull = R"sql(
INSERT INTO tenant_runs (tenant, last_pull_at, last_pull_ok, last_pull_message, last_ok_pull_at,
                         last_ok_pull_message)
VALUES (?1, ?2, ?3, ?4, CASE WHEN ?3 = 1 THEN ?2 END, CASE WHEN ?3 = 1 THEN ?4 ELSE '' END)
ON CONFLICT (tenant) DO UPDATE SET
  last_pull_at = excluded.last_pull_at, last_pull_ok = excluded.last_pull_ok,
  last_pull_message = excluded.last_pull_message,
  last_ok_pull_at = CASE WHEN excluded.last_pull_ok = 1 THEN excluded.last_pull_at ELSE last_ok_pull_at END,
  last_ok_pull_message = CASE WHEN excluded.last_pull_ok = 1 THEN excluded.last_pull_message
                              ELSE last_ok_pull_message END)sql";
constexpr const char* kRecordRun = R"sql(
INSERT INTO tenant_runs (tenant, last_run_at, last_run_outcome, last_run_message) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (tenant) DO UPDATE SET
  last_run_at = excluded.last_run_at, last_run_outcome = excluded.last_run_outcome,
  last_run_message = excluded.last_run_message)sql";
constexpr const char* kSelectRuns = R"sql(
SELECT last_pull_at, last_pull_ok, last_pull_message, last_ok_pull_at, last_ok_pull_message, last_run_at,
       last_run_outcome, last_run_message
FROM tenant_runs WHERE tenant = ?1)sql";

std::int64_t epoch_seconds(std::chrono::sys_seconds time) { return time.time_since_epoch().count(); }
std::chrono::sys_seconds from_epoch(std::int64_t seconds) {
  return std::chrono::sys_seconds{std::chrono::seconds{seconds}};
}

constexpr sync::ProposalStatus kProposalStatuses[] = {
    sync::ProposalStatus::kPending, sync::ProposalStatus::kApproved, sync::ProposalStatus::kRejected,
    sync::ProposalStatus::kSuperseded};

sync::StoredProposal read_proposal(RowReader& r, const Statement& s) {
  sync::StoredProposal p;
  p.id = s.integer(0);
  p.tenant = r.text(1);
  p.created_at = from_epoch(s.integer(2));
  p.as_of = r.date(3);
  p.status = r.enumeration(4, kProposalStatuses);
  p.body = r.text(5);
  p.input_digest = r.text(6);
  p.decided_by = r.text(7);
  if (!s.is_null(8)) p.decided_at = from_epoch(s.integer(8));
  p.reason = r.text(9);
  return p;
}

// SQLite reads a negative LIMIT as "no limit".
std::int64_t sql_limit(std::size_t limit) { return limit == 0 ? -1 : static_cast<std::int64_t>(limit); }

sync::OutboxEntry read_outbox(RowReader& r, const Statement& s) {
  sync::OutboxEntry e;
  e.id = s.integer(0);
  e.tenant = r.text(1);
  e.kind = r.text(2);
  e.target = r.text(3);
  e.idempotency_key = r.text(4);
  e.payload = r.text(5);
  auto state = sync::parse_outbox_state(s.text(6));
  e.state = state ? *state : sync::OutboxState::kFailed;  // CHECK constraint keeps this unreachable
  e.attempts = r.integer(7);
  e.last_error = r.text(8);
  e.remote_reference = r.text(9);
  return e;
}

sync::AuditEvent read_audit(RowReader& r, const Statement& s) {
  sync::AuditEvent e;
  e.tenant = r.text(0);
  e.sequence = s.integer(1);
  e.time = r.text(2);
  e.actor = r.text(3);
  e.kind = r.text(4);
  e.subject = r.text(5);
  e.data = r.text(6);
  e.previous_hash = r.text(7);
  e.hash = r.text(8);
  return e;
}

// Checks that every amount of a record is in `currency` (one currency column per row).
Status same_currency(std::initializer_list<const core::Money*> amounts, core::Currency currency,
                     std::string_view what) {
  for (const core::Money* m : amounts) {
    if (!(m->currency() == currency)) {
      return core::invalid_input(std::string(what) + " mixes currencies: " +
                                 std::string(m->currency().code()) + " and " + std::string(currency.code()));
    }
  }
  return core::Ok{};
}

class SqliteTransaction final : public sync::Transaction {
 public:
  SqliteTransaction(SqliteStore::Impl& impl, bool writable) : impl_(impl), writable_(writable) {}
  ~SqliteTransaction() override { rollback(); }

  Status commit() override {
    if (auto s = usable(); !s) return s;
    auto s = db().exec("COMMIT", "committing a transaction");
    if (!s) {
      rollback();
      return s;
    }
    finish();
    return core::Ok{};
  }

  void rollback() override {
    if (finished_) return;
    // A failed ROLLBACK leaves SQLite to roll back when the connection closes; nothing else to do.
    (void)db().exec("ROLLBACK", "rolling back a transaction");
    finish();
  }

  // --- tenants

  Status upsert_tenant(const sync::Tenant& tenant) override {
    if (auto s = writable(); !s) return s;
    if (tenant.id.empty()) return Error{ErrorKind::kInvalidInput, "tenant id is empty", db().path()};
    auto st = prepare(kUpsertTenant);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant.id).bind(2, tenant.name);
    if (auto s = scope->run(); !s) return at(s.error(), "tenant " + quoted(tenant.id));
    known_tenants_.insert(tenant.id);
    return core::Ok{};
  }

  Result<sync::Tenant> get_tenant(std::string_view id) override {
    if (auto s = usable(); !s) return s.error();
    auto st = prepare(kSelectTenant);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, id);
    auto row = scope->step();
    if (!row) return row.error();
    if (!*row) return unknown_tenant(id);
    return sync::Tenant{std::string(scope->text(0)), std::string(scope->text(1))};
  }

  Result<std::vector<sync::Tenant>> list_tenants() override {
    if (auto s = usable(); !s) return s.error();
    auto st = prepare(kSelectTenants);
    if (!st) return st.error();
    StatementScope scope(**st);
    std::vector<sync::Tenant> tenants;
    for (;;) {
      auto row = scope->step();
      if (!row) return row.error();
      if (!*row) return tenants;
      tenants.push_back({std::string(scope->text(0)), std::string(scope->text(1))});
    }
  }

  // --- records

  Status put_creditor(std::string_view tenant, const core::Creditor& c) override {
    if (auto s = write_for(tenant); !s) return s;
    auto st = prepare(kUpsertCreditor);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant)
        .bind(2, c.name)
        .bind(3, c.address.street)
        .bind(4, c.address.zip)
        .bind(5, c.address.city);
    scope->bind(6, c.address.country).bind(7, c.email).bind(8, c.phone).bind(9, c.iban).bind(10, c.bic);
    scope->bind(11, c.bank).bind(12, c.vat_id);
    if (auto s = scope->run(); !s) return at(s.error(), "tenant " + quoted(tenant) + ", creditor");
    return core::Ok{};
  }

  Result<sync::Upsert> upsert_debtor(std::string_view tenant, const core::Debtor& d) override {
    if (auto s = write_for(tenant); !s) return s.error();
    const std::string where = "tenant " + quoted(tenant) + ", debtor " + quoted(d.id);
    if (d.id.empty()) return Error{ErrorKind::kInvalidInput, "debtor id is empty", db().path()};
    if (d.agreed_interest_bp && *d.agreed_interest_bp < 0) {
      return at(Error{ErrorKind::kInvalidInput,
                      "agreed interest rate " + std::to_string(*d.agreed_interest_bp) + " bp is negative",
                      db().path()},
                where);
    }
    auto st = prepare(kUpsertDebtor);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant).bind(2, d.id).bind(3, d.name).bind(4, core::to_string(d.kind)).bind(5, d.email);
    scope->bind(6, d.language).bind(7, d.address.street).bind(8, d.address.zip).bind(9, d.address.city);
    scope->bind(10, d.address.country)
        .bind_optional(11, optional_date(d.block_until))
        .bind(12, d.block_reason);
    scope->bind(13, d.insolvent);
    if (d.agreed_interest_bp) {
      scope->bind(14, *d.agreed_interest_bp);
    } else {
      scope->bind_null(14);
    }
    return written(scope->run(), where);
  }

  Result<sync::Upsert> upsert_item(std::string_view tenant, const core::OpenItem& i) override {
    if (auto s = write_for(tenant); !s) return s.error();
    const std::string where = "tenant " + quoted(tenant) + ", item " + quoted(i.id);
    if (i.id.empty()) return Error{ErrorKind::kInvalidInput, "item id is empty", db().path()};
    if (auto s = same_currency({&i.open_amount}, i.currency(), "item"); !s) return at(s.error(), where);
    auto st = prepare(kUpsertItem);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant)
        .bind(2, i.id)
        .bind(3, i.number)
        .bind(4, i.debtor)
        .bind(5, core::format_date(i.invoice_date));
    scope->bind_optional(6, optional_date(i.due_date))
        .bind(7, i.due_date_agreed)
        .bind_optional(8, optional_date(i.received_date));
    scope->bind_optional(9, optional_date(i.contract_date))
        .bind(10, money_currency(i.amount))
        .bind(11, i.amount.minor());
    scope->bind(12, i.open_amount.minor()).bind(13, i.consumer_notice).bind(14, i.disputed);
    scope->bind_optional(15, optional_date(i.block_until))
        .bind(16, i.source_version)
        .bind(17, i.interest_blocked);
    return written(scope->run(), where);
  }

  Result<sync::Upsert> upsert_payment(std::string_view tenant, std::string_view id,
                                      const core::Payment& p) override {
    if (auto s = write_for(tenant); !s) return s.error();
    const std::string where = "tenant " + quoted(tenant) + ", payment " + quoted(id);
    if (id.empty()) return Error{ErrorKind::kInvalidInput, "payment id is empty", db().path()};
    auto st = prepare(kUpsertPayment);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant).bind(2, id).bind(3, p.item).bind(4, p.debtor).bind(5, core::format_date(p.date));
    scope->bind(6, money_currency(p.amount)).bind(7, p.amount.minor()).bind(8, p.reference);
    return written(scope->run(), where);
  }

  Result<sync::Upsert> upsert_plan(std::string_view tenant, const core::PaymentPlan& p) override {
    if (auto s = write_for(tenant); !s) return s.error();
    const std::string where = "tenant " + quoted(tenant) + ", plan " + quoted(p.id);
    if (p.id.empty()) return Error{ErrorKind::kInvalidInput, "plan id is empty", db().path()};
    const core::Currency currency = p.principal.currency();
    for (const auto& installment : p.installments) {
      if (auto s = same_currency({&installment.amount, &installment.paid}, currency, "plan"); !s) {
        return at(s.error(), where);
      }
    }
    if (auto s = same_currency({&p.costs, &p.interest, &p.plan_interest, &p.total}, currency, "plan"); !s) {
      return at(s.error(), where);
    }
    auto st = prepare(kUpsertPlan);
    if (!st) return st.error();
    sync::Upsert outcome = sync::Upsert::kUnchanged;
    {
      StatementScope scope(**st);
      scope->bind(1, tenant).bind(2, p.id).bind(3, p.debtor).bind(4, core::format_date(p.agreed_on));
      scope->bind(5, std::string(currency.code())).bind(6, p.principal.minor()).bind(7, p.costs.minor());
      scope->bind(8, p.interest.minor()).bind(9, p.plan_interest_bp).bind(10, p.plan_interest.minor());
      scope->bind(11, p.total.minor()).bind(12, core::to_string(p.interval)).bind(13, p.default_after_missed);
      scope->bind(14, p.grace_days)
          .bind_optional(15, optional_date(p.final_notice_date))
          .bind(16, core::to_string(p.status));
      auto row = written(scope->run(), where);
      if (!row) return row.error();
      outcome = *row;
    }
    auto items = replace_plan_items(tenant, p);
    if (!items) return at(items.error(), where);
    auto installments = replace_installments(tenant, p);
    if (!installments) return at(installments.error(), where);
    if (*items == sync::Upsert::kWritten || *installments == sync::Upsert::kWritten)
      outcome = sync::Upsert::kWritten;
    return outcome;
  }

  Status insert_notice(std::string_view tenant, const core::NoticeRecord& n) override {
    if (auto s = write_for(tenant); !s) return s;
    const std::string where = "tenant " + quoted(tenant) + ", notice for item " + quoted(n.item) +
                              " at level " + std::to_string(n.level);
    if (n.item.empty()) return at(core::invalid_input("notice without item"), where);
    auto st = prepare(kInsertNotice);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant).bind(2, n.item).bind(3, n.level).bind(4, core::format_date(n.date));
    scope->bind_optional(5, optional_date(n.received_date));
    auto s = scope->run();
    if (!s && s.error().kind == ErrorKind::kConflict) {
      return Error{ErrorKind::kConflict, "a notice at this level is already stored for this item",
                   db().path() + ", " + where};
    }
    if (!s) return at(s.error(), where);
    return s;
  }

  Status insert_charge(std::string_view tenant, const core::ChargeRecord& c) override {
    if (auto s = write_for(tenant); !s) return s;
    const std::string where = "tenant " + quoted(tenant) + ", " + std::string(core::to_string(c.kind)) +
                              " charge for item " + quoted(c.item) + " at level " + std::to_string(c.level);
    if (c.item.empty()) return at(core::invalid_input("charge without item"), where);
    auto st = prepare(kInsertCharge);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant).bind(2, c.item).bind(3, core::to_string(c.kind)).bind(4, c.level);
    scope->bind(5, money_currency(c.amount)).bind(6, c.amount.minor()).bind(7, core::format_date(c.date));
    auto s = scope->run();
    if (!s && s.error().kind == ErrorKind::kConflict) {
      return Error{ErrorKind::kConflict,
                   "this charge is already stored (one per item, kind and level: nothing is charged twice)",
                   db().path() + ", " + where};
    }
    if (!s) return at(s.error(), where);
    return s;
  }

  Result<core::State> load_state(std::string_view tenant) override {
    if (auto s = read_for(tenant); !s) return s.error();
    core::State state;
    if (auto s = load_creditor(tenant, state); !s) return s.error();
    if (auto s = load_debtors(tenant, state); !s) return s.error();
    if (auto s = load_items(tenant, state); !s) return s.error();
    if (auto s = load_payments(tenant, state); !s) return s.error();
    if (auto s = load_history(tenant, state); !s) return s.error();
    if (auto s = load_plans(tenant, state); !s) return s.error();
    return state;
  }

  // --- outbox

  Result<sync::OutboxInsert> insert_outbox_if_absent(const sync::OutboxEntry& e) override {
    if (auto s = write_for(e.tenant); !s) return s.error();
    const std::string where = "tenant " + quoted(e.tenant) + ", outbox entry " + quoted(e.idempotency_key);
    if (e.kind.empty() || e.target.empty() || e.idempotency_key.empty()) {
      return Error{ErrorKind::kInvalidInput, "kind, target and idempotency key must not be empty",
                   db().path() + ", " + where};
    }
    if (auto s = sync::check_json(e.payload, "payload"); !s) {
      return Error{ErrorKind::kInvalidInput, s.error().message, db().path() + ", " + where + ", payload"};
    }
    bool inserted = false;
    {
      auto st = prepare(kInsertOutbox);
      if (!st) return st.error();
      StatementScope scope(**st);
      scope->bind(1, e.tenant)
          .bind(2, e.kind)
          .bind(3, e.target)
          .bind(4, e.idempotency_key)
          .bind(5, e.payload);
      if (auto s = scope->run(); !s) return at(s.error(), where);
      inserted = db().changes() == 1;
    }
    auto stored = outbox_by_key(e.idempotency_key);
    if (!stored) return stored.error();
    if (!*stored)
      return Error{ErrorKind::kInternal, "outbox entry vanished after insert", db().path() + ", " + where};
    if ((*stored)->tenant != e.tenant) {
      // Say nothing about the other tenant beyond the fact: its data stays walled off.
      return Error{ErrorKind::kConflict, "the idempotency key is already used by another tenant",
                   db().path() + ", " + where};
    }
    return sync::OutboxInsert{std::move(**stored), inserted};
  }

  Result<sync::OutboxEntry> get_outbox(std::string_view tenant, std::string_view key) override {
    if (auto s = read_for(tenant); !s) return s.error();
    auto stored = outbox_by_key(key);
    if (!stored) return stored.error();
    if (!*stored || (*stored)->tenant != tenant) {
      return Error{ErrorKind::kNotFound, "no outbox entry with key " + quoted(key),
                   db().path() + ", tenant " + quoted(tenant)};
    }
    return std::move(**stored);
  }

  Result<std::vector<sync::OutboxEntry>> list_outbox(std::string_view tenant, sync::OutboxState state,
                                                     std::size_t limit) override {
    if (auto s = read_for(tenant); !s) return s.error();
    auto st = prepare(kSelectOutboxByState);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant).bind(2, sync::to_string(state)).bind(3, sql_limit(limit));
    std::vector<sync::OutboxEntry> entries;
    RowReader reader(*scope, "outbox", db().path());
    for (;;) {
      auto row = scope->step();
      if (!row) return row.error();
      if (!*row) break;
      entries.push_back(read_outbox(reader, *scope));
    }
    if (reader.error()) return *reader.error();
    return entries;
  }

  Result<sync::OutboxEntry> update_outbox(std::string_view tenant, std::string_view key,
                                          const sync::OutboxChange& change) override {
    if (auto s = write_for(tenant); !s) return s.error();
    const std::string where = db().path() + ", tenant " + quoted(tenant) + ", outbox entry " + quoted(key);
    std::int64_t id = 0;
    {
      auto st = prepare(kSelectOutboxStateByKey);
      if (!st) return st.error();
      StatementScope scope(**st);
      scope->bind(1, key);
      auto row = scope->step();
      if (!row) return row.error();
      if (!*row || scope->text(1) != tenant) {
        return Error{ErrorKind::kNotFound, "no outbox entry with key " + quoted(key),
                     db().path() + ", tenant " + quoted(tenant)};
      }
      id = scope->integer(0);
      const auto from = sync::parse_outbox_state(scope->text(2));
      if (!from || !sync::outbox_transition_allowed(*from, change.to)) {
        return Error{ErrorKind::kConflict,
                     "outbox entry cannot go from " + std::string(scope->text(2)) + " to " +
                         std::string(sync::to_string(change.to)),
                     where};
      }
    }
    // One statement writes the change and returns the row as stored (RETURNING: the whole
    // UPDATE is done by the first step).
    auto st = prepare(kUpdateOutbox);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, id).bind(2, sync::to_string(change.to)).bind(3, change.attempted ? 1 : 0);
    scope->bind(4, change.error).bind(5, change.remote_reference);
    auto row = scope->step();
    if (!row) return at(row.error(), "outbox entry " + quoted(key));
    if (!*row) return Error{ErrorKind::kInternal, "outbox entry vanished during its update", where};
    RowReader reader(*scope, "outbox", db().path());
    sync::OutboxEntry entry = read_outbox(reader, *scope);
    if (reader.error()) return *reader.error();
    return entry;
  }

  // --- audit

  Result<sync::AuditEvent> append_audit(std::string_view tenant, const sync::AuditDraft& draft) override {
    if (auto s = write_for(tenant); !s) return s.error();
    const std::string where = "tenant " + quoted(tenant);
    if (auto s = sync::check_draft(draft); !s)
      return Error{s.error().kind, s.error().message, db().path() + ", " + where};
    std::optional<sync::AuditEvent> head;
    if (audit_head_ && audit_head_->tenant == tenant) {
      head = audit_head_;  // appended by this transaction: no need to read it back
    } else {
      auto st = prepare(kSelectAuditHead);
      if (!st) return st.error();
      StatementScope scope(**st);
      scope->bind(1, tenant);
      auto row = scope->step();
      if (!row) return row.error();
      if (*row) {
        head.emplace();
        head->sequence = scope->integer(0);
        head->hash = std::string(scope->text(1));
      }
    }
    sync::AuditEvent event = sync::seal_event(tenant, draft, head ? &*head : nullptr);
    auto st = prepare(kInsertAudit);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, event.tenant).bind(2, event.sequence).bind(3, event.time).bind(4, event.actor);
    scope->bind(5, event.kind).bind(6, event.subject).bind(7, event.data).bind(8, event.previous_hash);
    scope->bind(9, event.hash);
    if (auto s = scope->run(); !s)
      return at(s.error(), where + ", audit event " + std::to_string(event.sequence));
    audit_head_ = sync::AuditEvent{};
    audit_head_->tenant = event.tenant;
    audit_head_->sequence = event.sequence;
    audit_head_->hash = event.hash;
    return event;
  }

  Result<std::vector<sync::AuditEvent>> list_audit(std::string_view tenant, std::int64_t after_sequence,
                                                   std::size_t limit) override {
    if (auto s = read_for(tenant); !s) return s.error();
    auto st = prepare(kSelectAudit);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant).bind(2, after_sequence).bind(3, sql_limit(limit));
    return read_audit_rows(*scope);
  }

  Result<std::vector<sync::AuditEvent>> list_audit_by_subject(std::string_view tenant,
                                                              std::string_view subject) override {
    if (auto s = read_for(tenant); !s) return s.error();
    auto st = prepare(kSelectAuditBySubject);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant).bind(2, subject);
    return read_audit_rows(*scope);
  }

  // --- debtors' own dunning settings

  Result<sync::Upsert> put_debtor_settings(std::string_view tenant, std::string_view debtor,
                                           std::string_view settings) override {
    if (auto s = write_for(tenant); !s) return s.error();
    const std::string where = "tenant " + quoted(tenant) + ", settings of debtor " + quoted(debtor);
    if (debtor.empty()) return Error{ErrorKind::kInvalidInput, "debtor id is empty", db().path()};
    auto st = prepare(settings.empty() ? kDeleteDebtorSettings : kUpsertDebtorSettings);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant).bind(2, debtor);
    if (!settings.empty()) scope->bind(3, settings);
    return written(scope->run(), where);
  }

  Result<std::vector<sync::DebtorSettings>> load_debtor_settings(std::string_view tenant) override {
    if (auto s = read_for(tenant); !s) return s.error();
    std::vector<sync::DebtorSettings> out;
    auto s = each_row(kSelectDebtorSettings, tenant, "debtor_settings", [&](RowReader& r, const Statement&) {
      out.push_back({r.text(0), r.text(1)});
    });
    if (!s) return s.error();
    return out;
  }

  // --- cursors

  Result<std::optional<std::string>> get_cursor(std::string_view tenant, std::string_view stream) override {
    if (auto s = read_for(tenant); !s) return s.error();
    auto st = prepare(kSelectCursor);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant).bind(2, stream);
    auto row = scope->step();
    if (!row) return row.error();
    if (!*row) return std::optional<std::string>();
    return std::optional<std::string>(std::string(scope->text(0)));
  }

  Status set_cursor(std::string_view tenant, std::string_view stream, std::string_view value) override {
    if (auto s = write_for(tenant); !s) return s;
    if (stream.empty()) return Error{ErrorKind::kInvalidInput, "cursor stream is empty", db().path()};
    auto st = prepare(kUpsertCursor);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant).bind(2, stream).bind(3, value);
    if (auto s = scope->run(); !s)
      return at(s.error(), "tenant " + quoted(tenant) + ", cursor " + quoted(stream));
    return core::Ok{};
  }

  // --- proposals

  Result<sync::StoredProposal> insert_proposal(const sync::StoredProposal& p) override {
    if (auto s = write_for(p.tenant); !s) return s.error();
    const std::string where = db().path() + ", tenant " + quoted(p.tenant) + ", proposal";
    if (auto s = sync::check_json(p.body, "proposal body"); !s)
      return Error{ErrorKind::kInvalidInput, s.error().message, where};
    if (p.input_digest.empty())
      return Error{ErrorKind::kInvalidInput, "proposal without input digest", where};
    // Supersede first: the partial unique index allows one pending proposal per tenant.
    {
      auto st = prepare(kSupersedeProposals);
      if (!st) return st.error();
      StatementScope scope(**st);
      scope->bind(1, p.tenant).bind(2, epoch_seconds(p.created_at)).bind(3, "superseded by a newer proposal");
      if (auto s = scope->run(); !s) return at(s.error(), "tenant " + quoted(p.tenant) + ", proposals");
    }
    {
      auto st = prepare(kInsertProposal);
      if (!st) return st.error();
      StatementScope scope(**st);
      scope->bind(1, p.tenant).bind(2, epoch_seconds(p.created_at)).bind(3, core::format_date(p.as_of));
      scope->bind(4, p.body).bind(5, p.input_digest);
      if (auto s = scope->run(); !s) return at(s.error(), "tenant " + quoted(p.tenant) + ", proposal");
    }
    return get_proposal(sqlite3_last_insert_rowid(db().handle()));
  }

  Result<sync::StoredProposal> get_proposal(std::int64_t id) override {
    if (auto s = usable(); !s) return s.error();
    auto st = prepare(kSelectProposal);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, id);
    auto row = scope->step();
    if (!row) return row.error();
    if (!*row) return Error{ErrorKind::kNotFound, "no proposal " + std::to_string(id), db().path()};
    RowReader reader(*scope, "proposals", db().path());
    sync::StoredProposal p = read_proposal(reader, *scope);
    if (reader.error()) return *reader.error();
    return p;
  }

  Result<std::vector<sync::StoredProposal>> list_proposals(
      std::string_view tenant, std::optional<sync::ProposalStatus> status) override {
    if (auto s = read_for(tenant); !s) return s.error();
    auto st = prepare(kSelectProposals);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant);
    if (status) scope->bind(2, sync::to_string(*status));
    std::vector<sync::StoredProposal> proposals;
    RowReader reader(*scope, "proposals", db().path());
    for (;;) {
      auto row = scope->step();
      if (!row) return row.error();
      if (!*row) break;
      proposals.push_back(read_proposal(reader, *scope));
    }
    if (reader.error()) return *reader.error();
    return proposals;
  }

  Result<sync::StoredProposal> decide_proposal(std::int64_t id, sync::ProposalStatus to,
                                               std::string_view decided_by, std::chrono::sys_seconds when,
                                               std::string_view reason) override {
    if (auto s = writable(); !s) return s.error();
    auto current = get_proposal(id);
    if (!current) return current.error();
    const std::string where =
        db().path() + ", tenant " + quoted(current->tenant) + ", proposal " + std::to_string(id);
    if (to == sync::ProposalStatus::kPending)
      return Error{ErrorKind::kConflict, "a decision cannot make a proposal pending", where};
    if (current->status != sync::ProposalStatus::kPending) {
      return Error{ErrorKind::kConflict,
                   "the proposal is already " + std::string(sync::to_string(current->status)), where};
    }
    {
      auto st = prepare(kDecideProposal);
      if (!st) return st.error();
      StatementScope scope(**st);
      scope->bind(1, id).bind(2, sync::to_string(to)).bind(3, decided_by).bind(4, epoch_seconds(when));
      scope->bind(5, reason);
      if (auto s = scope->run(); !s) return Error{s.error().kind, s.error().message, where};
    }
    return get_proposal(id);
  }

  Result<std::int64_t> count_proposals(std::string_view tenant, sync::ProposalStatus status) override {
    return count(kCountProposals, tenant, sync::to_string(status));
  }

  // --- run records

  Status record_pull(std::string_view tenant, const sync::PullRecord& pull) override {
    if (auto s = write_for(tenant); !s) return s;
    auto st = prepare(kRecordPull);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant).bind(2, epoch_seconds(pull.time)).bind(3, pull.ok).bind(4, pull.message);
    if (auto s = scope->run(); !s) return at(s.error(), "tenant " + quoted(tenant) + ", pull record");
    return core::Ok{};
  }

  Status record_run(std::string_view tenant, const sync::RunRecord& run) override {
    if (auto s = write_for(tenant); !s) return s;
    auto st = prepare(kRecordRun);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant).bind(2, epoch_seconds(run.time)).bind(3, run.outcome).bind(4, run.message);
    if (auto s = scope->run(); !s) return at(s.error(), "tenant " + quoted(tenant) + ", run record");
    return core::Ok{};
  }

  Result<sync::TenantRuns> get_runs(std::string_view tenant) override {
    if (auto s = read_for(tenant); !s) return s.error();
    auto st = prepare(kSelectRuns);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant);
    auto row = scope->step();
    if (!row) return row.error();
    sync::TenantRuns runs;
    if (!*row) return runs;
    if (!scope->is_null(0)) {
      runs.last_pull = sync::PullRecord{from_epoch(scope->integer(0)), scope->integer(1) != 0,
                                        std::string(scope->text(2))};
    }
    if (!scope->is_null(3))
      runs.last_ok_pull = sync::PullRecord{from_epoch(scope->integer(3)), true, std::string(scope->text(4))};
    if (!scope->is_null(5)) {
      runs.last_run = sync::RunRecord{from_epoch(scope->integer(5)), std::string(scope->text(6)),
                                      std::string(scope->text(7))};
    }
    return runs;
  }

  Result<std::int64_t> count_outbox(std::string_view tenant, sync::OutboxState state) override {
    return count(kCountOutbox, tenant, sync::to_string(state));
  }

  // --- leases

  Result<sync::Lease> acquire_lease(std::string_view tenant, std::string_view owner,
                                    std::chrono::sys_seconds now, std::chrono::seconds ttl) override {
    if (auto s = write_for(tenant); !s) return s.error();
    const std::string where = db().path() + ", tenant " + quoted(tenant);
    if (owner.empty()) return Error{ErrorKind::kInvalidInput, "lease owner is empty", where};
    if (ttl <= std::chrono::seconds::zero())
      return Error{ErrorKind::kInvalidInput, "lease duration must be positive", where};
    auto held = get_lease(tenant);
    if (!held) return held.error();
    // Held until expires_at, exclusive: at expires_at another owner may take it.
    if (*held && (*held)->owner != owner && (*held)->expires_at > now) {
      return Error{
          ErrorKind::kConflict,
          "tenant is leased by " + quoted((*held)->owner) + " until " + format_utc((*held)->expires_at),
          where};
    }
    return write_lease({std::string(tenant), std::string(owner), now + ttl});
  }

  // Stores `lease` as the tenant's one lease. REQUIRES: write_for(lease.tenant) succeeded.
  Result<sync::Lease> write_lease(sync::Lease lease) {
    auto st = prepare(kUpsertLease);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, lease.tenant)
        .bind(2, lease.owner)
        .bind(3, static_cast<std::int64_t>(lease.expires_at.time_since_epoch().count()));
    if (auto s = scope->run(); !s) return at(s.error(), "lease");
    return lease;
  }

  Result<sync::Lease> take_over_lease(std::string_view tenant, std::string_view dead_owner,
                                      std::string_view owner, std::chrono::sys_seconds now,
                                      std::chrono::seconds ttl) override {
    if (auto s = write_for(tenant); !s) return s.error();
    auto held = get_lease(tenant);
    if (!held) return held.error();
    if (!*held || (*held)->owner != dead_owner) {
      return Error{ErrorKind::kConflict,
                   "cannot take over: the lease is not held by " + quoted(dead_owner) + " any more",
                   db().path() + ", tenant " + quoted(tenant)};
    }
    if (owner.empty() || ttl <= std::chrono::seconds::zero())
      return acquire_lease(tenant, owner, now, ttl);  // the same refusals as a normal acquire
    return write_lease({std::string(tenant), std::string(owner), now + ttl});
  }

  Status release_lease(std::string_view tenant, std::string_view owner) override {
    if (auto s = write_for(tenant); !s) return s;
    auto held = get_lease(tenant);
    if (!held) return held.error();
    if (!*held) return core::Ok{};
    if ((*held)->owner != owner) {
      return Error{
          ErrorKind::kConflict,
          "cannot release: the lease is held by " + quoted((*held)->owner) + ", not " + quoted(owner),
          db().path() + ", tenant " + quoted(tenant)};
    }
    auto st = prepare(kDeleteLease);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant).bind(2, owner);
    return scope->run();
  }

  Result<std::optional<sync::Lease>> get_lease(std::string_view tenant) override {
    if (auto s = read_for(tenant); !s) return s.error();
    auto st = prepare(kSelectLease);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant);
    auto row = scope->step();
    if (!row) return row.error();
    if (!*row) return std::optional<sync::Lease>();
    return std::optional<sync::Lease>(
        sync::Lease{std::string(tenant), std::string(scope->text(0)),
                    std::chrono::sys_seconds{std::chrono::seconds{scope->integer(1)}}});
  }

 private:
  Database& db() { return impl_.db; }
  Result<Statement*> prepare(const char* sql) { return db().prepare(sql); }

  void finish() {
    finished_ = true;
    impl_.transaction_open = false;
  }

  Status usable() const {
    if (finished_) return Error{ErrorKind::kInternal, "the transaction is already finished", impl_.db.path()};
    return core::Ok{};
  }

  Status writable() const {
    if (auto s = usable(); !s) return s;
    if (!writable_) return Error{ErrorKind::kInternal, "write in a read-only transaction", impl_.db.path()};
    return core::Ok{};
  }

  Error unknown_tenant(std::string_view tenant) const {
    return Error{ErrorKind::kNotFound, "unknown tenant " + quoted(tenant), impl_.db.path()};
  }

  // Every record operation names its tenant; the tenant must exist. Known ids are remembered
  // for the transaction so bulk upserts check once.
  Status require_tenant(std::string_view tenant) {
    if (known_tenants_.contains(std::string(tenant))) return core::Ok{};
    auto found = get_tenant(tenant);
    if (!found) return found.error();
    known_tenants_.insert(std::string(tenant));
    return core::Ok{};
  }
  Status read_for(std::string_view tenant) {
    if (auto s = usable(); !s) return s;
    return require_tenant(tenant);
  }
  Status write_for(std::string_view tenant) {
    if (auto s = writable(); !s) return s;
    return require_tenant(tenant);
  }

  Result<sync::Upsert> written(Status run, std::string_view where) {
    if (!run) return at(run.error(), where);
    return db().changes() > 0 ? sync::Upsert::kWritten : sync::Upsert::kUnchanged;
  }

  // Runs a "SELECT count(*) ... WHERE tenant = ?1 AND <column> = ?2".
  Result<std::int64_t> count(const char* sql, std::string_view tenant, std::string_view value) {
    if (auto s = read_for(tenant); !s) return s.error();
    auto st = prepare(sql);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant).bind(2, value);
    auto row = scope->step();
    if (!row) return at(row.error(), "tenant " + quoted(tenant));
    return *row ? scope->integer(0) : 0;
  }

  Result<std::optional<sync::OutboxEntry>> outbox_by_key(std::string_view key) {
    auto st = prepare(kSelectOutboxByKey);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, key);
    auto row = scope->step();
    if (!row) return row.error();
    if (!*row) return std::optional<sync::OutboxEntry>();
    RowReader reader(*scope, "outbox", db().path());
    sync::OutboxEntry entry = read_outbox(reader, *scope);
    if (reader.error()) return *reader.error();
    return std::optional<sync::OutboxEntry>(std::move(entry));
  }

  Result<std::vector<sync::AuditEvent>> read_audit_rows(Statement& statement) {
    std::vector<sync::AuditEvent> events;
    RowReader reader(statement, "audit_events", db().path());
    for (;;) {
      auto row = statement.step();
      if (!row) return row.error();
      if (!*row) return events;
      events.push_back(read_audit(reader, statement));
    }
  }

  // Runs `sql` (bound to the tenant as ?1) and calls read_row(reader, statement) for each row.
  template <typename ReadRow>
  Status each_row(const char* sql, std::string_view tenant, std::string_view table, ReadRow read_row) {
    auto st = prepare(sql);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant);
    RowReader reader(*scope, table, db().path());
    for (;;) {
      auto row = scope->step();
      if (!row) return at(row.error(), "tenant " + quoted(tenant) + ", " + std::string(table));
      if (!*row) break;
      read_row(reader, *scope);
    }
    if (reader.error()) return at(*reader.error(), "tenant " + quoted(tenant));
    return core::Ok{};
  }

  Status load_creditor(std::string_view tenant, core::State& state) {
    return each_row(kSelectCreditor, tenant, "creditors", [&](RowReader& r, const Statement&) {
      core::Creditor& c = state.creditor;
      c.name = r.text(0);
      c.address = {r.text(1), r.text(2), r.text(3), r.text(4)};
      c.email = r.text(5);
      c.phone = r.text(6);
      c.iban = r.text(7);
      c.bic = r.text(8);
      c.bank = r.text(9);
      c.vat_id = r.text(10);
    });
  }

  Status load_debtors(std::string_view tenant, core::State& state) {
    return each_row(kSelectDebtors, tenant, "debtors", [&](RowReader& r, const Statement&) {
      core::Debtor& d = state.debtors.emplace_back();
      d.id = r.text(0);
      d.name = r.text(1);
      d.kind = r.debtor_kind(2);
      d.email = r.text(3);
      d.language = r.text(4);
      d.address = {r.text(5), r.text(6), r.text(7), r.text(8)};
      d.block_until = r.optional_date(9);
      d.block_reason = r.text(10);
      d.insolvent = r.flag(11);
      d.agreed_interest_bp = r.optional_integer(12);
    });
  }

  Status load_items(std::string_view tenant, core::State& state) {
    return each_row(kSelectItems, tenant, "items", [&](RowReader& r, const Statement&) {
      core::OpenItem& i = state.items.emplace_back();
      i.id = r.text(0);
      i.number = r.text(1);
      i.debtor = r.text(2);
      i.invoice_date = r.date(3);
      i.due_date = r.optional_date(4);
      i.due_date_agreed = r.flag(5);
      i.received_date = r.optional_date(6);
      i.contract_date = r.optional_date(7);
      const core::Currency currency = r.currency(8);
      i.amount = r.money(9, currency);
      i.open_amount = r.money(10, currency);
      i.consumer_notice = r.flag(11);
      i.disputed = r.flag(12);
      i.block_until = r.optional_date(13);
      i.source_version = r.text(14);
      i.interest_blocked = r.flag(15);
    });
  }

  Status load_payments(std::string_view tenant, core::State& state) {
    return each_row(kSelectPayments, tenant, "payments", [&](RowReader& r, const Statement&) {
      core::Payment& p = state.payments.emplace_back();
      p.item = r.text(0);
      p.debtor = r.text(1);
      p.date = r.date(2);
      p.amount = r.money(4, r.currency(3));
      p.reference = r.text(5);
    });
  }

  Status load_history(std::string_view tenant, core::State& state) {
    auto notices = each_row(kSelectNotices, tenant, "notices", [&](RowReader& r, const Statement&) {
      core::NoticeRecord& n = state.notices.emplace_back();
      n.item = r.text(0);
      n.level = r.integer(1);
      n.date = r.date(2);
      n.received_date = r.optional_date(3);
    });
    if (!notices) return notices;
    return each_row(kSelectCharges, tenant, "charges", [&](RowReader& r, const Statement&) {
      core::ChargeRecord& c = state.charges.emplace_back();
      c.item = r.text(0);
      c.kind = r.enumeration(1, kChargeKinds);
      c.level = r.integer(2);
      c.amount = r.money(4, r.currency(3));
      c.date = r.date(5);
    });
  }

  Status load_plans(std::string_view tenant, core::State& state) {
    std::unordered_map<std::string, std::size_t> index;
    auto plans = each_row(kSelectPlans, tenant, "plans", [&](RowReader& r, const Statement&) {
      core::PaymentPlan& p = state.plans.emplace_back();
      p.id = r.text(0);
      p.debtor = r.text(1);
      p.agreed_on = r.date(2);
      const core::Currency currency = r.currency(3);
      p.principal = r.money(4, currency);
      p.costs = r.money(5, currency);
      p.interest = r.money(6, currency);
      p.plan_interest_bp = r.integer(7);
      p.plan_interest = r.money(8, currency);
      p.total = r.money(9, currency);
      p.interval = r.enumeration(10, kPlanIntervals);
      p.default_after_missed = r.integer(11);
      p.grace_days = r.integer(12);
      p.final_notice_date = r.optional_date(13);
      p.status = r.enumeration(14, kPlanStatuses);
      index.emplace(p.id, state.plans.size() - 1);
    });
    if (!plans) return plans;
    auto items = each_row(kSelectPlanItems, tenant, "plan_items", [&](RowReader& r, const Statement&) {
      auto found = index.find(r.text(0));
      if (found != index.end()) state.plans[found->second].items.push_back(r.text(1));
    });
    if (!items) return items;
    return each_row(kSelectInstallments, tenant, "plan_installments", [&](RowReader& r, const Statement&) {
      auto found = index.find(r.text(0));
      if (found == index.end()) return;
      core::PaymentPlan& p = state.plans[found->second];
      const core::Currency currency = p.principal.currency();
      p.installments.push_back({r.date(1), r.money(2, currency), r.money(3, currency)});
    });
  }

  // A plan's child rows are replaced only when they differ, so an unchanged plan writes nothing.
  Result<sync::Upsert> replace_plan_items(std::string_view tenant, const core::PaymentPlan& p) {
    std::vector<std::string> stored;
    {
      auto st = prepare(kSelectPlanItemsOf);
      if (!st) return st.error();
      StatementScope scope(**st);
      scope->bind(1, tenant).bind(2, p.id);
      for (;;) {
        auto row = scope->step();
        if (!row) return row.error();
        if (!*row) break;
        stored.emplace_back(scope->text(0));
      }
    }
    if (stored == p.items) return sync::Upsert::kUnchanged;
    if (auto s = run_for_plan(kDeletePlanItems, tenant, p.id); !s) return s.error();
    for (std::size_t i = 0; i < p.items.size(); ++i) {
      auto st = prepare(kInsertPlanItem);
      if (!st) return st.error();
      StatementScope scope(**st);
      scope->bind(1, tenant).bind(2, p.id).bind(3, static_cast<std::int64_t>(i)).bind(4, p.items[i]);
      if (auto s = scope->run(); !s) return s.error();
    }
    return sync::Upsert::kWritten;
  }

  Result<sync::Upsert> replace_installments(std::string_view tenant, const core::PaymentPlan& p) {
    bool same = true;
    std::size_t count = 0;
    {
      auto st = prepare(kSelectInstallmentsOf);
      if (!st) return st.error();
      StatementScope scope(**st);
      scope->bind(1, tenant).bind(2, p.id);
      for (;; ++count) {
        auto row = scope->step();
        if (!row) return row.error();
        if (!*row) break;
        if (count >= p.installments.size()) {
          same = false;
          continue;
        }
        const core::Installment& i = p.installments[count];
        same = same && scope->text(0) == core::format_date(i.due) && scope->integer(1) == i.amount.minor() &&
               scope->integer(2) == i.paid.minor();
      }
    }
    if (same && count == p.installments.size()) return sync::Upsert::kUnchanged;
    if (auto s = run_for_plan(kDeleteInstallments, tenant, p.id); !s) return s.error();
    for (std::size_t i = 0; i < p.installments.size(); ++i) {
      const core::Installment& installment = p.installments[i];
      auto st = prepare(kInsertInstallment);
      if (!st) return st.error();
      StatementScope scope(**st);
      scope->bind(1, tenant).bind(2, p.id).bind(3, static_cast<std::int64_t>(i));
      scope->bind(4, core::format_date(installment.due)).bind(5, installment.amount.minor());
      scope->bind(6, installment.paid.minor());
      if (auto s = scope->run(); !s) return s.error();
    }
    return sync::Upsert::kWritten;
  }

  Status run_for_plan(const char* sql, std::string_view tenant, std::string_view plan) {
    auto st = prepare(sql);
    if (!st) return st.error();
    StatementScope scope(**st);
    scope->bind(1, tenant).bind(2, plan);
    return scope->run();
  }

  SqliteStore::Impl& impl_;
  const bool writable_;
  bool finished_ = false;
  std::unordered_set<std::string> known_tenants_;
  // The last event this transaction appended (tenant, sequence, hash): the head of that tenant's
  // chain while the transaction holds the write lock. Dies with the transaction (rollback too).
  std::optional<sync::AuditEvent> audit_head_;
};

// Creates the file with mode 0600 before SQLite does (SQLite would use 0644): it holds personal
// data of debtors. -wal and -shm files take the database file's mode.
Status create_private_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) {
      return Error{ErrorKind::kInvalidInput, "is a folder, not a state database file", path};
    }
    return core::Ok{};
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return core::Ok{};  // another process was quicker
    return Error{ErrorKind::kUnavailable,
                 std::string("cannot create the state database: ") + std::strerror(errno), path};
  }
  ::close(fd);
  return core::Ok{};
}

// Touches every table once: a file whose schema or root pages are damaged fails here, at open,
// rather than in the middle of a job.
Status probe_tables(Database& db) {
  static constexpr const char* kProbes[] = {
      "SELECT 1 FROM tenants LIMIT 1",
      "SELECT 1 FROM creditors LIMIT 1",
      "SELECT 1 FROM debtors LIMIT 1",
      "SELECT 1 FROM items LIMIT 1",
      "SELECT 1 FROM payments LIMIT 1",
      "SELECT 1 FROM notices LIMIT 1",
      "SELECT 1 FROM charges LIMIT 1",
      "SELECT 1 FROM plans LIMIT 1",
      "SELECT 1 FROM plan_items LIMIT 1",
      "SELECT 1 FROM plan_installments LIMIT 1",
      "SELECT 1 FROM outbox LIMIT 1",
      "SELECT 1 FROM audit_events LIMIT 1",
      "SELECT 1 FROM sync_cursors LIMIT 1",
      "SELECT 1 FROM leases LIMIT 1",
      // "SELECT 1" may read only the smallest index, so the tables of migration 2 are read with
      // "*", and their indexes each by name: no load reads their root pages.
      "SELECT * FROM proposals LIMIT 1",
      "SELECT * FROM tenant_runs LIMIT 1",
      "SELECT * FROM debtor_settings LIMIT 1",
      "SELECT 1 FROM proposals INDEXED BY proposals_by_tenant WHERE tenant = '' LIMIT 1",
      "SELECT 1 FROM proposals INDEXED BY proposals_one_pending WHERE tenant = '' AND status = 'pending' "
      "LIMIT 1",
      "SELECT 1 FROM tenant_runs WHERE tenant = '' LIMIT 1",
  };
  for (const char* sql : kProbes) {
    auto st = db.prepare(sql);
    if (!st)
      return Error{ErrorKind::kInvalidInput, "the state database is damaged: " + st.error().message,
                   db.path()};
    StatementScope scope(**st);
    if (auto row = scope->step(); !row) {
      Error error = row.error();
      error.message = "checking the tables: " + error.message;
      return error;
    }
  }
  return core::Ok{};
}

Status configure(Database& db, const SqliteOptions& options) {
  sqlite3_busy_timeout(db.handle(), static_cast<int>(options.busy_timeout.count()));
  // Defensive mode: no writable_schema or other ways to corrupt the file from SQL.
  sqlite3_db_config(db.handle(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  // FULL: a commit is on disk before it returns. The outbox relies on "recorded before sent".
  return db.exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA trusted_schema = OFF;",
                 "configuring the connection");
}

Status use_wal(Database& db) {
  auto st = db.prepare("PRAGMA journal_mode = WAL");
  if (!st) return st.error();
  StatementScope scope(**st);
  auto row = scope->step();
  if (!row) return row.error();
  if (!*row || scope->text(0) != "wal") {
    return Error{ErrorKind::kUnavailable,
                 "cannot switch the state database to WAL mode (journal mode " + quoted(scope->text(0)) +
                     "; a network file system?)",
                 db.path()};
  }
  return core::Ok{};
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> open_sqlite_store(const std::string& path,
                                                       const SqliteOptions& options) {
  if (path.empty()) return core::invalid_input("the state database path is empty");
  const bool in_memory = path == kInMemory;
  if (!in_memory) {
    if (auto s = create_private_file(path); !s) return s.error();
  }
  auto opened = Database::open(path);
  if (!opened) return opened.error();
  auto impl = std::make_unique<SqliteStore::Impl>(SqliteStore::Impl{std::move(opened).value(), false});
  Database& db = impl->db;
  // The first read of the file: a text file, a truncated header or a damaged schema fails here.
  if (auto s = db.exec("SELECT count(*) FROM sqlite_schema", "reading the state database"); !s)
    return s.error();
  if (auto s = configure(db, options); !s) return s.error();
  if (auto s = prepare_schema(db); !s) return s.error();
  if (!in_memory) {
    if (auto s = use_wal(db); !s) return s.error();
  }
  if (auto s = probe_tables(db); !s) return s.error();
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<sync::Transaction>> SqliteStore::begin(sync::Access access) {
  if (impl_->transaction_open) {
    return Error{ErrorKind::kInternal, "a transaction is already open on this store", impl_->db.path()};
  }
  const bool writable = access == sync::Access::kReadWrite;
  // IMMEDIATE takes the write lock now: two writers never both read and then fail to upgrade.
  if (auto s = impl_->db.exec(writable ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED", "starting a transaction");
      !s) {
    return s.error();
  }
  impl_->transaction_open = true;
  return std::unique_ptr<sync::Transaction>(std::make_unique<SqliteTransaction>(*impl_, writable));
}

std::string SqliteStore::location() const { return impl_->db.path(); }

Result<int> SqliteStore::schema_version() {
  auto st = impl_->db.prepare("PRAGMA user_version");
  if (!st) return st.error();
  StatementScope scope(**st);
  auto row = scope->step();
  if (!row) return row.error();
  return static_cast<int>(scope->integer(0));
}

Status SqliteStore::check_integrity() {
  auto st = impl_->db.prepare("PRAGMA quick_check");
  if (!st) return st.error();
  StatementScope scope(**st);
  auto row = scope->step();
  if (!row) return row.error();
  if (*row && scope->text(0) == "ok") return core::Ok{};
  return Error{ErrorKind::kInvalidInput,
               "the state database is damaged: " + std::string(*row ? scope->text(0) : "no integrity report"),
               impl_->db.path()};
}

namespace {

std::optional<std::string> getenv_lookup(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// Creates each missing folder of `dir` with mode 0700 (existing ones are left as they are).
void make_private_dirs(const std::string& dir) {
  for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos == dir.size() || dir[pos] == '/') {
      const std::string prefix = dir.substr(0, pos);
      if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) return;
    }
  }
}

std::string home_directory(const EnvLookup& env) {
  if (auto home = env("HOME")) return *home;
  if (const passwd* entry = ::getpwuid(::getuid()); entry != nullptr && entry->pw_dir != nullptr) {
    return entry->pw_dir;
  }
  return ".";
}

}  // namespace

std::string default_state_path() { return default_state_path(getenv_lookup); }

std::string default_state_path(const EnvLookup& env) {
  std::string dir;
  // Empty values count as unset, as the XDG spec says for XDG_STATE_HOME.
  auto lookup = [&env](std::string_view name) -> std::optional<std::string> {
    auto value = env(name);
    if (value && value->empty()) return std::nullopt;
    return value;
  };
  if (auto state_directory = lookup("STATE_DIRECTORY")) {
    dir = state_directory->substr(0, state_directory->find(':'));
  } else if (auto xdg = lookup("XDG_STATE_HOME"); xdg && xdg->front() == '/') {
    dir = *xdg + "/mahnwerk";
  } else {
    dir = home_directory(lookup) + "/.local/state/mahnwerk";
  }
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  make_private_dirs(dir);
  return dir + "/mahnwerk.db";
}

}  // namespace mahnwerk::store
