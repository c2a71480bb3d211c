// The per-debtor Mahnvorschlag (debtor_policies.h): debtors grouped by their settings text, one
// core run per group, each run's results kept for its own group.
#include "connector/sync/debtor_policies.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <utility>

namespace mahnwerk::sync {
namespace {

constexpr int kTenantPolicy = -1;
constexpr int kNoNotice = -2;

core::Status propose_under(const core::State& state, const core::Policy& policy, const core::Date& as_of,
                           const core::BasiszinsTable& table, const core::HolidayCalendar& calendar,
                           ProposeOptions options, core::Proposal& out) {
  core::ProposalEngine engine(policy, table, calendar);
  engine.set_charge_explanations(options.charge_explanations);
  engine.set_one_shot(options.one_shot);
  return engine.propose_into(state, as_of, out);
}

}  // namespace

core::Result<DebtorPolicyProposal> propose_with_debtor_settings(
    const core::State& state, const core::Policy& policy, std::span<const DebtorSettings> settings,
    const DebtorPolicyFn& debtor_policy, const core::Date& as_of, const core::BasiszinsTable& table,
    const core::HolidayCalendar& calendar, ProposeOptions options) {
  DebtorPolicyProposal result;
  if (settings.empty()) {
    if (auto st = propose_under(state, policy, as_of, table, calendar, options, result.proposal); !st)
      return st.error();
    return result;
  }

  // Each debtor's group: the tenant's policy, no notice, or an index into `policies`. A text is
  // turned into a policy and validated once, however many debtors share it.
  std::unordered_map<std::string_view, std::size_t> index_of;
  for (std::size_t i = 0; i < state.debtors.size(); ++i) index_of.emplace(state.debtors[i].id, i);
  std::vector<int> group(state.debtors.size(), kTenantPolicy);
  std::vector<core::Policy> policies;
  std::map<std::string_view, std::pair<int, std::string>> group_of_text;  // settings -> group, why not
  for (const DebtorSettings& d : settings) {
    const auto debtor = index_of.find(d.debtor);
    if (debtor == index_of.end() || d.settings.empty()) continue;  // nothing to dun, or no settings
    auto [entry, is_new] = group_of_text.try_emplace(d.settings, kNoNotice, std::string());
    if (is_new) {
      auto own = debtor_policy(policy, d.settings);
      std::string& why = entry->second.second;
      if (!own) {
        why = own.error().message;
      } else {
        for (const auto& e : core::validate(*own)) why += (why.empty() ? "" : "; ") + e.message;
      }
      if (why.empty()) {
        entry->second.first = static_cast<int>(policies.size());
        policies.push_back(std::move(own).value());
      }
    }
    group[debtor->second] = entry->second.first;
    if (entry->second.first == kNoNotice) {
      result.warnings.push_back(
          "debtor " + d.debtor +
          ": its own dunning settings give no lawful policy, so no notice: " + entry->second.second);
    }
  }
  std::vector<int> item_group(state.items.size(), kTenantPolicy);
  for (std::size_t i = 0; i < state.items.size(); ++i) {
    const auto debtor = index_of.find(state.items[i].debtor);
    if (debtor != index_of.end()) item_group[i] = group[debtor->second];
  }

  core::Proposal& out = result.proposal;
  out.as_of = as_of;
  for (int g = kTenantPolicy; g < static_cast<int>(policies.size()); ++g) {
    const core::Policy& under = g == kTenantPolicy ? policy : policies[static_cast<std::size_t>(g)];
    core::Proposal run;
    if (auto st = propose_under(state, under, as_of, table, calendar, options, run); !st) return st.error();
    for (auto& n : run.notices) {
      if (group[n.debtor_index] == g) out.notices.push_back(std::move(n));
    }
    for (auto& k : run.skipped) {
      if (item_group[k.item_index] == g) out.skipped.push_back(std::move(k));
    }
    for (auto& f : run.final_actions) {
      if (group[f.debtor_index] == g) out.final_actions.push_back(std::move(f));
    }
  }
  const auto by_debtor = [](const auto& a, const auto& b) { return a.debtor_index < b.debtor_index; };
  std::stable_sort(out.notices.begin(), out.notices.end(), by_debtor);
  std::stable_sort(out.final_actions.begin(), out.final_actions.end(), by_debtor);
  std::stable_sort(
      out.skipped.begin(), out.skipped.end(),
      [](const core::Skipped& a, const core::Skipped& b) { return a.item_index < b.item_index; });
  return result;
}

}  // namespace mahnwerk::sync
