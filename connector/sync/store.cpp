// The parts of the Store port that every implementation shares: the outbox state machine and
// storing a whole State through the record operations.
#include "connector/sync/store.h"

#include <map>
#include <set>
#include <tuple>
#include <utility>

namespace mahnwerk::sync {
namespace {

struct OutboxStateName {
  OutboxState state;
  std::string_view name;
};
constexpr OutboxStateName kOutboxStateNames[] = {
    {OutboxState::kPending, "pending"},
    {OutboxState::kSent, "sent"},
    {OutboxState::kConfirmed, "confirmed"},
    {OutboxState::kFailed, "failed"},
};

struct OutboxTransition {
  OutboxState from;
  OutboxState to;
};
// The state machine of store.h; confirmed is final.
constexpr OutboxTransition kOutboxTransitions[] = {
    {OutboxState::kPending, OutboxState::kPending},   {OutboxState::kPending, OutboxState::kSent},
    {OutboxState::kPending, OutboxState::kConfirmed}, {OutboxState::kPending, OutboxState::kFailed},
    {OutboxState::kSent, OutboxState::kConfirmed},    {OutboxState::kSent, OutboxState::kFailed},
    {OutboxState::kFailed, OutboxState::kPending},
};

constexpr std::pair<ProposalStatus, std::string_view> kProposalStatusNames[] = {
    {ProposalStatus::kPending, "pending"},
    {ProposalStatus::kApproved, "approved"},
    {ProposalStatus::kRejected, "rejected"},
    {ProposalStatus::kSuperseded, "superseded"},
};

}  // namespace

std::string_view to_string(OutboxState state) {
  for (const auto& entry : kOutboxStateNames) {
    if (entry.state == state) return entry.name;
  }
  return "pending";
}

core::Result<OutboxState> parse_outbox_state(std::string_view text) {
  for (const auto& entry : kOutboxStateNames) {
    if (entry.name == text) return entry.state;
  }
  return core::invalid_input("unknown outbox state \"" + std::string(text) +
                             "\" (pending, sent, confirmed, failed)");
}

std::string_view to_string(ProposalStatus status) {
  for (const auto& [value, name] : kProposalStatusNames) {
    if (value == status) return name;
  }
  return "pending";
}

core::Result<ProposalStatus> parse_proposal_status(std::string_view text) {
  for (const auto& [value, name] : kProposalStatusNames) {
    if (name == text) return value;
  }
  return core::invalid_input("unknown proposal status \"" + std::string(text) +
                             "\" (pending, approved, rejected, superseded)");
}

bool outbox_transition_allowed(OutboxState from, OutboxState to) {
  for (const auto& t : kOutboxTransitions) {
    if (t.from == from && t.to == to) return true;
  }
  return false;
}

std::string payment_key(const core::Payment& payment, int occurrence) {
  // Netstrings keep the fields apart ("A" + "BC" never hashes like "AB" + "C").
  std::string fields;
  append_netstring(fields, "mahnwerk-payment-v1");
  append_netstring(fields, payment.item);
  append_netstring(fields, payment.debtor);
  append_netstring(fields, core::format_date(payment.date));
  append_netstring(fields, payment.amount.to_string());
  append_netstring(fields, payment.amount.currency().code());
  append_netstring(fields, payment.reference);
  return sha256_hex(fields) + "#" + std::to_string(occurrence);
}

core::Status Transaction::upsert_state(std::string_view tenant, const core::State& state) {
  if (auto s = put_creditor(tenant, state.creditor); !s) return s;
  for (const auto& debtor : state.debtors) {
    if (auto r = upsert_debtor(tenant, debtor); !r) return r.error();
  }
  for (const auto& item : state.items) {
    if (auto r = upsert_item(tenant, item); !r) return r.error();
  }
  std::map<std::string, int> occurrences;
  for (const auto& payment : state.payments) {
    const std::string base = payment_key(payment, 0);
    const int occurrence = occurrences[base]++;
    if (auto r = upsert_payment(tenant, payment_key(payment, occurrence), payment); !r) return r.error();
  }
  for (const auto& plan : state.plans) {
    if (auto r = upsert_plan(tenant, plan); !r) return r.error();
  }
  // History records have no id: their unique keys decide whether they are stored already.
  core::State stored;
  MW_ASSIGN_OR_RETURN(stored, load_state(tenant));
  std::set<std::tuple<std::string, int>> notices;
  for (const auto& n : stored.notices) notices.emplace(n.item, n.level);
  for (const auto& notice : state.notices) {
    if (!notices.emplace(notice.item, notice.level).second) continue;
    if (auto s = insert_notice(tenant, notice); !s) return s;
  }
  std::set<std::tuple<std::string, core::ChargeKind, int>> charges;
  for (const auto& c : stored.charges) charges.emplace(c.item, c.kind, c.level);
  for (const auto& charge : state.charges) {
    if (!charges.emplace(charge.item, charge.kind, charge.level).second) continue;
    if (auto s = insert_charge(tenant, charge); !s) return s;
  }
  return core::Ok{};
}

}  // namespace mahnwerk::sync
