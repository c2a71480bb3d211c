// The outbox drain (drain.h). One DrainRun object per call keeps the per-run bookkeeping (budget,
// report, whether the adapter needs lookups) out of the function signatures.
#include "connector/sync/drain.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <span>
#include <thread>
#include <utility>

#include "connector/sync/failpoint.h"

namespace mahnwerk::sync {

void ThreadSleeper::sleep_for(std::chrono::milliseconds duration) { std::this_thread::sleep_for(duration); }

std::string_view to_string(DrainStep step) {
  switch (step) {
    case DrainStep::kConfirmed:
      return "confirmed";
    case DrainStep::kDeferred:
      return "deferred";
    case DrainStep::kFailed:
      return "failed";
  }
  return "deferred";
}

std::string format_rfc3339(std::chrono::sys_seconds time) {
  const auto day = std::chrono::floor<std::chrono::days>(time);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::hh_mm_ss hms(time - day);
  char text[32];
  std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return text;
}

std::chrono::milliseconds backoff_delay(const DrainOptions& options, std::string_view idempotency_key,
                                        int failures, std::optional<std::chrono::seconds> retry_after) {
  using std::chrono::milliseconds;
  const milliseconds cap = std::max(options.backoff_max, milliseconds(0));
  milliseconds delay = std::min(std::max(options.backoff_base, milliseconds(0)), cap);
  for (int i = 1; i < failures && delay < cap; ++i) delay = delay > cap / 2 ? cap : delay * 2;
  // FNV-1a over key and failure number: no random state, yet entries (and tenants, whose keys
  // differ) that failed together do not all come back in the same instant.
  std::uint64_t hash = 14695981039346656037ULL;
  auto mix = [&hash](std::string_view bytes) {
    for (const char c : bytes) {
      hash ^= static_cast<unsigned char>(c);
      hash *= 1099511628211ULL;
    }
  };
  mix(idempotency_key);
  mix("#" + std::to_string(failures));
  const auto permille = static_cast<std::int64_t>(500 + hash % 501);  // jitter factor 0.500 .. 1.000
  delay = milliseconds(delay.count() / 1000 * permille + delay.count() % 1000 * permille / 1000);
  if (retry_after) delay = std::max<milliseconds>(delay, *retry_after);
  return delay;
}

namespace {

// What an audit event of the drain says about an entry: its key and kind, the attempts so far,
// and the remote reference or error when there is one.
std::string event_data(const OutboxEntry& entry, std::string_view adapter, std::string_view via) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  auto field = [&writer](const char* name, std::string_view value) {
    writer.Key(name);
    writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  writer.StartObject();
  field("key", entry.idempotency_key);
  field("kind", entry.kind);
  field("adapter", adapter);
  writer.Key("attempts");
  writer.Int(entry.attempts);
  if (!via.empty()) field("via", via);
  if (!entry.remote_reference.empty()) field("remote_reference", entry.remote_reference);
  if (!entry.last_error.empty() && entry.state == OutboxState::kFailed) field("error", entry.last_error);
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

class DrainRun {
 public:
  DrainRun(Store& store, Adapter& adapter, std::string_view tenant, const Clock& clock, Sleeper& sleeper,
           const DrainOptions& options)
      : store_(store),
        adapter_(adapter),
        tenant_(tenant),
        clock_(clock),
        sleeper_(sleeper),
        options_(options),
        capabilities_(adapter.capabilities()),
        adapter_name_(adapter.name()),
        // A push that deduplicates itself is safe to repeat blindly; otherwise an earlier attempt
        // that may have landed has to be looked up, which needs the attempt on record first.
        lookup_first_(capabilities_.lookup && !capabilities_.idempotency_header),
        deadline_(clock.now() + options.budget) {}

  core::Result<DrainReport> run() {
    std::vector<OutboxEntry> entries;
    MW_ASSIGN_OR_RETURN(entries, work_list());
    const std::size_t batch_size = std::max<std::size_t>(options_.batch_size, 1);
    std::size_t next = 0;
    while (next < entries.size() && !stopped_) {
      // A run of consecutive entries that go together: `sent` ones to confirm, or pending ones
      // that need no lookup first; any other entry goes alone.
      const bool sent = entries[next].state == OutboxState::kSent;
      std::size_t end = next + 1;
      if (sent || batchable(entries[next])) {
        while (end < entries.size() && end - next < batch_size &&
               (sent ? entries[end].state == OutboxState::kSent : batchable(entries[end])))
          ++end;
      }
      const std::span<OutboxEntry> run(entries.data() + next, end - next);
      std::size_t done = run.size();
      if (sent) {
        if (auto s = confirm(run); !s) return s.error();
      } else if (batchable(run.front())) {
        MW_ASSIGN_OR_RETURN(done, push_batch(run));
      } else if (auto s = drain_pending(std::move(run.front())); !s) {
        return s.error();
      }
      next += done;
    }
    return std::move(report_);
  }

 private:
  // `sent` entries first (they only lack their confirmation), then `pending`, oldest first.
  core::Result<std::vector<OutboxEntry>> work_list() {
    std::unique_ptr<Transaction> txn;
    MW_ASSIGN_OR_RETURN(txn, store_.begin(Access::kReadOnly));
    std::vector<OutboxEntry> entries;
    MW_ASSIGN_OR_RETURN(entries, txn->list_outbox(tenant_, OutboxState::kSent, options_.max_entries));
    const std::size_t left = options_.max_entries == 0 ? 0 : options_.max_entries - entries.size();
    if (options_.max_entries == 0 || left > 0) {
      std::vector<OutboxEntry> pending;
      MW_ASSIGN_OR_RETURN(pending, txn->list_outbox(tenant_, OutboxState::kPending, left));
      entries.insert(entries.end(), std::make_move_iterator(pending.begin()),
                     std::make_move_iterator(pending.end()));
    }
    txn->rollback();
    return entries;
  }

  // A pending entry that may go out in a batch: its kind is accepted and no lookup has to come
  // first (the adapter deduplicates repeated keys itself, or cannot look up at all).
  bool batchable(const OutboxEntry& entry) const { return !lookup_first_ && accepts_kind(entry); }

  core::Result<std::unique_ptr<Transaction>> begin() { return store_.begin(Access::kReadWrite); }

  // One state change and, when `event` is set, its audit event, inside `txn`.
  core::Result<OutboxEntry> apply(Transaction& txn, const OutboxEntry& entry, const OutboxChange& change,
                                  std::string_view event = {}, std::string_view via = {}) {
    OutboxEntry updated;
    MW_ASSIGN_OR_RETURN(updated, txn.update_outbox(tenant_, entry.idempotency_key, change));
    if (!event.empty()) {
      AuditDraft draft{format_rfc3339(clock_.now()), options_.actor, std::string(event),
                       updated.target.empty() ? "outbox:" + updated.idempotency_key : updated.target,
                       event_data(updated, adapter_name_, via)};
      if (auto appended = txn.append_audit(tenant_, draft); !appended) return appended.error();
    }
    return updated;
  }

  // apply() in a short transaction of its own, committed before the next adapter call.
  core::Result<OutboxEntry> record(const OutboxEntry& entry, const OutboxChange& change,
                                   std::string_view event = {}, std::string_view via = {}) {
    std::unique_ptr<Transaction> txn;
    MW_ASSIGN_OR_RETURN(txn, begin());
    OutboxEntry updated;
    MW_ASSIGN_OR_RETURN(updated, apply(*txn, entry, change, event, via));
    if (auto s = txn->commit(); !s) return s.error();
    return updated;
  }

  void add(const OutboxEntry& entry, DrainStep step, std::string message = {}) {
    report_.entries.push_back(DrainedEntry{entry.idempotency_key, entry.kind, entry.target, step, entry.state,
                                           entry.attempts, entry.remote_reference, std::move(message)});
    switch (step) {
      case DrainStep::kConfirmed:
        ++report_.confirmed;
        break;
      case DrainStep::kDeferred:
        ++report_.deferred;
        break;
      case DrainStep::kFailed:
        ++report_.failed;
        break;
    }
  }

  bool accepts_kind(const OutboxEntry& entry) const {
    const auto& kinds = capabilities_.push_kinds;
    return kinds.empty() || std::find(kinds.begin(), kinds.end(), entry.kind) != kinds.end();
  }

  // Whether the counted attempts have used up the entry's round (DrainOptions::max_attempts).
  bool round_exhausted(const OutboxEntry& entry) const {
    const int per_round = std::max(options_.max_attempts, 1);
    return entry.attempts > 0 && entry.attempts % per_round == 0;
  }

  // Entries that landed before an interruption: confirmed together, in one transaction.
  core::Status confirm(std::span<OutboxEntry> entries) {
    std::unique_ptr<Transaction> txn;
    MW_ASSIGN_OR_RETURN(txn, begin());
    for (OutboxEntry& entry : entries) {
      MW_ASSIGN_OR_RETURN(entry, apply(*txn, entry, {OutboxState::kConfirmed, false, {}, {}}, "confirmed"));
    }
    if (auto s = txn->commit(); !s) return s.error();
    failpoint("after_confirm");
    for (const OutboxEntry& entry : entries) add(entry, DrainStep::kConfirmed);
    return core::Ok{};
  }

  // The entry is on the remote side: recorded as sent with its reference ("pushed") and
  // confirmed ("confirmed"), inside `txn`.
  core::Result<OutboxEntry> apply_landed(Transaction& txn, OutboxEntry entry, std::string remote_reference,
                                         bool count_attempt, std::string_view via) {
    MW_ASSIGN_OR_RETURN(
        entry, apply(txn, entry, {OutboxState::kSent, count_attempt, {}, std::move(remote_reference)},
                     "pushed", via));
    return apply(txn, entry, {OutboxState::kConfirmed, false, {}, {}}, "confirmed");
  }

  // What one push did to the entry, inside `txn`: landed (sent and confirmed), rejected
  // (failed), or a failed attempt on record with its error (failed when the round is used up).
  core::Result<OutboxEntry> apply_pushed(Transaction& txn, OutboxEntry entry, const PushResult& pushed) {
    const bool count_attempt = !lookup_first_;  // otherwise counted before the push
    switch (pushed.outcome) {
      case PushOutcome::kLanded:
        return apply_landed(txn, std::move(entry), pushed.remote_reference, count_attempt, {});
      case PushOutcome::kRejected:
        return apply(txn, entry, {OutboxState::kFailed, count_attempt, pushed.message, {}}, "push_failed");
      case PushOutcome::kRetryable:
      case PushOutcome::kAmbiguous:
        break;
    }
    MW_ASSIGN_OR_RETURN(entry, apply(txn, entry, {OutboxState::kPending, count_attempt, pushed.message, {}}));
    if (round_exhausted(entry))
      return apply(txn, entry, {OutboxState::kFailed, false, pushed.message, {}}, "push_failed");
    return entry;
  }

  // After apply_pushed() was committed: reports the entry and, after a failed attempt that may
  // pass, waits its backoff. True: try again now; false: the entry is done for this run.
  bool settle(const OutboxEntry& entry, const PushResult& pushed, int failures) {
    if (pushed.outcome == PushOutcome::kLanded) {
      add(entry, DrainStep::kConfirmed);
      return false;
    }
    if (entry.state == OutboxState::kFailed) {
      add(entry, DrainStep::kFailed, pushed.message);
      return false;
    }
    ++report_.retried;
    const auto delay = backoff_delay(options_, entry.idempotency_key, failures, pushed.retry_after);
    const auto wake = clock_.now() + std::chrono::ceil<std::chrono::seconds>(delay);
    if (wake > deadline_) {
      stopped_ = true;
      report_.stopped = true;
      add(entry, DrainStep::kDeferred, pushed.message);
      return false;
    }
    sleeper_.sleep_for(delay);
    return true;
  }

  // Pushes `batch` (pending entries an adapter needing no lookups accepts) with one push_batch
  // and records every outcome it returned in one transaction: a file adapter pays one fsync per
  // batch and the store one commit, not three fsyncs per entry. Failed attempts then go on one
  // by one (backoff, retries). Returns how many entries were tried; the rest are left for the
  // next batch (the adapter stopped early: the remote is throttling or down).
  core::Result<std::size_t> push_batch(std::span<OutboxEntry> batch) {
    failpoint("before_push");
    const std::vector<PushResult> results = adapter_.push_batch(batch);
    if (results.empty() || results.size() > batch.size()) {
      return core::Error{core::ErrorKind::kInternal,
                         "adapter " + adapter_name_ + " answered a batch of " + std::to_string(batch.size()) +
                             " write-backs with " + std::to_string(results.size()) + " results",
                         "outbox of " + tenant_};
    }
    const bool any_landed = std::any_of(results.begin(), results.end(), [](const PushResult& r) {
      return r.outcome == PushOutcome::kLanded;
    });
    if (any_landed) failpoint("after_push");
    std::unique_ptr<Transaction> txn;
    MW_ASSIGN_OR_RETURN(txn, begin());
    for (std::size_t i = 0; i < results.size(); ++i) {
      MW_ASSIGN_OR_RETURN(batch[i], apply_pushed(*txn, std::move(batch[i]), results[i]));
    }
    if (auto s = txn->commit(); !s) return s.error();
    if (any_landed) failpoint("after_confirm");
    for (std::size_t i = 0; i < results.size(); ++i) {
      if (results[i].outcome == PushOutcome::kLanded) ++report_.sent;
      if (stopped_ && batch[i].state == OutboxState::kPending) {
        add(batch[i], DrainStep::kDeferred, results[i].message);  // an earlier wait did not fit
        continue;
      }
      if (settle(batch[i], results[i], 1)) {
        if (auto s = attempt(std::move(batch[i]), false, 2); !s) return s.error();
      }
    }
    return results.size();
  }

  core::Status drain_pending(OutboxEntry entry) {
    if (!accepts_kind(entry)) {
      const std::string error =
          "adapter " + adapter_name_ + " does not accept write-backs of kind \"" + entry.kind + "\"";
      MW_ASSIGN_OR_RETURN(entry, record(entry, {OutboxState::kFailed, false, error, {}}, "push_failed"));
      add(entry, DrainStep::kFailed, error);
      return core::Ok{};
    }
    const bool look_up = lookup_first_ && entry.attempts > 0;
    return attempt(std::move(entry), look_up, 1);
  }

  // Pushes one entry until it lands, fails for good, or has to wait for a later run; `failures`
  // numbers the attempt's failure for the backoff, `look_up` asks the adapter first.
  core::Status attempt(OutboxEntry entry, bool look_up, int failures) {
    for (;; ++failures) {
      if (look_up) {
        ++report_.looked_up;
        LookupResult found = adapter_.lookup(entry);
        if (found.outcome == LookupOutcome::kLanded) {
          std::unique_ptr<Transaction> txn;
          MW_ASSIGN_OR_RETURN(txn, begin());
          MW_ASSIGN_OR_RETURN(entry, apply_landed(*txn, std::move(entry), std::move(found.remote_reference),
                                                  false, "lookup"));
          if (auto s = txn->commit(); !s) return s.error();
          failpoint("after_confirm");
          add(entry, DrainStep::kConfirmed);
          return core::Ok{};
        }
        if (found.outcome == LookupOutcome::kUnknown) return undecided(std::move(entry), found.message);
      }
      if (lookup_first_) {
        MW_ASSIGN_OR_RETURN(entry, record(entry, {OutboxState::kPending, true, {}, {}}));
      }
      failpoint("before_push");
      const PushResult pushed = adapter_.push(entry);
      if (pushed.outcome == PushOutcome::kLanded) {
        failpoint("after_push");
        ++report_.sent;
      }
      std::unique_ptr<Transaction> txn;
      MW_ASSIGN_OR_RETURN(txn, begin());
      MW_ASSIGN_OR_RETURN(entry, apply_pushed(*txn, std::move(entry), pushed));
      if (auto s = txn->commit(); !s) return s.error();
      if (pushed.outcome == PushOutcome::kLanded) failpoint("after_confirm");
      if (!settle(entry, pushed, failures)) return core::Ok{};
      look_up = lookup_first_ && pushed.outcome == PushOutcome::kAmbiguous;
    }
  }

  // The adapter cannot tell whether an earlier attempt landed: pushing again could duplicate it,
  // so the entry waits for a later run; the question counts as an attempt so that it ends failed
  // (visible) rather than pending forever.
  core::Status undecided(OutboxEntry entry, const std::string& message) {
    const std::string error = "lookup: " + message;
    MW_ASSIGN_OR_RETURN(entry, record(entry, {OutboxState::kPending, true, error, {}}));
    if (round_exhausted(entry)) {
      MW_ASSIGN_OR_RETURN(entry, record(entry, {OutboxState::kFailed, false, error, {}}, "push_failed"));
      add(entry, DrainStep::kFailed, error);
      return core::Ok{};
    }
    add(entry, DrainStep::kDeferred, error);
    return core::Ok{};
  }

  Store& store_;
  Adapter& adapter_;
  std::string tenant_;
  const Clock& clock_;
  Sleeper& sleeper_;
  const DrainOptions& options_;
  const Capabilities capabilities_;
  const std::string adapter_name_;
  const bool lookup_first_;
  const std::chrono::sys_seconds deadline_;
  bool stopped_ = false;
  DrainReport report_;
};

}  // namespace

core::Result<DrainReport> drain(Store& store, Adapter& adapter, std::string_view tenant, const Clock& clock,
                                Sleeper& sleeper, const DrainOptions& options) {
  return DrainRun(store, adapter, tenant, clock, sleeper, options).run();
}

}  // namespace mahnwerk::sync
