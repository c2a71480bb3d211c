// `mahnwerk datev import` and `mahnwerk datev writeback`: the DATEV folder adapter of a tenant
// from the office file, as two steps a person (or scripts/demo.sh) runs around propose/letters:
//   import     pulls the tenant's inbox (DATEV exports) into a canonical STATE.json, with the
//              tenant's creditor data for the letters;
//   writeback  computes the Mahnvorschlag of STATE.json under the tenant's policy and writes its
//              fees and interest into the tenant's outbox as EXTF Buchungsstapel files — through
//              the adapter's push, so each charge is written once (same keys as the sync job).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "adapters/datev/datev_adapter.h"
#include "adapters/jsonfile/office_config.h"
#include "adapters/jsonfile/policy_json.h"
#include "adapters/jsonfile/state_json.h"
#include "adapters/jsonfile/state_writer.h"
#include "connector/cli/commands.h"
#include "connector/cli/exit_codes.h"
#include "connector/cli/state_proposal.h"
#include "connector/core/proposal.h"
#include "connector/sync/outbox_key.h"

namespace mahnwerk::cli {
namespace {

struct TenantArgs {
  std::string config;
  std::string tenant;
};

struct ImportArgs {
  TenantArgs tenant;
  std::string out;
  std::string history;  // canonical JSON with notices, charges and plans of earlier runs
};

struct WritebackArgs {
  TenantArgs tenant;
  std::string input;
  std::string as_of;
  std::string policy;  // empty: the tenant's
  LawOptions law;
};

struct Tenant {
  jsonfile::TenantConfig config;
  datev::DatevSettings settings;
};

core::Result<Tenant> load_tenant(const TenantArgs& args) {
  auto path = jsonfile::find_office_config(args.config);
  if (!path) return path.error();
  auto office = jsonfile::load_office_config(*path);
  if (!office) return office.error();
  const jsonfile::TenantConfig* t = office->find(args.tenant);
  if (t == nullptr)
    return core::Error{core::ErrorKind::kBadConfig, "no tenant \"" + args.tenant + "\"", *path};
  const std::string context = t->source + ", tenant \"" + t->id + "\"";
  if (t->adapter != jsonfile::AdapterKind::kDatev) {
    return core::Error{core::ErrorKind::kBadConfig, "the tenant's adapter is not datev", context};
  }
  auto settings = datev::datev_settings(t->settings, t->accounts.fee_revenue, t->accounts.interest_revenue,
                                        context, std::filesystem::path(t->source).parent_path().string());
  if (!settings) return settings.error();
  return Tenant{*t, std::move(settings).value()};
}

// Writes `text` to `path` whole or not at all (temporary name, rename).
core::Status write_whole(const std::string& path, const std::string& text) {
  const std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return core::Error{core::ErrorKind::kUnavailable, "cannot write", tmp};
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return core::Error{core::ErrorKind::kUnavailable, "cannot rename: " + ec.message(), path};
  return core::Ok{};
}

int run_import(const ImportArgs& args) {
  auto tenant = load_tenant(args.tenant);
  if (!tenant) return report(tenant.error());
  sync::SystemClock clock;
  datev::DatevAdapter adapter(tenant->settings, clock);
  auto pulled = adapter.pull(std::nullopt);
  if (!pulled) return report(pulled.error());
  sync::Delta* delta = &pulled.value();
  core::State state;
  state.creditor = tenant->config.creditor;
  state.debtors = std::move(delta->debtors);
  state.items = std::move(delta->items);
  for (sync::PulledPayment& p : delta->payments) state.payments.push_back(std::move(p.payment));
  if (!args.history.empty()) {
    // DATEV exports carry no dunning history; mahnwerk keeps its own (the store, or this file).
    auto history = jsonfile::load_state(args.history);
    if (!history) return report(history.error());
    state.notices = std::move(history->notices);
    state.charges = std::move(history->charges);
    state.plans = std::move(history->plans);
  }
  std::ostringstream json;
  jsonfile::write_state(json, state, delta->debtor_settings);
  if (auto s = write_whole(args.out, json.str()); !s) return report(s.error());
  std::map<std::string, core::Money> open;
  for (const core::OpenItem& item : state.items) {
    auto [it, added] =
        open.try_emplace(std::string(item.currency().code()), core::Money::zero(item.currency()));
    it->second += item.open_amount;
  }
  std::size_t consumers = 0;
  for (const core::Debtor& d : state.debtors) consumers += d.kind == core::DebtorKind::kConsumer;
  std::printf("Imported %s (%s) from %s\n", tenant->config.id.c_str(), tenant->config.name.c_str(),
              tenant->settings.inbox.c_str());
  std::printf("  %zu debtors (%zu consumers), %zu open items, %zu payments on them", state.debtors.size(),
              consumers, state.items.size(), state.payments.size());
  for (const auto& [currency, total] : open)
    std::printf(", open %s %s", total.to_string().c_str(), currency.c_str());
  if (!args.history.empty()) {
    std::printf("\n  history from %s: %zu earlier notice(s), %zu charge(s), %zu plan(s)",
                args.history.c_str(), state.notices.size(), state.charges.size(), state.plans.size());
  }
  std::printf("\n  %zu rejected rows; state written to %s; inbox files archived in %s\n",
              delta->rejected.size(), args.out.c_str(), tenant->settings.archive.c_str());
  for (const sync::Rejected& r : delta->rejected) {
    std::cerr << "mahnwerk: " << r.source << ", " << r.where << ": " << r.message << "\n";
  }
  return delta->rejected.empty() ? kExitOk : kExitDataErr;
}

int run_writeback(WritebackArgs args) {
  auto tenant = load_tenant(args.tenant);
  if (!tenant) return report(tenant.error());
  auto as_of = parse_date_option("--as-of", args.as_of);
  if (!as_of) return report(as_of.error());
  core::Policy policy = tenant->config.policy;
  if (!args.policy.empty()) {
    auto loaded = jsonfile::load_policy(args.policy);
    if (!loaded) return report(loaded.error());
    policy = *loaded;
  }
  if (args.law.region.empty()) args.law.region = policy.holiday_region;
  auto calendar = make_calendar(args.law);
  if (!calendar) return report(calendar.error());
  auto table = load_basiszins_table(args.law);
  if (!table) return report(table.error());
  auto document = jsonfile::load_state_document(args.input);
  if (!document) return report(document.error());
  const core::State* state = &document->state;
  auto proposed = propose_state_file(*document, policy, *as_of, *table, *calendar);
  if (!proposed) return report(proposed.error().within(args.input));
  const core::Proposal& proposal = *proposed;

  // The same write-backs the sync job's commit plan creates: one per charge, keyed by
  // (tenant, kind, item, charge kind:level), so a later sync run finds them written.
  std::vector<sync::OutboxEntry> entries;
  for (const core::Notice& n : proposal.notices) {
    for (const core::ProposedCharge& c : n.charges) {
      const core::OpenItem& item = state->items[c.item_index];
      datev::ChargeWriteBack charge;
      charge.type = std::string(core::to_string(c.kind));
      charge.item = item.id;
      charge.number = item.number;
      charge.debtor = item.debtor;
      charge.level = c.level;
      charge.level_name = policy.levels[static_cast<std::size_t>(c.level)].name;
      charge.amount = c.amount;
      charge.date = *as_of;
      sync::OutboxEntry e;
      e.tenant = tenant->config.id;
      e.kind = c.kind == core::ChargeKind::kInterest ? "interest" : "fee";
      e.target = "item:" + item.id;
      e.idempotency_key =
          sync::outbox_key(e.tenant, e.kind, e.target, charge.type + ":" + std::to_string(c.level));
      e.payload = datev::charge_payload(charge);
      entries.push_back(std::move(e));
    }
  }
  sync::SystemClock clock;
  datev::DatevAdapter adapter(tenant->settings, clock);
  const std::vector<sync::PushResult> results = adapter.push_batch(entries);
  std::map<std::string, std::pair<std::size_t, core::Money>> by_kind;
  std::size_t written = 0, earlier = 0, failed = 0;
  std::set<std::string> new_files(adapter.written_files().begin(), adapter.written_files().end());
  for (std::size_t i = 0; i < results.size(); ++i) {
    const sync::PushResult& r = results[i];
    if (r.outcome != sync::PushOutcome::kLanded) {
      ++failed;
      std::cerr << "mahnwerk: " << entries[i].target << " (" << entries[i].kind << "): " << r.message << "\n";
      continue;
    }
    const bool fresh = new_files.count(r.remote_reference.substr(0, r.remote_reference.rfind(':'))) != 0;
    (fresh ? written : earlier) += 1;
    auto charge = datev::parse_charge_payload(entries[i].payload);
    auto [it, added] = by_kind.try_emplace(charge->type, 0, core::Money::zero(charge->amount.currency()));
    it->second.first += 1;
    it->second.second += charge->amount;
  }
  std::printf("EXTF write-back of %s as of %s to %s\n", tenant->config.id.c_str(),
              core::format_date(*as_of).c_str(), tenant->settings.outbox.c_str());
  std::printf(
      "  %zu notice(s), %zu charge posting(s): %zu written now, %zu written earlier (not again), %zu "
      "failed\n",
      proposal.notices.size(), entries.size(), written, earlier, failed);
  for (const auto& [kind, count_total] : by_kind) {
    std::printf("  %-9s %5zu posting(s) %12s %s  Sachverhalt %s, Gegenkonto %s\n", kind.c_str(),
                count_total.first, count_total.second.to_string().c_str(),
                std::string(count_total.second.currency().code()).c_str(), kind == "interest" ? "31" : "40",
                kind == "interest" ? tenant->settings.accounts.interest.c_str()
                                   : tenant->settings.accounts.fee.c_str());
  }
  for (const std::string& f : adapter.written_files()) std::printf("  wrote %s\n", f.c_str());
  for (const datev::TextChange& c : adapter.changes()) {
    std::printf("  changed %s of %s: \"%s\" -> \"%s\" (%s)\n", c.field.c_str(), c.record.c_str(),
                c.from.c_str(), c.to.c_str(), c.reason.c_str());
  }
  return failed == 0 ? kExitOk : kExitTempFail;
}

void add_tenant_options(CLI::App* cmd, TenantArgs& args) {
  cmd->add_option("--config", args.config, "office file (default: $MAHNWERK_CONFIG, XDG, /etc/mahnwerk)");
  cmd->add_option("--tenant", args.tenant, "the tenant (its adapter must be datev)")->required();
}

}  // namespace

void register_datev_writeback_commands(CLI::App& app, int& exit_code) {
  const auto found = app.get_subcommands([](CLI::App* sub) { return sub->get_name() == "datev"; });
  CLI::App* datev = found.empty() ? nullptr : found.front();
  if (datev == nullptr) {
    datev = app.add_subcommand("datev", "DATEV files: import, write-back");
    datev->require_subcommand(1);
  }
  auto import_args = std::make_shared<ImportArgs>();
  CLI::App* import = datev->add_subcommand(
      "import", "pull a tenant's DATEV inbox through the folder adapter into canonical JSON");
  add_tenant_options(import, import_args->tenant);
  import->add_option("--out", import_args->out, "the state file to write (canonical JSON)")->required();
  import->add_option("--history", import_args->history,
                     "canonical JSON whose notices, charges and plans (earlier runs) join the state");
  import->callback([import_args, &exit_code] { exit_code = run_import(*import_args);
});

auto wb = std::make_shared<WritebackArgs>();
wb->law.region.clear();
CLI::App* writeback = datev->add_subcommand(
    "writeback",
    "write the proposal's fees and interest as EXTF Buchungsstapel files to the tenant's outbox");
add_tenant_options(writeback, wb->tenant);
writeback->add_option("--input", wb->input, "the state (canonical JSON, e.g. from datev import)")->required();
writeback->add_option("--as-of", wb->as_of, "the day of the run, YYYY-MM-DD")->required();
writeback->add_option("--policy", wb->policy, "dunning policy JSON (default: the tenant's)");
writeback->add_option("--basiszins", wb->law.basiszins_file, "Basiszinssatz table (JSON)");
writeback->add_option("--region", wb->law.region, "holiday region for § 193 BGB (default: the policy's)");
writeback->callback([wb, &exit_code] { exit_code = run_writeback(*wb); });
}  // namespace mahnwerk::cli

}  // namespace mahnwerk::cli
