// `mahnwerk status`: per tenant the last pull (time, ok or failed and why), the last good pull,
// the last run and its outcome, pending approvals, failed write-backs and the open totals per
// currency — what an office checks first in the morning. Reads one snapshot of the store.
#include <cstdio>
#include <map>
#include <memory>

#include "connector/cli/commands.h"
#include "connector/cli/exit_codes.h"
#include "connector/cli/json_output.h"
#include "connector/cli/state_store.h"
#include "connector/sync/drain.h"

namespace mahnwerk::cli {
namespace {

struct StatusArgs {
  std::string state_dir;
  std::string tenant;
  bool json = false;
};

struct OpenTotal {
  core::Money amount;
  std::int64_t items = 0;
};

struct TenantStatus {
  sync::Tenant tenant;
  sync::TenantRuns runs;
  std::int64_t pending_approvals = 0;
  std::int64_t failed_outbox = 0;
  std::int64_t pending_outbox = 0;
  std::map<std::string, OpenTotal> open;  // by currency code
};

core::Result<TenantStatus> tenant_status(sync::Transaction& tx, const sync::Tenant& tenant) {
  TenantStatus s{tenant, {}, 0, 0, 0, {}};
  MW_ASSIGN_OR_RETURN(s.runs, tx.get_runs(tenant.id));
  MW_ASSIGN_OR_RETURN(s.pending_approvals, tx.count_proposals(tenant.id, sync::ProposalStatus::kPending));
  MW_ASSIGN_OR_RETURN(s.failed_outbox, tx.count_outbox(tenant.id, sync::OutboxState::kFailed));
  MW_ASSIGN_OR_RETURN(s.pending_outbox, tx.count_outbox(tenant.id, sync::OutboxState::kPending));
  auto state = tx.load_state(tenant.id);
  if (!state) return state.error();
  for (const auto& item : state->items) {
    if (!item.open_amount.is_positive()) continue;
    const std::string code(item.currency().code());
    auto [it, fresh] = s.open.try_emplace(code, OpenTotal{core::Money::zero(item.currency()), 0});
    it->second.amount += item.open_amount;
    ++it->second.items;
  }
  return s;
}

core::Result<std::vector<TenantStatus>> collect(sync::Store& store, const StatusArgs& args) {
  auto tx = store.begin(sync::Access::kReadOnly);
  if (!tx) return tx.error();
  std::vector<sync::Tenant> tenants;
  if (args.tenant.empty()) {
    MW_ASSIGN_OR_RETURN(tenants, (*tx)->list_tenants());
  } else {
    auto one = (*tx)->get_tenant(args.tenant);
    if (!one) return one.error().within("--tenant");
    tenants.push_back(*one);
  }
  std::vector<TenantStatus> out;
  for (const auto& t : tenants) {
    auto s = tenant_status(**tx, t);
    if (!s) return s.error().within("tenant " + t.id);
    out.push_back(std::move(s).value());
  }
  return out;
}

std::string describe(const std::optional<sync::PullRecord>& pull) {
  if (!pull) return "never";
  std::string text = sync::format_rfc3339(pull->time) + (pull->ok ? " ok" : " FAILED");
  if (!pull->message.empty()) text += " (" + pull->message + ")";
  return text;
}

std::string describe(const std::optional<sync::RunRecord>& run) {
  if (!run) return "never";
  std::string text = sync::format_rfc3339(run->time) + " " + run->outcome;
  if (!run->message.empty()) text += " (" + run->message + ")";
  return text;
}

void print_text(const std::vector<TenantStatus>& all) {
  for (const auto& s : all) {
    std::printf("%s (%s)\n", s.tenant.id.c_str(), s.tenant.name.c_str());
    std::printf("  last pull          %s\n", describe(s.runs.last_pull).c_str());
    if (s.runs.last_pull && !s.runs.last_pull->ok) {
      std::printf("  last good pull     %s\n", describe(s.runs.last_ok_pull).c_str());
    }
    std::printf("  last run           %s\n", describe(s.runs.last_run).c_str());
    std::printf("  pending approvals  %lld\n", static_cast<long long>(s.pending_approvals));
    std::printf("  outbox             %lld pending, %lld failed\n", static_cast<long long>(s.pending_outbox),
                static_cast<long long>(s.failed_outbox));
    if (s.open.empty()) std::printf("  open               none\n");
    for (const auto& [code, total] : s.open) {
      std::printf("  open               %s %s in %lld item(s)\n", total.amount.to_string().c_str(),
                  code.c_str(), static_cast<long long>(total.items));
    }
  }
}

void write_pull(JsonWriter& w, std::string_view key, const std::optional<sync::PullRecord>& pull) {
  write_string(w, key);
  if (!pull) {
    w.Null();
    return;
  }
  w.StartObject();
  write_field(w, "time", sync::format_rfc3339(pull->time));
  write_field(w, "ok", pull->ok);
  write_field(w, "message", pull->message);
  w.EndObject();
}

void write_count(JsonWriter& w, std::string_view key, std::int64_t n) {
  write_string(w, key);
  w.Int64(n);
}

void print_json(const std::vector<TenantStatus>& all) {
  StdoutJson out;
  JsonWriter& w = out.writer();
  w.StartObject();
  write_string(w, "tenants");
  w.StartArray();
  for (const auto& s : all) {
    w.StartObject();
    write_field(w, "id", s.tenant.id);
    write_field(w, "name", s.tenant.name);
    write_pull(w, "last_pull", s.runs.last_pull);
    write_pull(w, "last_ok_pull", s.runs.last_ok_pull);
    write_string(w, "last_run");
    if (s.runs.last_run) {
      w.StartObject();
      write_field(w, "time", sync::format_rfc3339(s.runs.last_run->time));
      write_field(w, "outcome", s.runs.last_run->outcome);
      write_field(w, "message", s.runs.last_run->message);
      w.EndObject();
    } else {
      w.Null();
    }
    write_count(w, "pending_approvals", s.pending_approvals);
    write_count(w, "outbox_pending", s.pending_outbox);
    write_count(w, "outbox_failed", s.failed_outbox);
    write_string(w, "open");
    w.StartArray();
    for (const auto& [code, total] : s.open) {
      w.StartObject();
      write_field(w, "currency", code);
      write_field(w, "amount", total.amount);
      write_count(w, "items", total.items);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

int run_status(const StatusArgs& args) {
  auto store = open_state(args.state_dir, true);
  if (!store) return report(store.error());
  auto all = collect(**store, args);
  if (!all) return report(all.error());
  if (args.json) {
    print_json(*all);
  } else {
    print_text(*all);
  }
  return kExitOk;
}

}  // namespace

void register_status_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<StatusArgs>();
  CLI::App* cmd = app.add_subcommand(
      "status", "Per tenant: last pull, last run, pending approvals, failed write-backs, open totals");
  add_state_option(*cmd, args->state_dir);
  cmd->add_option("--tenant", args->tenant, "only this tenant (Mandant)");
  cmd->add_flag("--json", args->json, "print the status as JSON");
  cmd->callback([args, &exit_code] { exit_code = run_status(*args); });
}

}  // namespace mahnwerk::cli
