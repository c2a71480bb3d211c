// `mahnwerk proposal show|approve|reject`: the pending Mahnvorschläge of tenants in approval
// mode "manual" (docs/sync.md). Approving commits the stored proposal exactly as the sync job's
// auto path would and pushes it back; a proposal whose tenant state has changed since is
// refused as stale (exit 75).
#include <cstdio>
#include <iostream>

#include "adapters/jsonfile/office_config.h"
#include "connector/cli/adapter_factory.h"
#include "connector/cli/commands.h"
#include "connector/cli/exit_codes.h"
#include "connector/cli/json_output.h"
#include "connector/cli/state_store.h"
#include "connector/cli/sync_cli.h"
#include "connector/sync/commit_plan.h"
#include "connector/sync/drain.h"

namespace mahnwerk::cli {
namespace {

struct ProposalArgs {
  std::string tenant;
  std::int64_t id = 0;
  bool json = false;
  std::string by;
  std::string reason;
  std::string config;
  std::string state;
  LawOptions law;
};

void write_proposal(JsonWriter& w, const sync::StoredProposal& p, const sync::CommitPlan& plan) {
  w.StartObject();
  write_field(w, "id", std::to_string(p.id));
  write_field(w, "tenant", p.tenant);
  write_field(w, "status", sync::to_string(p.status));
  write_field(w, "as_of", p.as_of);
  write_field(w, "created", sync::format_rfc3339(p.created_at));
  write_field(w, "decided_by", p.decided_by);
  write_field(w, "decided", p.decided_at ? sync::format_rfc3339(*p.decided_at) : std::string());
  write_field(w, "reason", p.reason);
  write_plan_members(w, plan, false);
  w.EndObject();
}

void print_proposal(const sync::StoredProposal& p, const sync::CommitPlan& plan) {
  std::printf("proposal %lld of %s: %s, as of %s, created %s\n", static_cast<long long>(p.id),
              p.tenant.c_str(), std::string(sync::to_string(p.status)).c_str(),
              core::format_date(p.as_of).c_str(), sync::format_rfc3339(p.created_at).c_str());
  if (p.decided_at) {
    std::printf("  decided by %s at %s%s%s\n", p.decided_by.c_str(),
                sync::format_rfc3339(*p.decided_at).c_str(), p.reason.empty() ? "" : ": ", p.reason.c_str());
  }
  print_plan(plan);
}

// The proposals to show: one by id, or the pending ones of a tenant or of every tenant.
core::Result<std::vector<sync::StoredProposal>> select(sync::Transaction& tx, const ProposalArgs& args) {
  if (args.id != 0) {
    auto p = tx.get_proposal(args.id);
    if (!p) return p.error();
    if (!args.tenant.empty() && p->tenant != args.tenant) {
      return core::Error{
          core::ErrorKind::kNotFound,
          "proposal " + std::to_string(args.id) + " does not belong to tenant \"" + args.tenant + "\"", ""};
    }
    return std::vector<sync::StoredProposal>{std::move(p).value()};
  }
  std::vector<std::string> tenants;
  if (!args.tenant.empty()) {
    tenants.push_back(args.tenant);
  } else {
    auto all = tx.list_tenants();
    if (!all) return all.error();
    for (const auto& t : *all) tenants.push_back(t.id);
  }
  std::vector<sync::StoredProposal> out;
  for (const auto& t : tenants) {
    auto pending = tx.list_proposals(t, sync::ProposalStatus::kPending);
    if (!pending) return pending.error();
    for (auto& p : *pending) out.push_back(std::move(p));
  }
  return out;
}

int show(const ProposalArgs& args) {
  auto store = open_state(args.state, true);
  if (!store) return report(store.error());
  auto tx = (*store)->begin(sync::Access::kReadOnly);
  if (!tx) return report(tx.error());
  auto proposals = select(**tx, args);
  if (!proposals) return report(proposals.error());
  std::vector<sync::CommitPlan> plans;
  for (const auto& p : *proposals) {
    auto plan = sync::commit_plan_from_json(p.body);
    if (!plan) return report(plan.error().within("proposal " + std::to_string(p.id)));
    plans.push_back(std::move(plan).value());
  }
  if (args.json) {
    StdoutJson out;
    JsonWriter& w = out.writer();
    w.StartArray();
    for (std::size_t i = 0; i < plans.size(); ++i) write_proposal(w, (*proposals)[i], plans[i]);
    w.EndArray();
    return kExitOk;
  }
  if (proposals->empty()) std::printf("no pending proposals\n");
  for (std::size_t i = 0; i < plans.size(); ++i) print_proposal((*proposals)[i], plans[i]);
  return kExitOk;
}

int approve(const ProposalArgs& args) {
  auto store = open_state(args.state, true);
  if (!store) return report(store.error());
  std::string tenant_id;
  {
    auto tx = (*store)->begin(sync::Access::kReadOnly);
    if (!tx) return report(tx.error());
    auto p = (*tx)->get_proposal(args.id);
    if (!p) return report(p.error());
    tenant_id = p->tenant;
  }
  auto path = jsonfile::find_office_config(args.config);
  if (!path) return report(path.error());
  auto config = jsonfile::load_office_config(*path);
  if (!config) return report(config.error());
  const auto* tenant = config->find(tenant_id);
  if (tenant == nullptr) {
    return report(core::Error{core::ErrorKind::kBadConfig,
                              "no tenant \"" + tenant_id + "\" in the office file", *path});
  }
  auto table = load_basiszins_table(args.law);
  if (!table) return report(table.error());
  auto settings = tenant_settings(*tenant, *table);
  if (!settings) return report(settings.error());
  const sync::SystemClock clock;
  auto adapter = make_adapter(*tenant, clock);
  if (!adapter) return report(adapter.error());
  sync::JobOptions options;
  options.lease_owner = lease_owner();
  options.lease_holder_gone = lease_holder_gone;
  auto r = sync::approve_proposal(**store, **adapter, *settings, clock, args.id, person(args.by), options);
  if (!r) return report(r.error());
  if (args.json) {
    StdoutJson out;
    write_report(out.writer(), *r);
  } else {
    print_report(*r);
  }
  return exit_code_of(*r);
}

int reject(const ProposalArgs& args) {
  auto store = open_state(args.state, true);
  if (!store) return report(store.error());
  const sync::SystemClock clock;
  auto rejected = sync::reject_proposal(**store, clock, args.id, person(args.by), args.reason);
  if (!rejected) return report(rejected.error());
  std::printf("proposal %lld of %s rejected by %s: %s\n", static_cast<long long>(rejected->id),
              rejected->tenant.c_str(), rejected->decided_by.c_str(), rejected->reason.c_str());
  return kExitOk;
}

}  // namespace

void register_proposal_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ProposalArgs>();
  CLI::App* cmd =
      app.add_subcommand("proposal", "Pending Mahnvorschläge (approval mode manual): show, approve, reject");
  cmd->require_subcommand(1);

  CLI::App* show_cmd = cmd->add_subcommand("show", "Show the pending proposals, or one by id");
  show_cmd->add_option("id", args->id, "proposal id");
  show_cmd->add_option("--tenant", args->tenant, "only this tenant's");
  show_cmd->add_flag("--json", args->json, "print JSON instead of text");
  add_state_option(*show_cmd, args->state);
  show_cmd->callback([args, &exit_code] { exit_code = show(*args); });

  CLI::App* approve_cmd = cmd->add_subcommand(
      "approve", "Commit a pending proposal and push it back (refused when stale: exit 75)");
  approve_cmd->add_option("id", args->id, "proposal id")->required();
  approve_cmd->add_option("--by", args->by, "who approves (default: $USER)");
  approve_cmd->add_flag("--json", args->json, "print JSON instead of text");
  approve_cmd->add_option("--config", args->config, "office file");
  approve_cmd->add_option("--basiszins", args->law.basiszins_file, "Basiszinssatz table (JSON)");
  add_state_option(*approve_cmd, args->state);
  approve_cmd->callback([args, &exit_code] { exit_code = approve(*args); });

  CLI::App* reject_cmd = cmd->add_subcommand("reject", "Reject a pending proposal, with a reason");
  reject_cmd->add_option("id", args->id, "proposal id")->required();
  reject_cmd->add_option("--reason", args->reason, "why (recorded in the audit trail)")->required();
  reject_cmd->add_option("--by", args->by, "who rejects (default: $USER)");
  add_state_option(*reject_cmd, args->state);
  reject_cmd->callback([args, &exit_code] { exit_code = reject(*args); });
}

}  // namespace mahnwerk::cli
