// What `mahnwerk sync` and `mahnwerk proposal` share: a tenant's job settings from its office
// configuration, the lease owner of this process, and how a job report is printed (text and
// JSON) and mapped to an exit code.
#pragma once

#include <string>

#include "adapters/jsonfile/office_config.h"
#include "connector/cli/json_output.h"
#include "connector/core/basiszins.h"
#include "connector/core/result.h"
#include "connector/sync/commit_plan.h"
#include "connector/sync/job.h"

namespace mahnwerk::cli {

// The sync job's settings for `tenant` (policy, approval mode, max pull age, creditor, booking
// accounts, the policy's holiday region). kBadConfig for an unknown holiday region.
core::Result<sync::TenantSettings> tenant_settings(const jsonfile::TenantConfig& tenant,
                                                   const core::BasiszinsTable& basiszins);

// "host:pid": who holds a tenant's lease while this process works on it.
std::string lease_owner();

// Whether a lease holder named by lease_owner() is gone: it names this host and a process that
// no longer exists (killed, crashed). Holders on other hosts are never declared gone.
bool lease_holder_gone(std::string_view holder);

// Who decides a proposal: --by, else $USER, else $LOGNAME, else "unknown".
std::string person(const std::string& by);

// A commit plan's notices, charges and write-backs as text lines ("  notice ...", "  charge ...",
// "  write-back ..."), as `sync --dry-run` and `proposal show` list them.
void print_plan(const sync::CommitPlan& plan);
// The same as the members "notices", "charges" and "write_backs" of an open JSON object; each
// write-back with its idempotency key when `with_keys`.
void write_plan_members(JsonWriter& w, const sync::CommitPlan& plan, bool with_keys);

// The human-readable report of one tenant's job (dry runs list what would be committed).
void print_report(const sync::JobReport& report);
// The report as one JSON object.
void write_report(JsonWriter& w, const sync::JobReport& report);

// The exit code of a job that ran: 0, EX_TEMPFAIL for a stale tenant or write-backs that ended
// failed, the pull error's code for a failed pull.
int exit_code_of(const sync::JobReport& report);
// The worse of two exit codes (for --all): ok < tempfail < data < input < permission < config < software.
int worse_exit_code(int a, int b);

}  // namespace mahnwerk::cli
