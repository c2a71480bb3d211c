// Taking a tenant's lease (store.h: Lease) the way every caller needs it: the sync job, proposal
// approval and the scheduler share one rule for a holder that is known to be gone.
#pragma once

#include <chrono>
#include <functional>
#include <string_view>

#include "connector/core/result.h"
#include "connector/sync/store.h"

namespace mahnwerk::sync {

// Whether the holder of a lease is known to be gone (a process of this host that no longer
// exists, e.g. killed by SIGKILL). Empty: never assumed.
using LeaseHolderGone = std::function<bool(std::string_view holder)>;

// Takes `tenant`'s lease for `owner` until now + ttl, or extends it when `owner` holds it. When
// another owner holds an unexpired lease and `holder_gone` says that owner is gone, the lease is
// taken over and an audit event "lease_taken_over" (actor `owner`, data from/to) is appended in
// `tx`. Errors: kConflict naming the holder while a live holder has it; the store's errors.
core::Result<Lease> take_lease(Transaction& tx, std::string_view tenant, std::string_view owner,
                               std::chrono::sys_seconds now, std::chrono::seconds ttl,
                               const LeaseHolderGone& holder_gone);

}  // namespace mahnwerk::sync
