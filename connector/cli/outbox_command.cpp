// `mahnwerk outbox list|retry`: the write-backs waiting in, or stuck in, the state store's outbox
// (docs/outbox.md). `list` shows them per tenant; `retry` puts failed entries back to pending,
// with an audit event, so that the next sync (or drain) sends them again.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "connector/cli/commands.h"
#include "connector/cli/exit_codes.h"
#include "connector/cli/json_output.h"
#include "connector/cli/state_store.h"
#include "connector/cli/sync_cli.h"
#include "connector/sync/drain.h"
#include "connector/sync/store.h"

namespace mahnwerk::cli {
namespace {

using sync::OutboxEntry;
using sync::OutboxState;

// Without --status, list shows what still needs attention: everything but confirmed.
constexpr OutboxState kOpenStates[] = {OutboxState::kPending, OutboxState::kSent, OutboxState::kFailed};

struct ListArgs {
  std::string state_dir;
  std::string tenant;
  bool all = false;
  std::string status;
  bool json = false;
};

struct RetryArgs {
  std::string state_dir;
  std::string tenant;
  std::vector<std::string> keys;
  bool failed = false;
  std::string by;
  bool json = false;
};

core::Result<std::vector<std::string>> tenant_ids(sync::Transaction& tx, const std::string& tenant) {
  if (!tenant.empty()) {
    auto found = tx.get_tenant(tenant);
    if (!found) return found.error().within("--tenant");
    return std::vector<std::string>{found->id};
  }
  std::vector<sync::Tenant> tenants;
  MW_ASSIGN_OR_RETURN(tenants, tx.list_tenants());
  std::vector<std::string> ids;
  for (const auto& t : tenants) ids.push_back(t.id);
  return ids;
}

core::Result<std::vector<OutboxEntry>> list_entries(sync::Store& store, const ListArgs& args) {
  std::vector<OutboxState> states(std::begin(kOpenStates), std::end(kOpenStates));
  if (!args.status.empty()) {
    auto parsed = sync::parse_outbox_state(args.status);
    if (!parsed) return parsed.error().within("--status");
    states = {*parsed};
  }
  std::unique_ptr<sync::Transaction> tx;
  MW_ASSIGN_OR_RETURN(tx, store.begin(sync::Access::kReadOnly));
  std::vector<std::string> ids;
  MW_ASSIGN_OR_RETURN(ids, tenant_ids(*tx, args.tenant));
  std::vector<OutboxEntry> entries;
  for (const auto& id : ids) {
    std::vector<OutboxEntry> of_tenant;
    for (const OutboxState state : states) {
      std::vector<OutboxEntry> in_state;
      MW_ASSIGN_OR_RETURN(in_state, tx->list_outbox(id, state));
      of_tenant.insert(of_tenant.end(), in_state.begin(), in_state.end());
    }
    // Creation order within a tenant, whatever the state.
    std::stable_sort(of_tenant.begin(), of_tenant.end(),
                     [](const OutboxEntry& a, const OutboxEntry& b) { return a.id < b.id; });
    entries.insert(entries.end(), of_tenant.begin(), of_tenant.end());
  }
  return entries;
}

void write_entry(JsonWriter& w, const OutboxEntry& e) {
  w.StartObject();
  write_field(w, "tenant", e.tenant);
  write_field(w, "key", e.idempotency_key);
  write_field(w, "kind", e.kind);
  write_field(w, "target", e.target);
  write_field(w, "state", sync::to_string(e.state));
  write_field(w, "attempts", e.attempts);
  write_field(w, "last_error", e.last_error);
  write_field(w, "remote_reference", e.remote_reference);
  write_string(w, "payload");
  w.RawValue(e.payload.data(), e.payload.size(), rapidjson::kObjectType);
  w.EndObject();
}

void print_json(const std::vector<OutboxEntry>& entries) {
  StdoutJson out;
  JsonWriter& w = out.writer();
  w.StartObject();
  write_string(w, "entries");
  w.StartArray();
  for (const auto& e : entries) write_entry(w, e);
  w.EndArray();
  w.EndObject();
}

// One row per entry, columns padded to the widest value; the last error goes last, unpadded.
void print_table(const std::vector<OutboxEntry>& entries) {
  std::vector<std::vector<std::string>> rows{
      {"TENANT", "STATE", "ATTEMPTS", "KIND", "TARGET", "KEY", "LAST ERROR"}};
  for (const auto& e : entries) {
    rows.push_back({e.tenant, std::string(sync::to_string(e.state)), std::to_string(e.attempts), e.kind,
                    e.target, e.idempotency_key, e.last_error});
  }
  std::vector<std::size_t> widths(rows.front().size(), 0);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line.append(widths[c] - row[c].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  }
}

int run_list(const ListArgs& args) {
  auto store = open_state(args.state_dir, true);
  if (!store) return report(store.error());
  auto entries = list_entries(**store, args);
  if (!entries) return report(entries.error());
  if (args.json) {
    print_json(*entries);
  } else if (entries->empty()) {
    std::printf("no outbox entries%s\n",
                args.status.empty() ? " waiting or failed" : (" in state " + args.status).c_str());
  } else {
    print_table(*entries);
  }
  return kExitOk;
}

// Audit data of a retry: what was re-armed and why it had failed.
std::string retry_data(const OutboxEntry& before) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("key");
  w.String(before.idempotency_key.c_str(), static_cast<rapidjson::SizeType>(before.idempotency_key.size()));
  w.Key("kind");
  w.String(before.kind.c_str(), static_cast<rapidjson::SizeType>(before.kind.size()));
  w.Key("attempts");
  w.Int(before.attempts);
  w.Key("last_error");
  w.String(before.last_error.c_str(), static_cast<rapidjson::SizeType>(before.last_error.size()));
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Every named entry back to pending in one transaction: all of them or, on any error, none.
core::Result<std::vector<OutboxEntry>> retry_entries(sync::Store& store, const RetryArgs& args) {
  std::unique_ptr<sync::Transaction> tx;
  MW_ASSIGN_OR_RETURN(tx, store.begin(sync::Access::kReadWrite));
  if (auto tenant = tx->get_tenant(args.tenant); !tenant) return tenant.error().within("--tenant");
  std::vector<OutboxEntry> targets;
  if (args.failed) {
    MW_ASSIGN_OR_RETURN(targets, tx->list_outbox(args.tenant, OutboxState::kFailed));
  }
  for (const auto& key : args.keys) {
    auto entry = tx->get_outbox(args.tenant, key);
    if (!entry) return entry.error().within("outbox entry \"" + key + "\" of tenant \"" + args.tenant + "\"");
    if (entry->state != OutboxState::kFailed) {
      return core::Error{
          core::ErrorKind::kConflict,
          "only failed entries can be retried; this one is " + std::string(sync::to_string(entry->state)),
          "outbox entry \"" + key + "\" of tenant \"" + args.tenant + "\""};
    }
    targets.push_back(std::move(entry).value());
  }
  const std::string time = sync::format_rfc3339(sync::SystemClock().now());
  const std::string actor = "user:" + person(args.by);
  std::vector<OutboxEntry> retried;
  for (const auto& before : targets) {
    OutboxEntry after;
    MW_ASSIGN_OR_RETURN(after, tx->update_outbox(args.tenant, before.idempotency_key,
                                                 {OutboxState::kPending, false, {}, {}}));
    sync::AuditDraft draft{time, actor, "outbox_retry",
                           before.target.empty() ? "outbox:" + before.idempotency_key : before.target,
                           retry_data(before)};
    if (auto appended = tx->append_audit(args.tenant, draft); !appended) return appended.error();
    retried.push_back(std::move(after));
  }
  if (auto s = tx->commit(); !s) return s.error();
  return retried;
}

int run_retry(const RetryArgs& args) {
  if (args.keys.empty() && !args.failed) {
    std::cerr << "mahnwerk: outbox retry: name the entries (KEY...) or give --failed\n";
    return kExitUsage;
  }
  auto store = open_state(args.state_dir, true);
  if (!store) return report(store.error());
  auto retried = retry_entries(**store, args);
  if (!retried) return report(retried.error());
  if (args.json) {
    print_json(*retried);
    return kExitOk;
  }
  for (const auto& e : *retried) {
    std::printf("%s  %s  %s  %s\n", sync::to_string(e.state).data(), e.kind.c_str(), e.target.c_str(),
                e.idempotency_key.c_str());
  }
  std::printf("%s: %zu %s back to pending; the next sync sends %s\n", args.tenant.c_str(), retried->size(),
              retried->size() == 1 ? "entry" : "entries", retried->size() == 1 ? "it" : "them");
  return kExitOk;
}

void register_list(CLI::App& outbox, int& exit_code) {
  auto args = std::make_shared<ListArgs>();
  CLI::App* cmd =
      outbox.add_subcommand("list", "List outbox entries (default: pending, sent and failed ones)");
  add_state_option(*cmd, args->state_dir);
  auto* tenant = cmd->add_option("--tenant", args->tenant, "the tenant (Mandant) id");
  auto* all = cmd->add_flag("--all", args->all, "every tenant in the store (the default)");
  tenant->excludes(all);
  cmd->add_option("--status", args->status,
                  "only entries in this state: pending | sent | confirmed | failed");
  cmd->add_flag("--json", args->json, "print the entries as JSON (with their payloads)");
  cmd->callback([args, &exit_code] { exit_code = run_list(*args); });
}

void register_retry(CLI::App& outbox, int& exit_code) {
  auto args = std::make_shared<RetryArgs>();
  CLI::App* cmd = outbox.add_subcommand(
      "retry", "Put failed outbox entries back to pending (audited); the next sync sends them again");
  add_state_option(*cmd, args->state_dir);
  cmd->add_option("--tenant", args->tenant, "the tenant (Mandant) id")->required();
  auto* keys = cmd->add_option("KEY", args->keys, "idempotency keys of failed entries (see `outbox list`)");
  cmd->add_flag("--failed", args->failed, "every failed entry of the tenant")->excludes(keys);
  cmd->add_option("--by", args->by, "who decides the retry, for the audit trail (default: $USER)");
  cmd->add_flag("--json", args->json, "print the re-armed entries as JSON");
  cmd->callback([args, &exit_code] { exit_code = run_retry(*args); });
}

}  // namespace

void register_outbox_command(CLI::App& app, int& exit_code) {
  CLI::App* outbox =
      app.add_subcommand("outbox", "The write-backs of the outbox: list them, retry failed ones");
  outbox->require_subcommand(1);
  register_list(*outbox, exit_code);
  register_retry(*outbox, exit_code);
}

}  // namespace mahnwerk::cli
