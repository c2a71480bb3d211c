// Failpoints: named places in the sync job and the outbox drain where a test can kill the
// process, to show that a re-run after a crash at any step converges (issue 4, "exactly once").
// Setting MAHNWERK_FAILPOINT=<name> makes the process raise SIGKILL the first time it reaches
// failpoint(<name>) — no cleanup, no flush, as a power cut would. Unset (production), a failpoint
// costs one getenv call.
#pragma once

#include <span>
#include <string_view>

namespace mahnwerk::sync {

// Every failpoint name the code uses, in job order, so a test can iterate over all of them and
// `mahnwerk sync --help` can list them. Adding a failpoint() call means adding its name here.
std::span<const std::string_view> failpoint_names();

// Kills the process with SIGKILL when $MAHNWERK_FAILPOINT equals `name`.
// REQUIRES: `name` is one of failpoint_names() (checked in debug builds).
void failpoint(std::string_view name);

}  // namespace mahnwerk::sync
