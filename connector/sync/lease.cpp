// Taking a tenant's lease (lease.h).
#include "connector/sync/lease.h"

#include <string>

#include "connector/sync/commit_plan.h"
#include "connector/sync/drain.h"

namespace mahnwerk::sync {

core::Result<Lease> take_lease(Transaction& tx, std::string_view tenant, std::string_view owner,
                               std::chrono::sys_seconds now, std::chrono::seconds ttl,
                               const LeaseHolderGone& holder_gone) {
  auto lease = tx.acquire_lease(tenant, owner, now, ttl);
  if (lease || lease.error().kind != core::ErrorKind::kConflict || !holder_gone) return lease;
  auto held = tx.get_lease(tenant);
  if (!held) return held.error();
  if (!*held || !holder_gone((*held)->owner)) return lease;
  const std::string from = (*held)->owner;
  auto taken = tx.take_over_lease(tenant, from, owner, now, ttl);
  if (!taken) return taken.error();
  const AuditDraft draft{format_rfc3339(now), std::string(owner), "lease_taken_over", "tenant",
                         json_object({{"from", from}, {"to", owner}})};
  if (auto event = tx.append_audit(tenant, draft); !event) return event.error();
  return taken;
}

}  // namespace mahnwerk::sync
