// The Store port (DESIGN.md §3): transactions over the persistent state of every tenant —
// canonical records, outbox, audit trail, sync cursors and tenant leases. connector/store holds
// the implementations (SQLite, the embedded default); the sync job, the outbox drain, the
// scheduler and the CLI see only this interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connector/core/model.h"
#include "connector/core/result.h"
#include "connector/sync/audit.h"

namespace mahnwerk::sync {

// A Mandant as the store knows it. Its configuration lives in the office file, not here.
struct Tenant {
  std::string id;
  std::string name;
};

// The life of a write-back (DESIGN.md §4, issue 4 "Outbox: exactly once"):
//   pending --attempt landed--> sent --confirmed--> confirmed
//   pending --retryable failure--> pending (attempts + 1)   pending --lookup says it landed--> confirmed
//   pending|sent --gave up--> failed --`outbox retry`--> pending
enum class OutboxState { kPending, kSent, kConfirmed, kFailed };
std::string_view to_string(OutboxState state);  // "pending" | "sent" | "confirmed" | "failed"
core::Result<OutboxState> parse_outbox_state(std::string_view text);
// Whether the state machine above allows from -> to.
bool outbox_transition_allowed(OutboxState from, OutboxState to);

struct OutboxEntry {
  std::int64_t id = 0;  // assigned by the store; orders entries by creation
  std::string tenant;
  std::string kind;             // "fee", "interest", "dunning_document", "block", "plan_status", "letter"
  std::string target;           // what it changes remotely: "item:RE-2025-0101"
  std::string idempotency_key;  // stable, derived from (tenant, kind, target, level/installment); unique
  std::string payload;          // JSON text the adapter sends
  OutboxState state = OutboxState::kPending;
  int attempts = 0;
  std::string last_error;
  std::string remote_reference;  // the remote system's id for what was created
};

// A change of an outbox entry's state. Empty strings leave the stored values unchanged.
struct OutboxChange {
  OutboxState to = OutboxState::kPending;
  bool attempted = false;  // a send was tried: attempts + 1
  std::string error;       // becomes last_error
  std::string remote_reference;
};

struct OutboxInsert {
  OutboxEntry entry;  // as stored (the earlier one when the key already existed)
  bool inserted = false;
};

// A tenant lease: who works on a tenant until when. One holder at a time; an expired lease can
// be taken over. The scheduler and manual runs share it, so a tenant is never synced twice at once.
struct Lease {
  std::string tenant;
  std::string owner;  // "host:pid" or a worker id
  std::chrono::sys_seconds expires_at;
};

// What an upsert did.
enum class Upsert { kUnchanged, kWritten };

// A Mahnvorschlag waiting for a person (approval mode "manual"), or what became of it:
//   pending --approve--> approved   pending --reject--> rejected
//   pending --a newer proposal of the tenant is stored--> superseded
// approved, rejected and superseded are final.
enum class ProposalStatus { kPending, kApproved, kRejected, kSuperseded };
std::string_view to_string(ProposalStatus status);  // "pending" | "approved" | "rejected" | "superseded"
core::Result<ProposalStatus> parse_proposal_status(std::string_view text);

struct StoredProposal {
  std::int64_t id = 0;  // assigned by the store; unique across tenants, increasing
  std::string tenant;
  std::chrono::sys_seconds created_at{};
  core::Date as_of;  // the day the proposal was computed for
  ProposalStatus status = ProposalStatus::kPending;
  std::string body;          // JSON text: everything needed to commit it later (sync/job.h)
  std::string input_digest;  // digest of the state it was computed from; differs => stale
  std::string decided_by;    // approved/rejected: who ("user:anna"); superseded: "sync"
  std::optional<std::chrono::sys_seconds> decided_at;
  std::string reason;  // rejected: why; superseded: by which proposal
};

// When a tenant was last pulled and run, for the freshness gate and `mahnwerk status`.
struct PullRecord {
  std::chrono::sys_seconds time{};
  bool ok = false;
  std::string message;  // failed: why (names the source); ok: a summary
};
struct RunRecord {
  std::chrono::sys_seconds time{};
  std::string outcome;  // "committed", "awaiting_approval", "nothing_to_do", "stale", "failed", ...
  std::string message;
};
struct TenantRuns {
  std::optional<PullRecord> last_pull;     // the latest pull, successful or not
  std::optional<PullRecord> last_ok_pull;  // the latest successful pull
  std::optional<RunRecord> last_run;
};

// One unit of work. Everything done through it becomes visible to others on commit() and is
// undone by rollback() — or by destroying the transaction without commit (RAII).
// Errors: kInvalidInput for bad data (empty ids, mixed currencies, malformed JSON), kConflict
// for a unique constraint (a second charge for the same item, kind and level; a lease held by
// someone else; a forbidden outbox transition), kNotFound for an unknown tenant or a missing
// record, kUnavailable when the database is busy or the disk fails (retry later), kInternal for
// misuse (a call after commit, a write in a read-only transaction). A failed call leaves the
// transaction usable, but the caller normally rolls back. All record operations are scoped to
// one tenant: nothing of tenant A is read or changed through an operation naming tenant B.
// A debtor's own dunning settings in the source's form (Transaction::put_debtor_settings).
struct DebtorSettings {
  std::string debtor;
  std::string settings;
};

class Transaction {
 public:
  virtual ~Transaction() = default;
  Transaction() = default;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // REQUIRES: neither commit nor rollback called before (kInternal otherwise).
  virtual core::Status commit() = 0;
  // Idempotent; a no-op after commit.
  virtual void rollback() = 0;

  // --- tenants
  virtual core::Status upsert_tenant(const Tenant& tenant) = 0;
  virtual core::Result<Tenant> get_tenant(std::string_view id) = 0;  // kNotFound
  virtual core::Result<std::vector<Tenant>> list_tenants() = 0;      // by id

  // --- canonical records (connector/core/model.h) of one tenant. REQUIRES for all: the tenant
  // exists (kNotFound otherwise). References between records (an item's debtor, a plan's
  // items) are not enforced: sources deliver items without master data; the engines check them.
  virtual core::Status put_creditor(std::string_view tenant, const core::Creditor& creditor) = 0;
  // Insert or update by id; kUnchanged when the stored record already equals it.
  virtual core::Result<Upsert> upsert_debtor(std::string_view tenant, const core::Debtor& debtor) = 0;
  virtual core::Result<Upsert> upsert_item(std::string_view tenant, const core::OpenItem& item) = 0;
  // Payments carry no id in the model; `id` is the source's payment id (or payment_key()).
  virtual core::Result<Upsert> upsert_payment(std::string_view tenant, std::string_view id,
                                              const core::Payment& payment) = 0;
  virtual core::Result<Upsert> upsert_plan(std::string_view tenant, const core::PaymentPlan& plan) = 0;
  // History: one notice per (item, level), one charge per (item, kind, level). A second one is
  // refused by the database with kConflict — nothing is charged twice.
  virtual core::Status insert_notice(std::string_view tenant, const core::NoticeRecord& notice) = 0;
  virtual core::Status insert_charge(std::string_view tenant, const core::ChargeRecord& charge) = 0;
  // The tenant's whole state, records in the order they were first stored. An unknown tenant is
  // kNotFound; a tenant without records an empty State.
  virtual core::Result<core::State> load_state(std::string_view tenant) = 0;

  // A debtor's own dunning settings as the source keeps them (DATEV's Mahnung, Mahngebühr,
  // Verzugspauschale, ... of a Debitoren record): text in the adapter's own form, opaque to the
  // store and the job, which hand it back to Adapter::debtor_policy(). Empty text removes the
  // debtor's settings (the tenant's policy applies). kUnchanged when the stored text equals it.
  virtual core::Result<Upsert> put_debtor_settings(std::string_view tenant, std::string_view debtor,
                                                   std::string_view settings) = 0;
  // The tenant's debtors with settings, by debtor id.
  virtual core::Result<std::vector<DebtorSettings>> load_debtor_settings(std::string_view tenant) = 0;

  // Stores a whole State: creditor, upserts of debtors, items, payments (ids by payment_key)
  // and plans; notices and charges not yet stored are inserted, stored ones left alone.
  core::Status upsert_state(std::string_view tenant, const core::State& state);

  // --- outbox
  // Inserts the entry as pending unless its idempotency key exists. An existing key of the same
  // tenant returns the stored entry (inserted = false): re-running a step never duplicates a
  // write-back. A key of another tenant is kConflict. entry.id/state/attempts are ignored.
  virtual core::Result<OutboxInsert> insert_outbox_if_absent(const OutboxEntry& entry) = 0;
  virtual core::Result<OutboxEntry> get_outbox(std::string_view tenant,
                                               std::string_view key) = 0;  // kNotFound
  // The tenant's entries in one state, oldest first; limit 0 = all.
  virtual core::Result<std::vector<OutboxEntry>> list_outbox(std::string_view tenant, OutboxState state,
                                                             std::size_t limit = 0) = 0;
  // Moves an entry along the state machine; a transition it does not allow is kConflict.
  virtual core::Result<OutboxEntry> update_outbox(std::string_view tenant, std::string_view key,
                                                  const OutboxChange& change) = 0;

  // --- audit trail (append-only; no operation changes or removes an event)
  // Appends the next event of the tenant's chain (audit.h) and returns it sealed.
  virtual core::Result<AuditEvent> append_audit(std::string_view tenant, const AuditDraft& draft) = 0;
  // The tenant's events with sequence > after_sequence, in sequence order; limit 0 = all.
  virtual core::Result<std::vector<AuditEvent>> list_audit(std::string_view tenant,
                                                           std::int64_t after_sequence = 0,
                                                           std::size_t limit = 0) = 0;
  // The tenant's events about one subject ("item:RE-1"), in sequence order.
  virtual core::Result<std::vector<AuditEvent>> list_audit_by_subject(std::string_view tenant,
                                                                      std::string_view subject) = 0;

  // --- sync cursors: the adapter's opaque position per (tenant, stream)
  virtual core::Result<std::optional<std::string>> get_cursor(std::string_view tenant,
                                                              std::string_view stream) = 0;
  virtual core::Status set_cursor(std::string_view tenant, std::string_view stream,
                                  std::string_view value) = 0;

  // --- leases
  // Takes the tenant's lease for `owner` until now + ttl, or extends it when `owner` holds it.
  // kConflict (naming the holder and expiry) while another owner's lease has not expired at `now`.
  virtual core::Result<Lease> acquire_lease(std::string_view tenant, std::string_view owner,
                                            std::chrono::sys_seconds now, std::chrono::seconds ttl) = 0;
  // Gives the lease back. Releasing a lease one does not hold is kConflict; no lease at all is Ok.
  virtual core::Status release_lease(std::string_view tenant, std::string_view owner) = 0;
  // Takes over the lease `dead_owner` holds, expired or not, for `owner` until now + ttl: for a
  // holder known to be gone (a process killed on this host), whose lease would otherwise block
  // every run until it expires. kConflict when the lease is not (or no longer) dead_owner's.
  virtual core::Result<Lease> take_over_lease(std::string_view tenant, std::string_view dead_owner,
                                              std::string_view owner, std::chrono::sys_seconds now,
                                              std::chrono::seconds ttl) = 0;
  virtual core::Result<std::optional<Lease>> get_lease(std::string_view tenant) = 0;

  // --- pending proposals (approval mode "manual")
  // Stores `proposal` as pending (its id, status and decision fields are ignored) and marks the
  // tenant's older pending proposal superseded (decided_by "sync", decided_at the new one's
  // created_at, reason "superseded by a newer proposal"),
  // so a tenant has at most one pending proposal. Returns it as stored. kInvalidInput for a
  // body that is not JSON or an empty digest.
  virtual core::Result<StoredProposal> insert_proposal(const StoredProposal& proposal) = 0;
  // Any tenant's proposal by id (ids are global, so `proposal approve 7` needs no tenant).
  // kNotFound for an unknown id.
  virtual core::Result<StoredProposal> get_proposal(std::int64_t id) = 0;
  // The tenant's proposals, newest first; only those in `status` when given.
  virtual core::Result<std::vector<StoredProposal>> list_proposals(
      std::string_view tenant, std::optional<ProposalStatus> status = std::nullopt) = 0;
  // Moves a pending proposal to approved, rejected or superseded, recording who, when and why.
  // kConflict when it is no longer pending (naming its status) or `to` is pending; kNotFound for
  // an unknown id.
  virtual core::Result<StoredProposal> decide_proposal(std::int64_t id, ProposalStatus to,
                                                       std::string_view decided_by,
                                                       std::chrono::sys_seconds at,
                                                       std::string_view reason) = 0;
  virtual core::Result<std::int64_t> count_proposals(std::string_view tenant, ProposalStatus status) = 0;

  // --- run records
  // Records a pull: it becomes last_pull, and last_ok_pull too when it succeeded.
  virtual core::Status record_pull(std::string_view tenant, const PullRecord& pull) = 0;
  virtual core::Status record_run(std::string_view tenant, const RunRecord& run) = 0;
  // What is recorded; all nullopt for a tenant never pulled or run.
  virtual core::Result<TenantRuns> get_runs(std::string_view tenant) = 0;

  // The number of the tenant's outbox entries in `state` (status: failed write-backs).
  virtual core::Result<std::int64_t> count_outbox(std::string_view tenant, OutboxState state) = 0;
};

enum class Access {
  kReadWrite,  // takes the write lock at begin (no upgrade deadlocks); one writer at a time
  kReadOnly,   // a consistent snapshot; never blocks writers; write operations are kInternal
};

// A connection to one state store. Not thread-safe: one Store per thread (or per process);
// several processes may open the same store and serialise through its transactions.
class Store {
 public:
  virtual ~Store() = default;
  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Starts a transaction. One at a time per Store (kInternal while another is open); kUnavailable
  // when another process holds the write lock longer than the busy timeout.
  virtual core::Result<std::unique_ptr<Transaction>> begin(Access access = Access::kReadWrite) = 0;
  // Where the store lives, for messages ("/var/lib/mahnwerk/mahnwerk.db").
  virtual std::string location() const = 0;
};

// A stable id for a payment whose source gives none: hex SHA-256 of its fields plus the
// occurrence among identical payments ("#0", "#1", ...), so identical payments stay distinct.
std::string payment_key(const core::Payment& payment, int occurrence);

}  // namespace mahnwerk::sync
