// `mahnwerk propose`: the Mahnvorschlag for one Mandant's state under a policy on a given day.
#include <cstdio>
#include <iostream>

#include "adapters/jsonfile/policy_json.h"
#include "adapters/jsonfile/state_json.h"
#include "connector/cli/commands.h"
#include "connector/cli/exit_codes.h"
#include "connector/cli/json_output.h"
#include "connector/cli/state_proposal.h"
#include "connector/core/proposal.h"

namespace mahnwerk::cli {
namespace {

struct ProposeArgs {
  std::string input;
  std::string policy;
  std::string as_of;
  bool json = false;
  LawOptions law;
};

// `text`: reused for the charges' explanations, which the engine leaves to be rendered here.
void write_notice(JsonWriter& w, const core::Notice& n, const core::State& state, const core::Policy& policy,
                  std::string& text) {
  w.StartObject();
  write_field(w, "debtor", state.debtors[n.debtor_index].id);
  write_field(w, "level", n.level);
  write_field(w, "level_name", policy.levels[static_cast<std::size_t>(n.level)].name);
  write_field(w, "currency", n.currency.code());
  write_string(w, "items");
  w.StartArray();
  for (const auto& item : n.items) {
    w.StartObject();
    write_field(w, "id", state.items[item.item_index].id);
    write_field(w, "number", state.items[item.item_index].number);
    write_field(w, "level", item.level);
    write_field(w, "escalated", item.escalated);
    write_field(w, "open_amount", item.open_amount);
    write_field(w, "interest", item.interest);
    write_field(w, "fee", item.fee);
    write_field(w, "flat_fee", item.flat_fee);
    w.EndObject();
  }
  w.EndArray();
  write_string(w, "not_yet_due");
  w.StartArray();
  for (std::size_t i : n.not_yet_due) write_string(w, state.items[i].id);
  w.EndArray();
  write_string(w, "charges");
  w.StartArray();
  for (const auto& c : n.charges) {
    w.StartObject();
    write_field(w, "kind", core::to_string(c.kind));
    write_field(w, "item", state.items[c.item_index].id);
    write_field(w, "level", c.level);
    write_field(w, "amount", c.amount);
    text.clear();
    core::explain(text, c, policy);
    write_field(w, "explanation", text);
    w.EndObject();
  }
  w.EndArray();
  write_field(w, "total", n.total);
  write_field(w, "deadline", n.deadline);
  write_field(w, "explanation", n.explanation);
  w.EndObject();
}

void print_json(const core::Proposal& p, const core::State& state, const core::Policy& policy) {
  StdoutJson out;
  JsonWriter& w = out.writer();
  w.StartObject();
  write_field(w, "as_of", p.as_of);
  write_field(w, "policy", policy.name);
  write_string(w, "notices");
  w.StartArray();
  std::string text;
  for (const auto& n : p.notices) write_notice(w, n, state, policy, text);
  w.EndArray();
  write_string(w, "skipped");
  w.StartArray();
  for (const auto& s : p.skipped) {
    w.StartObject();
    write_field(w, "item", state.items[s.item_index].id);
    write_field(w, "reason", core::to_string(s.reason));
    write_field(w, "detail", s.detail);
    w.EndObject();
  }
  w.EndArray();
  write_string(w, "final_actions");
  w.StartArray();
  for (const auto& f : p.final_actions) {
    w.StartObject();
    write_field(w, "debtor", state.debtors[f.debtor_index].id);
    write_field(w, "action", core::to_string(f.action));
    write_string(w, "items");
    w.StartArray();
    for (std::size_t i : f.items) write_string(w, state.items[i].id);
    w.EndArray();
    write_field(w, "total", f.total);
    write_field(w, "requires_approval", true);
    write_field(w, "explanation", f.explanation);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void print_table(const core::Proposal& p, const core::State& state, const core::Policy& policy) {
  std::printf("Mahnvorschlag as of %s (policy %s): %zu notice(s), %zu item(s) skipped, %zu final action(s)\n",
              core::format_date(p.as_of).c_str(), policy.name.c_str(), p.notices.size(), p.skipped.size(),
              p.final_actions.size());
  for (const auto& n : p.notices) {
    const auto& debtor = state.debtors[n.debtor_index];
    std::printf("\n%s — %s %s, deadline %s, total %s %s\n",
                policy.levels[static_cast<std::size_t>(n.level)].name.c_str(), debtor.id.c_str(),
                debtor.name.c_str(), core::format_date(n.deadline).c_str(), n.total.to_string().c_str(),
                std::string(n.currency.code()).c_str());
    std::printf("  %-16s %5s %12s %10s %8s %8s\n", "item", "level", "open", "interest", "fee", "flat fee");
    for (const auto& item : n.items) {
      std::printf("  %-16s %4d%s %12s %10s %8s %8s\n", state.items[item.item_index].number.c_str(),
                  item.level, item.escalated ? "+" : " ", item.open_amount.to_string().c_str(),
                  item.interest.to_string().c_str(), item.fee.to_string().c_str(),
                  item.flat_fee.to_string().c_str());
    }
    for (std::size_t i : n.not_yet_due) {
      std::printf("  %-16s %5s %12s (not yet due)\n", state.items[i].number.c_str(), "",
                  state.items[i].open_amount.to_string().c_str());
    }
  }
  if (!p.skipped.empty()) std::printf("\nSkipped:\n");
  for (const auto& s : p.skipped) {
    std::printf("  %-16s %-20s %s\n", state.items[s.item_index].number.c_str(),
                std::string(core::to_string(s.reason)).c_str(), s.detail.c_str());
  }
  for (const auto& f : p.final_actions) {
    std::printf("\nProposed (needs approval): %s against %s, %zu item(s), %s\n",
                std::string(core::to_string(f.action)).c_str(), state.debtors[f.debtor_index].id.c_str(),
                f.items.size(), f.total.to_string().c_str());
  }
}

int run(ProposeArgs args) {
  auto as_of = parse_date_option("--as-of", args.as_of);
  if (!as_of) return report(as_of.error());
  auto policy = jsonfile::load_policy(args.policy);
  if (!policy) return report(policy.error());
  if (args.law.region.empty()) args.law.region = policy->holiday_region;
  auto calendar = make_calendar(args.law);
  if (!calendar) return report(calendar.error());
  auto table = load_basiszins_table(args.law);
  if (!table) return report(table.error());
  auto document = jsonfile::load_state_document(args.input);
  if (!document) return report(document.error());
  const core::State* state = &document->state;
  // The engines' claims are freed before the output is written. Charge texts are rendered one at
  // a time while writing (the table prints none).
  auto proposal = propose_state_file(*document, *policy, *as_of, *table, *calendar,
                                     {.charge_explanations = false, .one_shot = true});
  if (!proposal) return report(proposal.error().within(args.input));
  if (args.json) {
    print_json(*proposal, *state, *policy);
  } else {
    print_table(*proposal, *state, *policy);
  }
  return kExitOk;
}

}  // namespace

void register_propose_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ProposeArgs>();
  args->law.region.clear();  // default: the policy's holiday_region
  CLI::App* cmd =
      app.add_subcommand("propose", "Mahnvorschlag: which debtor gets which notice today, and why");
  cmd->add_option("--input", args->input,
                  "canonical state JSON (debtors, items, payments, notices, charges, plans)")
      ->required();
  cmd->add_option("--policy", args->policy, "dunning policy JSON, e.g. config/policies/standard.json")
      ->required();
  cmd->add_option("--as-of", args->as_of, "the day of the run, YYYY-MM-DD")->required();
  cmd->add_flag("--json", args->json, "print JSON instead of a table");
  cmd->add_option("--basiszins", args->law.basiszins_file, "Basiszinssatz table (JSON)");
  cmd->add_option("--region", args->law.region, "holiday region for § 193 BGB (default: the policy's)");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace mahnwerk::cli
