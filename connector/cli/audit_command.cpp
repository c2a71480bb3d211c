// `mahnwerk audit verify`: walks each tenant's audit hash chain in the state store and reports
// the first changed, removed, inserted or reordered event. Exit 0 when every chain is intact,
// 65 (EX_DATAERR) when one is broken, naming tenant, sequence and reason.
#include <cstdio>
#include <iostream>
#include <memory>

#include "connector/cli/commands.h"
#include "connector/cli/exit_codes.h"
#include "connector/cli/json_output.h"
#include "connector/cli/state_store.h"
#include "connector/sync/audit.h"

namespace mahnwerk::cli {
namespace {

struct VerifyArgs {
  std::string state_dir;
  std::string tenant;
  bool all = false;
  std::string head;
  bool json = false;
};

struct ChainReport {
  std::string tenant;
  std::size_t events = 0;
  std::string head;  // hash of the last event; empty for an empty chain
  std::optional<sync::ChainBreak> broken;
};

core::Result<std::vector<std::string>> tenants_to_verify(sync::Transaction& tx, const VerifyArgs& args) {
  if (!args.tenant.empty()) {
    auto tenant = tx.get_tenant(args.tenant);
    if (!tenant) return tenant.error().within("--tenant");
    return std::vector<std::string>{tenant->id};
  }
  auto tenants = tx.list_tenants();
  if (!tenants) return tenants.error();
  std::vector<std::string> ids;
  for (const auto& t : *tenants) ids.push_back(t.id);
  return ids;
}

core::Result<std::vector<ChainReport>> verify(sync::Store& store, const VerifyArgs& args) {
  // One read-only snapshot: chains appended to while we read are seen as of one instant.
  auto tx = store.begin(sync::Access::kReadOnly);
  if (!tx) return tx.error();
  auto ids = tenants_to_verify(**tx, args);
  if (!ids) return ids.error();
  std::vector<ChainReport> reports;
  for (const auto& id : *ids) {
    auto listed = (*tx)->list_audit(id);
    if (!listed) return listed.error();
    const std::vector<sync::AuditEvent>& events = *listed;
    ChainReport r{id, events.size(), events.empty() ? std::string() : events.back().hash, std::nullopt};
    std::optional<std::string_view> expected_head;
    if (!args.head.empty()) expected_head = args.head;
    r.broken = sync::find_chain_break(events, expected_head);
    reports.push_back(std::move(r));
  }
  return reports;
}

void print_text(const std::vector<ChainReport>& reports) {
  for (const auto& r : reports) {
    if (r.broken) {
      std::printf("%s: BROKEN at sequence %lld of %zu events: %s\n", r.tenant.c_str(),
                  static_cast<long long>(r.broken->sequence), r.events, r.broken->reason.c_str());
    } else if (r.events == 0) {
      std::printf("%s: no events\n", r.tenant.c_str());
    } else {
      std::printf("%s: %zu events, chain intact, head %s\n", r.tenant.c_str(), r.events, r.head.c_str());
    }
  }
}

void print_json(const std::vector<ChainReport>& reports, bool ok) {
  StdoutJson out;
  JsonWriter& w = out.writer();
  w.StartObject();
  write_field(w, "ok", ok);
  write_string(w, "tenants");
  w.StartArray();
  for (const auto& r : reports) {
    w.StartObject();
    write_field(w, "tenant", r.tenant);
    write_string(w, "events");
    w.Uint64(r.events);
    write_field(w, "head", r.head);
    write_field(w, "intact", !r.broken.has_value());
    if (r.broken) {
      write_string(w, "broken_at");
      w.Int64(r.broken->sequence);
      write_field(w, "reason", r.broken->reason);
    }
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

int run_verify(const VerifyArgs& args) {
  auto store = open_state(args.state_dir, true);
  if (!store) return report(store.error());
  auto reports = verify(**store, args);
  if (!reports) return report(reports.error());
  bool ok = true;
  for (const auto& r : *reports) ok = ok && !r.broken;
  if (args.json) {
    print_json(*reports, ok);
  } else {
    print_text(*reports);
  }
  for (const auto& r : *reports) {
    if (!r.broken) continue;
    std::cerr << "mahnwerk: audit chain of tenant \"" << r.tenant << "\" is broken at sequence "
              << r.broken->sequence << ": " << r.broken->reason << "\n";
  }
  return ok ? kExitOk : kExitDataErr;
}

void register_verify(CLI::App& audit, int& exit_code) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = audit.add_subcommand(
      "verify", "Verify the audit hash chain of one tenant or of all (exit 65 when a chain is broken)");
  add_state_option(*cmd, args->state_dir);
  auto* tenant = cmd->add_option("--tenant", args->tenant, "the tenant (Mandant) id");
  auto* all = cmd->add_flag("--all", args->all, "every tenant in the store (the default)");
  tenant->excludes(all);
  cmd->add_option("--head", args->head,
                  "the head hash recorded earlier (needs --tenant): also catches events cut off at the end")
      ->needs(tenant);
  cmd->add_flag("--json", args->json, "print the result as JSON");
  cmd->callback([args, &exit_code] { exit_code = run_verify(*args); });
}

}  // namespace

void register_audit_command(CLI::App& app, int& exit_code) {
  CLI::App* audit = app.add_subcommand("audit", "The audit trail (GoBD): verify its hash chains");
  audit->require_subcommand(1);
  register_verify(*audit, exit_code);
}

}  // namespace mahnwerk::cli
