// The Adapter port (DESIGN.md §3): what the sync job needs of a source system. Implementations
// live in adapters/ (jsonfile folder, DATEV files, REST); the job, the outbox drain and the CLI
// see only this interface. One adapter instance serves one tenant: it holds that tenant's
// settings and credentials and nothing of any other tenant.
#pragma once

#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "connector/core/model.h"
#include "connector/core/policy.h"
#include "connector/core/result.h"
#include "connector/sync/store.h"

namespace mahnwerk::sync {

// What an adapter can do; the job and the drain adjust to it.
struct Capabilities {
  bool incremental = false;             // pull(cursor) returns only what changed since the cursor
  bool idempotency_header = false;      // push sends the key; the remote system deduplicates itself
  bool lookup = false;                  // lookup() can tell whether an ambiguous push landed
  std::vector<std::string> push_kinds;  // outbox kinds push() accepts ("fee", "interest", ...)
};

// A payment as the source delivers it, with the source's id (or sync::payment_key when it has
// none), so that re-pulling the same payment never stores it twice.
struct PulledPayment {
  std::string id;
  core::Payment payment;
};

// A record the source delivered that could not be read. The pull goes on without it; the job
// reports it and records it in the audit trail.
struct Rejected {
  std::string source;  // file or endpoint
  std::string where;   // "line 17, column 12 (Belegfeld 1)", "items[3].amount"
  std::string message;
};

// What one pull delivered.
struct Delta {
  // True: the delta is the source's whole current state, so open items of the store that are
  // missing from it are no longer open (paid or cancelled in the source) and are closed.
  // False: only changes since the cursor; absent items are unchanged.
  bool full = true;
  std::optional<core::Creditor> creditor;  // when the source knows the creditor's master data
  std::vector<core::Debtor> debtors;
  std::vector<core::OpenItem> items;  // open_amount 0 closes an item
  std::vector<PulledPayment> payments;
  std::vector<Rejected> rejected;
  // The debtors' own dunning settings (DATEV Debitoren: Mahnung, Mahngebühr, Verzugspauschale,
  // ...) in the adapter's text form, for debtor_policy(). They follow the debtor records: a
  // debtor of `debtors` without an entry here has none (stored ones are removed).
  std::vector<DebtorSettings> debtor_settings;
  // Where the next incremental pull starts. Stored only after the delta is committed, so a
  // crash between pull and commit re-pulls the same delta (upserts make that harmless).
  std::string next_cursor;
};

// The outcome of one push.
enum class PushOutcome {
  kLanded,     // the remote system has it (now or already — a duplicate key counts as landed)
  kRetryable,  // not sent, or refused in a way that may pass (429, connection refused): retry later
  kAmbiguous,  // may have landed (timeout or 5xx after the request was sent): lookup before retrying
  kRejected,   // refused for good (validation, auth): retrying unchanged cannot help
};
std::string_view to_string(PushOutcome outcome);  // "landed" | "retryable" | "ambiguous" | "rejected"

struct PushResult {
  PushOutcome outcome = PushOutcome::kLanded;
  std::string remote_reference;  // kLanded: the remote id of what was created, if any
  std::string message;           // otherwise: why, naming the endpoint or file; never a secret
  std::optional<std::chrono::seconds> retry_after;  // the remote asked to wait this long
};

// Whether an earlier, ambiguous push landed.
enum class LookupOutcome { kLanded, kAbsent, kUnknown };

struct LookupResult {
  LookupOutcome outcome = LookupOutcome::kUnknown;
  std::string remote_reference;  // kLanded
  std::string message;           // kUnknown: why it cannot tell
};

class Adapter {
 public:
  virtual ~Adapter() = default;
  Adapter() = default;
  Adapter(const Adapter&) = delete;
  Adapter& operator=(const Adapter&) = delete;

  // A short name for messages and the audit trail: "jsonfile", "datev", "rest:lexoffice".
  virtual std::string name() const = 0;
  virtual Capabilities capabilities() const = 0;

  // Reads the source: everything (cursor nullopt, or an adapter without `incremental`) or what
  // changed since `cursor`. Bad records go to Delta::rejected; an error means nothing usable was
  // read (source missing, unreachable, credentials refused) and names the source.
  virtual core::Result<Delta> pull(const std::optional<std::string>& cursor) = 0;

  // Sends one write-back. Must be safe to call again with the same entry: an adapter with
  // `idempotency_header` sends entry.idempotency_key; one without must make a repeated push of
  // the same key land at most once (or the drain uses lookup() first; see capabilities).
  virtual PushResult push(const OutboxEntry& entry) = 0;

  // Sends several write-backs, in order, with push()'s contract for each. Returns one result per
  // entry for a prefix of `entries`: an adapter may stop after a result that is neither kLanded
  // nor kRejected (the remote is throttling or down, so the rest would fail the same way); the
  // entries after the prefix were not tried. The default pushes one by one and stops so; an
  // adapter that can make a whole batch durable at once (one fsync, one file) overrides it, which
  // is what lets the drain write thousands of entries a second.
  virtual std::vector<PushResult> push_batch(std::span<const OutboxEntry> entries);

  // Whether `entry` landed earlier. Adapters without `lookup` return kUnknown.
  virtual LookupResult lookup(const OutboxEntry& entry) = 0;

  // The policy for a debtor with its own dunning settings (Delta::debtor_settings, as stored):
  // `base` with them applied; the caller validates the result like any policy. The default, for
  // sources without such settings, returns `base`. kInvalidInput: settings it cannot read.
  virtual core::Result<core::Policy> debtor_policy(const core::Policy& base, std::string_view settings) const;
};

}  // namespace mahnwerk::sync
