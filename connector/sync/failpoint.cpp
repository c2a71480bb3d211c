// Failpoints (failpoint.h). The table of names is the contract between the job, the drain and
// the crash tests; keep it in the order the steps run.
#include "connector/sync/failpoint.h"

#include <algorithm>
#include <cassert>
#include <csignal>
#include <cstdlib>

namespace mahnwerk::sync {
namespace {

constexpr std::string_view kFailpointNames[] = {
    "after_pull",       // the delta is read, nothing stored yet
    "after_upsert",     // the delta and cursor are committed
    "after_reconcile",  // payments allocated, items closed, events recorded
    "after_propose",    // the proposal exists in memory only
    "after_commit",     // notices, charges, outbox entries and audit events are committed
    "before_push",      // an outbox entry is about to be sent
    "after_push",       // the remote system has it; the store does not know yet
    "after_confirm",    // the entry is confirmed in the store
};

}  // namespace

std::span<const std::string_view> failpoint_names() { return kFailpointNames; }

void failpoint(std::string_view name) {
  assert(std::find(std::begin(kFailpointNames), std::end(kFailpointNames), name) !=
         std::end(kFailpointNames));
  const char* armed = std::getenv("MAHNWERK_FAILPOINT");
  if (armed != nullptr && name == armed) std::raise(SIGKILL);
}

}  // namespace mahnwerk::sync
