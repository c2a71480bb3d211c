// `mahnwerk sync --tenant T | --all`: runs the sync job of one tenant or of every tenant of the
// office (docs/sync.md). A tenant's failure does not stop --all; the exit code is the worst.
#include <filesystem>
#include <iostream>
#include <optional>

#include "adapters/jsonfile/office_config.h"
#include "connector/cli/adapter_factory.h"
#include "connector/cli/commands.h"
#include "connector/cli/exit_codes.h"
#include "connector/cli/json_output.h"
#include "connector/cli/state_store.h"
#include "connector/cli/sync_cli.h"
#include "connector/sync/failpoint.h"

namespace mahnwerk::cli {
namespace {

struct SyncArgs {
  std::string tenant;
  bool all = false;
  bool dry_run = false;
  bool full = false;
  std::string as_of;
  bool json = false;
  std::string config;
  std::string state;
  LawOptions law;
};

// One tenant's job: its settings and adapter from the office file, then run_job.
core::Result<sync::JobReport> sync_tenant(const jsonfile::TenantConfig& tenant, sync::Store& store,
                                          const core::BasiszinsTable& table, const sync::Clock& clock,
                                          const sync::JobOptions& options) {
  auto settings = tenant_settings(tenant, table);
  if (!settings) return settings.error();
  auto adapter = make_adapter(tenant, clock);
  if (!adapter) return adapter.error();
  return sync::run_job(store, **adapter, *settings, clock, options);
}

int run(const SyncArgs& args) {
  if (args.all == !args.tenant.empty()) {
    std::cerr << "mahnwerk: sync needs either --tenant T or --all\n";
    return kExitUsage;
  }
  sync::JobOptions options;
  options.dry_run = args.dry_run;
  options.full = args.full;
  options.lease_owner = lease_owner();
  options.lease_holder_gone = lease_holder_gone;
  if (!args.as_of.empty()) {
    auto as_of = parse_date_option("--as-of", args.as_of);
    if (!as_of) return report(as_of.error());
    options.as_of = *as_of;
  }
  auto path = jsonfile::find_office_config(args.config);
  if (!path) return report(path.error());
  auto config = jsonfile::load_office_config(*path);
  if (!config) return report(config.error());
  std::vector<const jsonfile::TenantConfig*> tenants;
  if (args.all) {
    for (const auto& t : config->tenants) tenants.push_back(&t);
  } else if (const auto* t = config->find(args.tenant)) {
    tenants.push_back(t);
  } else {
    return report(core::Error{core::ErrorKind::kBadConfig,
                              "no tenant \"" + args.tenant + "\" in the office file", *path});
  }
  auto table = load_basiszins_table(args.law);
  if (!table) return report(table.error());
  // The first sync creates the state directory, private: the database holds debtors' data.
  if (!args.state.empty()) {
    std::error_code ec;
    if (std::filesystem::create_directories(args.state, ec)) {
      std::filesystem::permissions(args.state, std::filesystem::perms::owner_all, ec);
    }
  }
  auto store = open_state(args.state, false);
  if (!store) return report(store.error());
  const sync::SystemClock clock;

  int code = kExitOk;
  // Each tenant's report is printed (or written into the JSON text) as soon as its job ends and
  // then dropped: a run over hundreds of tenants holds one tenant's plan at a time.
  std::optional<StdoutJson> out;
  if (args.json) {
    out.emplace();
    out->writer().StartObject();
    write_string(out->writer(), "tenants");
    out->writer().StartArray();
  }
  std::vector<std::pair<std::string, core::Error>> errors;
  for (const auto* tenant : tenants) {
    auto r = sync_tenant(*tenant, **store, *table, clock, options);
    if (!r) {
      code = worse_exit_code(code, report(r.error().within("tenant \"" + tenant->id + "\"")));
      errors.emplace_back(tenant->id, r.error());
      continue;
    }
    code = worse_exit_code(code, exit_code_of(*r));
    if (out) {
      write_report(out->writer(), *r);
    } else {
      print_report(*r);
    }
  }
  if (out) {
    JsonWriter& w = out->writer();
    for (const auto& [tenant, error] : errors) {
      w.StartObject();
      write_field(w, "tenant", tenant);
      write_field(w, "error", error.to_string());
      w.EndObject();
    }
    w.EndArray();
    write_field(w, "exit_code", code);
    w.EndObject();
  }
  return code;
}

std::string failpoint_list() {
  std::string names;
  for (std::string_view n : sync::failpoint_names()) names += (names.empty() ? "" : ", ") + std::string(n);
  return names;
}

}  // namespace

void register_sync_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SyncArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sync", "Run the sync job: pull, reconcile, propose, approve or store for approval, commit, push back");
  cmd->footer("Crash tests: MAHNWERK_FAILPOINT=<name> kills the process at a step: " + failpoint_list());
  cmd->add_option("--tenant", args->tenant, "the tenant (Mandant) id of the office file");
  cmd->add_flag("--all", args->all, "every tenant of the office file, one after another");
  cmd->add_flag("--dry-run", args->dry_run, "show what would happen; change nothing, push nothing");
  cmd->add_flag("--full", args->full, "pull everything instead of the changes since the last pull");
  cmd->add_option("--as-of", args->as_of, "the day of the run, YYYY-MM-DD (default: today, UTC)");
  cmd->add_flag("--json", args->json, "print JSON instead of text");
  cmd->add_option("--config", args->config,
                  "office file (default: $MAHNWERK_CONFIG, then the XDG and /etc lookup)");
  cmd->add_option("--basiszins", args->law.basiszins_file, "Basiszinssatz table (JSON)");
  add_state_option(*cmd, args->state);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace mahnwerk::cli
