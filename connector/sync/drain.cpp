// The outbox drain (drain.h). One DrainRun object per call keeps the per-run bookkeeping (budget,
// report, whether the adapter needs lookups) out of the function signatures.
#include "connector/sync/drain.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <memory>
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
    for (auto& entry : entries) {
      if (stopped_) break;
      auto status =
          entry.state == OutboxState::kSent ? confirm(std::move(entry)) : drain_pending(std::move(entry));
      if (!status) return status.error();
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

  // One state change and, when `event` is set, its audit event, in one short transaction.
  core::Result<OutboxEntry> record(const OutboxEntry& entry, const OutboxChange& change,
                                   std::string_view event = {}, std::string_view via = {}) {
    std::unique_ptr<Transaction> txn;
    MW_ASSIGN_OR_RETURN(txn, store_.begin(Access::kReadWrite));
    OutboxEntry updated;
    MW_ASSIGN_OR_RETURN(updated, txn->update_outbox(tenant_, entry.idempotency_key, change));
    if (!event.empty()) {
      AuditDraft draft{format_rfc3339(clock_.now()), options_.actor, std::string(event),
                       updated.target.empty() ? "outbox:" + updated.idempotency_key : updated.target,
                       event_data(updated, adapter_name_, via)};
      if (auto appended = txn->append_audit(tenant_, draft); !appended) return appended.error();
    }
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

  core::Status confirm(OutboxEntry entry) {
    MW_ASSIGN_OR_RETURN(entry, record(entry, {OutboxState::kConfirmed, false, {}, {}}, "confirmed"));
    failpoint("after_confirm");
    add(entry, DrainStep::kConfirmed);
    return core::Ok{};
  }

  // The entry is on the remote side: recorded as sent with its reference ("pushed"), then confirmed.
  core::Status land(OutboxEntry entry, std::string remote_reference, bool count_attempt,
                    std::string_view via) {
    MW_ASSIGN_OR_RETURN(
        entry,
        record(entry, {OutboxState::kSent, count_attempt, {}, std::move(remote_reference)}, "pushed", via));
    return confirm(std::move(entry));
  }

  core::Status fail(OutboxEntry entry, const std::string& error, bool count_attempt) {
    MW_ASSIGN_OR_RETURN(entry,
                        record(entry, {OutboxState::kFailed, count_attempt, error, {}}, "push_failed"));
    add(entry, DrainStep::kFailed, error);
    return core::Ok{};
  }

  core::Status drain_pending(OutboxEntry entry) {
    if (!accepts_kind(entry)) {
      const std::string error =
          "adapter " + adapter_name_ + " does not accept write-backs of kind \"" + entry.kind + "\"";
      return fail(std::move(entry), error, false);
    }
    bool look_up = lookup_first_ && entry.attempts > 0;
    for (int failures = 1;; ++failures) {
      if (look_up) {
        ++report_.looked_up;
        LookupResult found = adapter_.lookup(entry);
        if (found.outcome == LookupOutcome::kLanded)
          return land(std::move(entry), std::move(found.remote_reference), false, "lookup");
        if (found.outcome == LookupOutcome::kUnknown) return undecided(std::move(entry), found.message);
      }
      if (lookup_first_) {
        MW_ASSIGN_OR_RETURN(entry, record(entry, {OutboxState::kPending, true, {}, {}}));
      }
      failpoint("before_push");
      PushResult pushed = adapter_.push(entry);
      if (pushed.outcome == PushOutcome::kLanded) {
        failpoint("after_push");
        ++report_.sent;
        return land(std::move(entry), std::move(pushed.remote_reference), !lookup_first_, {});
      }
      if (pushed.outcome == PushOutcome::kRejected)
        return fail(std::move(entry), pushed.message, !lookup_first_);
      // Retryable or ambiguous: the attempt and its error go on record before any wait.
      MW_ASSIGN_OR_RETURN(entry, record(entry, {OutboxState::kPending, !lookup_first_, pushed.message, {}}));
      if (round_exhausted(entry)) return fail(std::move(entry), pushed.message, false);
      ++report_.retried;
      const auto delay = backoff_delay(options_, entry.idempotency_key, failures, pushed.retry_after);
      const auto wake = clock_.now() + std::chrono::ceil<std::chrono::seconds>(delay);
      if (wake > deadline_) {
        stopped_ = true;
        report_.stopped = true;
        add(entry, DrainStep::kDeferred, pushed.message);
        return core::Ok{};
      }
      sleeper_.sleep_for(delay);
      look_up = lookup_first_ && pushed.outcome == PushOutcome::kAmbiguous;
    }
  }

  // The adapter cannot tell whether an earlier attempt landed: pushing again could duplicate it,
  // so the entry waits for a later run; the question counts as an attempt so that it ends failed
  // (visible) rather than pending forever.
  core::Status undecided(OutboxEntry entry, const std::string& message) {
    const std::string error = "lookup: " + message;
    MW_ASSIGN_OR_RETURN(entry, record(entry, {OutboxState::kPending, true, error, {}}));
    if (round_exhausted(entry)) return fail(std::move(entry), error, false);
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
