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

}  // namespace mahnwerk::sync
