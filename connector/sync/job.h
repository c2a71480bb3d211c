// The sync job of one tenant (issue 4, docs/sync.md):
//   lease -> pull -> upsert -> reconcile -> propose -> approval -> commit -> drain -> report.
// Also approving and rejecting a pending proposal (approval mode "manual"). The job sees only the
// ports (Store, Adapter, Clock) and a sync-level settings struct: it does not know where the
// settings came from (the office file) nor which adapter it drives.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connector/core/basiszins.h"
#include "connector/core/calendar.h"
#include "connector/core/model.h"
#include "connector/core/policy.h"
#include "connector/core/result.h"
#include "connector/sync/adapter.h"
#include "connector/sync/clock.h"
#include "connector/sync/commit_plan.h"
#include "connector/sync/drain.h"
#include "connector/sync/lease.h"
#include "connector/sync/store.h"

namespace mahnwerk::sync {

enum class Approval { kAuto, kManual };

// Everything the job needs to know about a tenant.
struct TenantSettings {
  std::string tenant;
  std::string name;
  core::Creditor creditor;  // stored as the tenant's creditor; an empty name keeps the source's
  core::Policy policy;      // REQUIRES: valid (core::validate empty)
  Approval approval = Approval::kManual;
  // Freshness gate: no notices when the last successful pull is older than this.
  std::chrono::seconds max_pull_age = std::chrono::hours(26);
  core::HolidayCalendar calendar;
  const core::BasiszinsTable* basiszins = nullptr;  // REQUIRES: set; outlives the job
  PayloadAccounts accounts;                         // booking accounts copied into payloads
  std::string actor = "sync";                       // audit actor of the job's own events
};

struct JobOptions {
  bool dry_run = false;              // compute everything, change nothing (see run_job)
  bool full = false;                 // pull everything, not from the stored cursor
  std::optional<core::Date> as_of;   // default: the clock's UTC day
  std::string lease_owner = "sync";  // "host:pid"
  std::chrono::seconds lease_ttl = std::chrono::minutes(30);
  // Whether the holder of a lease that blocks this job is known to be gone (a process of this
  // host that no longer exists, e.g. killed by SIGKILL). True: its lease is taken over, with an
  // audit event "lease_taken_over", instead of waiting for it to expire. Empty: never.
  LeaseHolderGone lease_holder_gone;
  DrainOptions drain;
  Sleeper* sleeper = nullptr;  // for the drain's backoff; nullptr: ThreadSleeper
};

enum class JobOutcome {
  kCommitted,         // notices, charges and write-backs committed (and drained)
  kNothingToDo,       // nothing to propose
  kAwaitingApproval,  // a pending proposal was stored (approval "manual")
  kStale,             // freshness gate: no notices (the last good pull is too old)
  kPullFailed,        // the pull failed: recorded, no notices; earlier write-backs drained
};
std::string_view to_string(JobOutcome outcome);  // "committed", "nothing_to_do", "awaiting_approval", ...

struct JobReport {
  std::string tenant;
  core::Date as_of;
  bool dry_run = false;
  JobOutcome outcome = JobOutcome::kNothingToDo;
  std::string message;  // why, for kStale, kPullFailed and kAwaitingApproval

  int pulled = 0;    // records the source delivered (debtors, items, payments)
  int upserted = 0;  // of them new or changed in the store
  int closed = 0;    // items closed: missing from a full pull, or paid (reconcile)
  int rejected = 0;  // records the source delivered that could not be read
  int payments_allocated = 0;
  int plans_updated = 0;
  int events = 0;  // positive events recorded
  int proposed_notices = 0;
  int proposed_charges = 0;
  int committed_notices = 0;  // notice records (per item and level) written
  int committed_charges = 0;
  int outbox_created = 0;
  int pushed = 0;                           // write-backs confirmed by the drain
  int deferred = 0;                         // left pending for the next run
  int failed = 0;                           // write-backs that ended failed in this run
  std::optional<std::int64_t> proposal_id;  // the stored pending proposal
  CommitPlan plan;                          // what was (or, dry run, would be) committed
  std::vector<std::string> warnings;
  std::optional<core::Error> pull_error;  // kPullFailed: the adapter's error
};

// Runs one tenant's job at clock.now():
//  1. takes the tenant's lease (kConflict naming the holder when another owner has it; a caller
//     that holds it already under options.lease_owner, like the scheduler, has it extended; a
//     holder options.lease_holder_gone declares gone has it taken over, audited: lease.h); the
//     lease is extended after the pull and before the drain once a third of lease_ttl has passed,
//     and a lease lost meanwhile (expired and taken) stops the job with kConflict;
//  2. pulls (from the stored cursor unless `full` or the adapter is not incremental); a failed
//     pull is recorded (pull record, audit "pull_failed", run record) and ends the job with
//     kPullFailed after draining what earlier runs committed;
//  3. stores the delta, the cursor, the pull record and audit events ("pulled" per new or
//     changed item, "payment_pulled", "rejected" per unreadable record, "closed" per item a full
//     delta no longer lists) in one transaction;
//  4. reconciles (reconcile.h) in one transaction;
//  5. freshness gate: with the last successful pull older than max_pull_age, kStale, no notices;
//  6. proposes (core::propose) and builds the commit plan;
//  7. approval "auto": commits the plan, the run record and audit events in one transaction;
//     "manual": stores it as the tenant's pending proposal (superseding an older one; an
//     identical pending proposal is kept as it is) and ends with kAwaitingApproval;
//  8. drains the outbox through the adapter (drain.h); 9. releases the lease.
// Failpoints after_pull, after_upsert, after_reconcile, after_propose, after_commit. Every step
// is idempotent, so a re-run after a crash anywhere converges without duplicates.
// Dry run: no lease, no push; steps 3-7 run in ONE transaction that is rolled back, so the report
// (and report.plan) says exactly what would happen and the store is unchanged.
// Errors: the store's (kUnavailable, kConflict for the lease, ...), kInvalidInput for broken
// references in the pulled data. The lease is released on every path.
core::Result<JobReport> run_job(Store& store, Adapter& adapter, const TenantSettings& settings,
                                const Clock& clock, const JobOptions& options);

// Commits pending proposal `id` as the auto path would, then drains. Refused with kConflict
// ("stale, run sync again") when the tenant's state changed since the proposal was computed, the
// last pull failed or the last successful pull is older than max_pull_age; kConflict when the
// proposal is not pending; kNotFound for an unknown id; kInvalidInput when it belongs to another
// tenant than `settings`. `by` becomes decided_by and the audit actor ("user:<by>").
core::Result<JobReport> approve_proposal(Store& store, Adapter& adapter, const TenantSettings& settings,
                                         const Clock& clock, std::int64_t id, std::string_view by,
                                         const JobOptions& options);

// Rejects pending proposal `id` with `reason` (required), recording audit "proposal_rejected".
core::Result<StoredProposal> reject_proposal(Store& store, const Clock& clock, std::int64_t id,
                                             std::string_view by, std::string_view reason);

}  // namespace mahnwerk::sync
