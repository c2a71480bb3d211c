// The outbox drain (issue 4, "Outbox: exactly once"): sends a tenant's pending write-backs through
// its adapter, records every step in the store, retries what may pass, asks the adapter whether an
// uncertain push landed before sending again, and gives up visibly (`failed`) on what cannot pass.
// The sync job calls drain() after its commit; `mahnwerk outbox retry` re-arms failed entries.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connector/core/result.h"
#include "connector/sync/adapter.h"
#include "connector/sync/clock.h"
#include "connector/sync/store.h"

namespace mahnwerk::sync {

// Waits between retries. Injected so tests never wait: a fake advances a ManualClock instead.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void sleep_for(std::chrono::milliseconds duration) = 0;
};

// Sleeps on the calling thread (std::this_thread::sleep_for).
class ThreadSleeper final : public Sleeper {
 public:
  void sleep_for(std::chrono::milliseconds duration) override;
};

struct DrainOptions {
  // Attempts per round before an entry that keeps failing ends `failed`. A round starts when the
  // entry is created and again with every `outbox retry`: the store keeps the attempt count
  // across rounds, so an entry gives up when its attempts reach the next multiple of this.
  int max_attempts = 8;
  // Exponential backoff: the n-th consecutive failure of an entry waits
  // min(backoff_max, backoff_base * 2^(n-1)) scaled by a jitter factor in [0.5, 1.0] derived from
  // the idempotency key and n (deterministic, yet spread over entries and tenants), and never
  // less than the remote's retry_after.
  std::chrono::milliseconds backoff_base{1000};
  std::chrono::milliseconds backoff_max{std::chrono::minutes(5)};
  // The run's time budget from the first clock.now(): a wait that would end after it is not
  // taken; the entry stays pending for the next run and the drain stops (a remote that asks one
  // entry to wait is throttling or down for all of them).
  std::chrono::seconds budget{std::chrono::minutes(2)};
  // At most this many entries per run, oldest first; 0 = all pending ones.
  std::size_t max_entries = 0;
  // At most this many entries per Adapter::push_batch call and per store transaction.
  std::size_t batch_size = 1000;
  // Who the audit events name as actor.
  std::string actor = "sync";
};

// What happened to one entry in this run.
enum class DrainStep {
  kConfirmed,  // it landed (pushed now, found by lookup, or landed before a crash) and is confirmed
  kDeferred,   // still pending: a retryable failure whose wait did not fit the budget, or a lookup
               // that could not tell; the next run tries again
  kFailed,     // ended `failed` (rejected, unsupported kind, or max attempts) with last_error
};
std::string_view to_string(DrainStep step);  // "confirmed" | "deferred" | "failed"

struct DrainedEntry {
  std::string idempotency_key;
  std::string kind;
  std::string target;
  DrainStep step = DrainStep::kDeferred;
  OutboxState state = OutboxState::kPending;  // as stored after the run
  int attempts = 0;                           // as stored after the run
  std::string remote_reference;
  std::string message;  // the last error or lookup answer, for kDeferred and kFailed
};

struct DrainReport {
  int sent = 0;          // pushes the adapter reported landed in this run
  int confirmed = 0;     // entries that ended confirmed in this run (pushed, looked up, or sent before)
  int retried = 0;       // failed attempts (retryable or ambiguous) that were waited for or deferred
  int looked_up = 0;     // adapter.lookup calls
  int deferred = 0;      // entries left pending for the next run (see DrainStep::kDeferred)
  int failed = 0;        // entries that ended failed in this run
  bool stopped = false;  // a wait did not fit the budget: the remaining entries were not tried
  std::vector<DrainedEntry> entries;  // in the order drained
};

// Drains `tenant`'s outbox through `adapter`.
//
// Order: entries in state `sent` first (they landed before an interruption and only need their
// confirmation), then `pending` ones, each oldest first. `failed` entries are left alone until
// `outbox retry` makes them pending again.
//
// Per entry:
//  - `sent`: the push landed and was recorded; the drain records `confirmed` without pushing
//    (consecutive ones together, in one transaction).
//  - `pending`, attempts > 0, and the adapter's push is not itself idempotent
//    (!capabilities.idempotency_header) but it has capabilities.lookup: an earlier attempt may
//    have landed (a crash right after the push, an ambiguous failure), so adapter.lookup() comes
//    first — kLanded: recorded as landed (no push); kAbsent: sent as below; kUnknown: deferred.
//  - Otherwise it is pushed: failpoint("before_push"), adapter.push(entry), and
//      kLanded     -> failpoint("after_push"), then `sent` with the remote reference (audit
//                     "pushed") and `confirmed` (audit "confirmed") in one transaction, then
//                     failpoint("after_confirm");
//      kRetryable  -> attempt counted, last_error kept; retried after the backoff wait while it fits
//                     the budget, deferred otherwise;
//      kAmbiguous  -> like kRetryable, but with lookup (and no idempotency header) the next attempt
//                     after the wait starts with lookup() as above (the remote may still be
//                     finishing the request); without, it is pushed again (the Adapter port
//                     requires a repeated push of one key to land at most once);
//      kRejected   -> `failed` with last_error (audit "push_failed").
//    An entry whose kind is not in capabilities.push_kinds (when that list is non-empty) ends
//    `failed` without a push.
//  - A counted attempt that reaches the round's max_attempts ends `failed` (audit "push_failed").
//
// Batches: when no lookup has to come first (the adapter deduplicates keys itself, or has no
// lookup), consecutive pending entries of accepted kinds go out together, up to batch_size:
// failpoint("before_push"), one adapter.push_batch(), failpoint("after_push") if any landed, the
// outcomes of all tried entries recorded in one transaction, failpoint("after_confirm"); then the
// failed attempts of the batch go on one by one with their backoff as above. Entries the adapter
// did not try (it stopped early) go into the next batch. A file adapter so pays one fsync per
// batch and the store one commit, instead of three fsyncs per entry (docs/outbox.md).
//
// Attempts are counted before the push when a later lookup may be needed (non-idempotent adapters
// with lookup): a crash after the push then leaves attempts > 0, which sends the re-run to
// lookup(). Every state change is committed before the next adapter call; audit events (subject
// = the entry's target, data = key, kind, attempts, remote reference or error) are appended in
// the same transaction as the change they document. So a crash at any point leaves the store and
// the remote side such that the next drain converges: each entry lands exactly once and ends
// confirmed.
//
// Returns the report; adapter failures are outcomes in it, not errors. Errors: the store's
// (kUnavailable, kConflict when another process moved an entry concurrently, ...) — the drain
// stops at the first one; what was committed before stays committed.
// REQUIRES: `adapter` serves `tenant`; the caller holds the tenant's lease (the sync job does).
core::Result<DrainReport> drain(Store& store, Adapter& adapter, std::string_view tenant, const Clock& clock,
                                Sleeper& sleeper, const DrainOptions& options = {});

// The wait before the next attempt after the `failures`-th consecutive failed attempt of the
// entry with `idempotency_key` (see DrainOptions), at least `retry_after`. REQUIRES: failures >= 1.
std::chrono::milliseconds backoff_delay(const DrainOptions& options, std::string_view idempotency_key,
                                        int failures,
                                        std::optional<std::chrono::seconds> retry_after = std::nullopt);

// "2025-06-30T06:00:00Z": the RFC 3339 UTC form audit events carry.
std::string format_rfc3339(std::chrono::sys_seconds time);

}  // namespace mahnwerk::sync
