// What committing a Mahnvorschlag writes, as data: the notices, charges, outbox entries and audit
// events of one tenant's run. The sync job builds it from a core::Proposal and either commits it
// at once (approval mode "auto") or stores it as a pending proposal's JSON body (mode "manual")
// until `mahnwerk proposal approve` commits exactly that. Also the digest of the state a proposal
// was computed from, which tells at approval whether the state has changed since.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connector/core/model.h"
#include "connector/core/policy.h"
#include "connector/core/proposal.h"
#include "connector/core/result.h"
#include "connector/sync/store.h"

namespace mahnwerk::sync {

// One notice as the body and the reports list it (the stored history has one NoticeRecord per
// escalated item; this is the letter to the debtor).
struct PlannedNotice {
  std::string debtor;
  int level = 0;
  std::string level_name;
  std::string currency;
  std::string total;     // Money::to_string()
  std::string deadline;  // YYYY-MM-DD
  std::vector<std::string> items;
};

struct CommitPlan {
  std::string tenant;
  core::Date as_of;
  std::vector<PlannedNotice> letters;
  std::vector<core::NoticeRecord> notices;  // one per escalated item and level
  std::vector<core::ChargeRecord> charges;
  std::vector<OutboxEntry> outbox;  // tenant, kind, target, key, payload set
  std::vector<AuditDraft> audit;    // time and actor are set when committed

  bool empty() const { return notices.empty() && charges.empty() && outbox.empty() && audit.empty(); }
};

// Booking accounts copied into the fee and interest payloads (empty: left out).
struct PayloadAccounts {
  std::string fee_revenue;
  std::string interest_revenue;
};

// The commit plan of `proposal` (computed for `state` under `policy`):
//  - per escalated notice item a NoticeRecord (item, level, date as_of) and an outbox entry
//    "dunning_document" (target "item:ID", discriminator the level);
//  - per proposed charge a ChargeRecord and an outbox entry "fee" (fee and flat fee; the payload
//    says which) or "interest", discriminator "<charge kind>:<level>";
//  - audit drafts "notice_proposed" per letter, "fee_charged"/"interest_charged" per charge and
//    "final_action_proposed" per final action (final actions are never executed here).
// Keys come from outbox_key(tenant, kind, target, discriminator): a re-run derives the same ones.
CommitPlan build_commit_plan(std::string_view tenant, const core::State& state, const core::Policy& policy,
                             const core::Proposal& proposal, const PayloadAccounts& accounts);

// Removes the outbox entries of kinds the adapter cannot receive (push_kinds of its
// Capabilities; empty: it takes every kind), so that they never end `failed` in the drain. The
// notices and charges stay: a DATEV tenant, say, books fees and interest back while its
// dunning letters come from `mahnwerk letters`. Returns how many entries were removed.
std::size_t keep_pushable_kinds(CommitPlan& plan, const std::vector<std::string>& push_kinds);

// The JSON body of a stored proposal, and back. from_json errors are kInvalidInput naming the
// field ("charges[2].amount").
std::string to_json(const CommitPlan& plan);
core::Result<CommitPlan> commit_plan_from_json(std::string_view json);

// Writes the plan in `tx`: notices and charges (one already stored — a re-run after a crash
// between commit and report — is skipped, not an error: the database holds each once), outbox
// entries through insert_outbox_if_absent, and the audit drafts stamped with `time` and
// `actor`. Returns how many notices, charges and outbox entries were new.
struct CommitCounts {
  int notices = 0;
  int charges = 0;
  int outbox = 0;
};
core::Result<CommitCounts> write_commit_plan(Transaction& tx, const CommitPlan& plan, std::string_view time,
                                             std::string_view actor);

// Hex SHA-256 over everything of `state` a proposal depends on, and `as_of`: items (amounts,
// dates, flags, blocks incl. the Zinssperre, source version), debtors (kind, blocks, insolvency,
// agreed interest rate), payments, notice and charge history and plans. Equal digests: the same proposal
// would be computed again.
std::string state_digest(const core::State& state, const core::Date& as_of);

// A JSON object of string fields (escaped), for audit event data and payloads.
std::string json_object(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

}  // namespace mahnwerk::sync
