// Schema migrations of the SQLite store. Migrations are append-only: a released one is never
// edited; a change is a new migration at the end of the list.
#include "connector/store/sqlite_schema.h"

#include <string>

namespace mahnwerk::store {
namespace {

// Version 1. Every table is keyed by tenant first, so one tenant's rows are one index range and
// no statement can reach another tenant's rows without naming it. Money is INTEGER minor units
// with a currency TEXT; dates are ISO TEXT (YYYY-MM-DD); booleans 0/1. Record tables are rowid
// tables so the insertion order survives upserts (loads order by rowid).
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE tenants (
  id   TEXT PRIMARY KEY NOT NULL CHECK (id <> ''),
  name TEXT NOT NULL
);

CREATE TABLE creditors (
  tenant  TEXT PRIMARY KEY NOT NULL REFERENCES tenants(id),
  name    TEXT NOT NULL,
  street  TEXT NOT NULL,
  zip     TEXT NOT NULL,
  city    TEXT NOT NULL,
  country TEXT NOT NULL,
  email   TEXT NOT NULL,
  phone   TEXT NOT NULL,
  iban    TEXT NOT NULL,
  bic     TEXT NOT NULL,
  bank    TEXT NOT NULL,
  vat_id  TEXT NOT NULL
);

CREATE TABLE debtors (
  tenant       TEXT NOT NULL REFERENCES tenants(id),
  id           TEXT NOT NULL CHECK (id <> ''),
  name         TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('business', 'consumer', 'public')),
  email        TEXT NOT NULL,
  language     TEXT NOT NULL,
  street       TEXT NOT NULL,
  zip          TEXT NOT NULL,
  city         TEXT NOT NULL,
  country      TEXT NOT NULL,
  block_until  TEXT,
  block_reason TEXT NOT NULL,
  insolvent    INTEGER NOT NULL CHECK (insolvent IN (0, 1)),
  PRIMARY KEY (tenant, id)
);

CREATE TABLE items (
  tenant          TEXT NOT NULL REFERENCES tenants(id),
  id              TEXT NOT NULL CHECK (id <> ''),
  number          TEXT NOT NULL,
  debtor          TEXT NOT NULL,
  invoice_date    TEXT NOT NULL,
  due_date        TEXT,
  due_date_agreed INTEGER NOT NULL CHECK (due_date_agreed IN (0, 1)),
  received_date   TEXT,
  contract_date   TEXT,
  currency        TEXT NOT NULL CHECK (length(currency) = 3),
  amount          INTEGER NOT NULL,
  open_amount     INTEGER NOT NULL,
  consumer_notice INTEGER NOT NULL CHECK (consumer_notice IN (0, 1)),
  disputed        INTEGER NOT NULL CHECK (disputed IN (0, 1)),
  block_until     TEXT,
  source_version  TEXT NOT NULL,
  PRIMARY KEY (tenant, id)
);
CREATE INDEX items_by_debtor ON items (tenant, debtor);

CREATE TABLE payments (
  tenant    TEXT NOT NULL REFERENCES tenants(id),
  id        TEXT NOT NULL CHECK (id <> ''),
  item      TEXT NOT NULL,
  debtor    TEXT NOT NULL,
  date      TEXT NOT NULL,
  currency  TEXT NOT NULL CHECK (length(currency) = 3),
  amount    INTEGER NOT NULL,
  reference TEXT NOT NULL,
  PRIMARY KEY (tenant, id)
);

-- History: one notice per item and level, one charge per item, kind and level. The unique keys
-- are the last line of "nothing is charged twice": a second charge fails here whatever the code.
CREATE TABLE notices (
  tenant        TEXT NOT NULL REFERENCES tenants(id),
  item          TEXT NOT NULL,
  level         INTEGER NOT NULL CHECK (level >= 0),
  date          TEXT NOT NULL,
  received_date TEXT,
  PRIMARY KEY (tenant, item, level)
);

CREATE TABLE charges (
  tenant   TEXT NOT NULL REFERENCES tenants(id),
  item     TEXT NOT NULL,
  kind     TEXT NOT NULL CHECK (kind IN ('fee', 'flat_fee', 'interest')),
  level    INTEGER NOT NULL CHECK (level >= 0),
  currency TEXT NOT NULL CHECK (length(currency) = 3),
  amount   INTEGER NOT NULL,
  date     TEXT NOT NULL,
  PRIMARY KEY (tenant, item, kind, level)
);

CREATE TABLE plans (
  tenant               TEXT NOT NULL REFERENCES tenants(id),
  id                   TEXT NOT NULL CHECK (id <> ''),
  debtor               TEXT NOT NULL,
  agreed_on            TEXT NOT NULL,
  currency             TEXT NOT NULL CHECK (length(currency) = 3),
  principal            INTEGER NOT NULL,
  costs                INTEGER NOT NULL,
  interest             INTEGER NOT NULL,
  plan_interest_bp     INTEGER NOT NULL,
  plan_interest        INTEGER NOT NULL,
  total                INTEGER NOT NULL,
  interval             TEXT NOT NULL CHECK (interval IN ('monthly', 'biweekly', 'weekly')),
  default_after_missed INTEGER NOT NULL,
  grace_days           INTEGER NOT NULL,
  final_notice_date    TEXT,
  status               TEXT NOT NULL CHECK (status IN ('active', 'completed', 'defaulted', 'cancelled')),
  PRIMARY KEY (tenant, id)
);

CREATE TABLE plan_items (
  tenant   TEXT NOT NULL,
  plan     TEXT NOT NULL,
  position INTEGER NOT NULL,
  item     TEXT NOT NULL,
  PRIMARY KEY (tenant, plan, position),
  FOREIGN KEY (tenant, plan) REFERENCES plans (tenant, id) ON DELETE CASCADE
);

CREATE TABLE plan_installments (
  tenant   TEXT NOT NULL,
  plan     TEXT NOT NULL,
  position INTEGER NOT NULL,
  due      TEXT NOT NULL,
  amount   INTEGER NOT NULL,
  paid     INTEGER NOT NULL,
  PRIMARY KEY (tenant, plan, position),
  FOREIGN KEY (tenant, plan) REFERENCES plans (tenant, id) ON DELETE CASCADE
);

-- Idempotency keys are unique across all tenants: a key names one write-back, ever.
CREATE TABLE outbox (
  id               INTEGER PRIMARY KEY,
  tenant           TEXT NOT NULL REFERENCES tenants(id),
  kind             TEXT NOT NULL CHECK (kind <> ''),
  target           TEXT NOT NULL CHECK (target <> ''),
  idempotency_key  TEXT NOT NULL UNIQUE CHECK (idempotency_key <> ''),
  payload          TEXT NOT NULL,
  state            TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'confirmed', 'failed')),
  attempts         INTEGER NOT NULL CHECK (attempts >= 0),
  last_error       TEXT NOT NULL,
  remote_reference TEXT NOT NULL
);
CREATE INDEX outbox_by_state ON outbox (tenant, state, id);

CREATE TABLE audit_events (
  tenant        TEXT NOT NULL REFERENCES tenants(id),
  sequence      INTEGER NOT NULL CHECK (sequence >= 1),
  time          TEXT NOT NULL,
  actor         TEXT NOT NULL,
  kind          TEXT NOT NULL,
  subject       TEXT NOT NULL,
  data          TEXT NOT NULL,
  previous_hash TEXT NOT NULL,
  hash          TEXT NOT NULL,
  PRIMARY KEY (tenant, sequence)
);
CREATE INDEX audit_by_subject ON audit_events (tenant, subject, sequence);
-- Append-only (GoBD): the database refuses to change or remove an event. The hash chain
-- detects what is done around these triggers (another tool, a copied file).
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;

CREATE TABLE sync_cursors (
  tenant TEXT NOT NULL REFERENCES tenants(id),
  stream TEXT NOT NULL CHECK (stream <> ''),
  value  TEXT NOT NULL,
  PRIMARY KEY (tenant, stream)
);

CREATE TABLE leases (
  tenant     TEXT PRIMARY KEY NOT NULL REFERENCES tenants(id),
  owner      TEXT NOT NULL CHECK (owner <> ''),
  expires_at INTEGER NOT NULL  -- seconds since 1970-01-01 UTC
);
)sql";

// Version 2: pending proposals (approval mode "manual") and per-tenant run records. A partial
// unique index keeps at most one pending proposal per tenant whatever the code does.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE proposals (
  id           INTEGER PRIMARY KEY,
  tenant       TEXT NOT NULL REFERENCES tenants(id),
  created_at   INTEGER NOT NULL,  -- seconds since 1970-01-01 UTC
  as_of        TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'superseded')),
  body         TEXT NOT NULL,
  input_digest TEXT NOT NULL CHECK (input_digest <> ''),
  decided_by   TEXT NOT NULL,
  decided_at   INTEGER,
  reason       TEXT NOT NULL
);
CREATE INDEX proposals_by_tenant ON proposals (tenant, status, id);
CREATE UNIQUE INDEX proposals_one_pending ON proposals (tenant) WHERE status = 'pending';

CREATE TABLE tenant_runs (
  tenant            TEXT PRIMARY KEY NOT NULL REFERENCES tenants(id),
  last_pull_at      INTEGER,
  last_pull_ok      INTEGER CHECK (last_pull_ok IN (0, 1)),
  last_pull_message TEXT NOT NULL DEFAULT '',
  last_ok_pull_at   INTEGER,
  last_ok_pull_message TEXT NOT NULL DEFAULT '',
  last_run_at       INTEGER,
  last_run_outcome  TEXT NOT NULL DEFAULT '',
  last_run_message  TEXT NOT NULL DEFAULT ''
);
)sql";

// Version 3: what the DATEV reader found and the claim engine honours, kept across runs: a
// debtor's agreed default-interest rate (§ 288 III BGB, p.a. in basis points; NULL = none agreed)
// and an item's Zinssperre (no default interest). Existing rows get "none agreed" and "not
// blocked", which is what they meant before the columns existed.
constexpr const char* kSchemaV3 = R"sql(
ALTER TABLE debtors ADD COLUMN agreed_interest_bp INTEGER
  CHECK (agreed_interest_bp IS NULL OR agreed_interest_bp >= 0);
ALTER TABLE items ADD COLUMN interest_blocked INTEGER NOT NULL DEFAULT 0 CHECK (interest_blocked IN (0, 1));
)sql";

// Version 4: a debtor's own dunning settings as the source keeps them (DATEV Debitoren: Mahnung,
// Mahngebühr, Verzugspauschale, Mahnlimit, Mahnfristen), in the adapter's own text form; the job
// turns them into the debtor's policy through the adapter. No row: the tenant's policy applies.
constexpr const char* kSchemaV4 = R"sql(
CREATE TABLE debtor_settings (
  tenant   TEXT NOT NULL REFERENCES tenants(id),
  debtor   TEXT NOT NULL CHECK (debtor <> ''),
  settings TEXT NOT NULL CHECK (settings <> ''),
  PRIMARY KEY (tenant, debtor)
);
)sql";

constexpr Migration kMigrations[] = {
    {1, "tenants, records, history, plans, outbox, audit trail, cursors, leases", kSchemaV1},
    {2, "pending proposals and per-tenant run records", kSchemaV2},
    {3, "agreed default-interest rate of debtors, interest block (Zinssperre) of items", kSchemaV3},
    {4, "debtors' own dunning settings from the source", kSchemaV4},
};

core::Result<std::int64_t> pragma_integer(Database& db, const char* sql) {
  auto statement = db.prepare(sql);
  if (!statement) return statement.error();
  StatementScope scope(**statement);
  auto row = scope->step();
  if (!row) return row.error();
  return *row ? scope->integer(0) : 0;
}

core::Error not_ours(const Database& db, std::string why) {
  return core::Error{core::ErrorKind::kInvalidInput,
                     "not a mahnwerk state database (" + why + "); refusing to use it", db.path()};
}

// Applies migration `m` unless another process did so first (both may have seen the old version).
core::Status apply(Database& db, const Migration& m) {
  if (auto s = db.exec("BEGIN IMMEDIATE", "starting a schema migration"); !s) return s;
  auto fail = [&db](core::Error error) -> core::Status {
    (void)db.exec("ROLLBACK", "rolling back a failed migration");
    return error;
  };
  auto version = pragma_integer(db, "PRAGMA user_version");
  if (!version) return fail(version.error());
  if (*version >= m.version) return db.exec("COMMIT", "finishing a schema migration");
  if (*version != m.version - 1) {
    return fail(core::Error{
        core::ErrorKind::kInternal,
        "schema version " + std::to_string(*version) + " cannot be migrated to " + std::to_string(m.version),
        db.path()});
  }
  const std::string doing =
      "applying schema migration " + std::to_string(m.version) + " (" + m.description + ")";
  if (auto s = db.exec(m.sql, doing); !s) return fail(s.error());
  // PRAGMAs take no bound parameters; both numbers are constants of this file, not data.
  std::string stamp = "PRAGMA user_version = " + std::to_string(m.version) + ";";
  if (m.version == 1) stamp += " PRAGMA application_id = " + std::to_string(kApplicationId) + ";";
  if (auto s = db.exec(stamp.c_str(), doing); !s) return fail(s.error());
  return db.exec("COMMIT", doing);
}

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

int latest_schema_version() { return kMigrations[std::size(kMigrations) - 1].version; }

core::Status prepare_schema(Database& db) {
  // The first read of page 1: a text file or a truncated header fails here.
  auto application_id = pragma_integer(db, "PRAGMA application_id");
  if (!application_id) return application_id.error();
  auto version = pragma_integer(db, "PRAGMA user_version");
  if (!version) return version.error();
  auto objects = pragma_integer(db, "SELECT count(*) FROM sqlite_schema");
  if (!objects) return objects.error();

  const bool empty = *application_id == 0 && *version == 0 && *objects == 0;
  if (!empty && *application_id != kApplicationId) {
    if (*application_id == 0) {
      return not_ours(db, "a SQLite database of another application: " + std::to_string(*objects) +
                              " schema objects, no mahnwerk application id");
    }
    return not_ours(db, "SQLite application id " + std::to_string(*application_id));
  }
  if (*version > latest_schema_version()) {
    return core::Error{core::ErrorKind::kInvalidInput,
                       "the state database has schema version " + std::to_string(*version) +
                           ", newer than this mahnwerk knows (" + std::to_string(latest_schema_version()) +
                           "); use the mahnwerk version that wrote it or a newer one",
                       db.path()};
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= *version) continue;
    if (auto s = apply(db, m); !s) return s;
  }
  return core::Ok{};
}

}  // namespace mahnwerk::store
