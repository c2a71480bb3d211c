// Names of the Adapter port's outcomes, for messages, the audit trail and --json output.
#include "connector/sync/adapter.h"

namespace mahnwerk::sync {

std::string_view to_string(PushOutcome outcome) {
  switch (outcome) {
    case PushOutcome::kLanded:
      return "landed";
    case PushOutcome::kRetryable:
      return "retryable";
    case PushOutcome::kAmbiguous:
      return "ambiguous";
    case PushOutcome::kRejected:
      return "rejected";
  }
  return "unknown";
}

std::vector<PushResult> Adapter::push_batch(std::span<const OutboxEntry> entries) {
  std::vector<PushResult> results;
  results.reserve(entries.size());
  for (const OutboxEntry& entry : entries) {
    results.push_back(push(entry));
    const PushOutcome outcome = results.back().outcome;
    if (outcome != PushOutcome::kLanded && outcome != PushOutcome::kRejected) break;
  }
  return results;
}

core::Result<core::Policy> Adapter::debtor_policy(const core::Policy& base, std::string_view) const {
  return base;
}

}  // namespace mahnwerk::sync
