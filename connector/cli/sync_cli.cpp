// Shared parts of the sync and proposal commands.
#include "connector/cli/sync_cli.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>

#include "connector/cli/exit_codes.h"

namespace mahnwerk::cli {

core::Result<sync::TenantSettings> tenant_settings(const jsonfile::TenantConfig& tenant,
                                                   const core::BasiszinsTable& basiszins) {
  auto region = core::parse_region(tenant.policy.holiday_region);
  if (!region) return region.error().within(tenant.source + ", tenant \"" + tenant.id + "\", policy");
  sync::TenantSettings s;
  s.tenant = tenant.id;
  s.name = tenant.name;
  s.creditor = tenant.creditor;
  s.policy = tenant.policy;
  s.approval =
      tenant.approval == jsonfile::ApprovalMode::kAuto ? sync::Approval::kAuto : sync::Approval::kManual;
  s.max_pull_age = std::chrono::minutes(tenant.max_pull_age_minutes);
  s.calendar = core::HolidayCalendar(*region);
  s.basiszins = &basiszins;
  s.accounts = {tenant.accounts.fee_revenue, tenant.accounts.interest_revenue};
  return s;
}

std::string lease_owner() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] != '\0' ? host : "localhost") + ":" + std::to_string(::getpid());
}

bool lease_holder_gone(std::string_view holder) {
  const std::string self = lease_owner();
  const auto colon = holder.rfind(':');
  if (colon == std::string_view::npos || holder.substr(0, colon) != self.substr(0, self.rfind(':')))
    return false;
  const std::string_view digits = holder.substr(colon + 1);
  pid_t pid = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
  if (ec != std::errc() || end != digits.data() + digits.size() || pid <= 0) return false;
  // Signal 0 checks existence only. EPERM means it exists under another user: not gone.
  return ::kill(pid, 0) == -1 && errno == ESRCH;
}

std::string person(const std::string& by) {
  if (!by.empty()) return by;
  for (const char* name : {"USER", "LOGNAME"}) {
    if (const char* value = std::getenv(name); value != nullptr && *value != '\0') return value;
  }
  return "unknown";
}

void print_plan(const sync::CommitPlan& plan) {
  for (const auto& l : plan.letters) {
    std::printf("  notice %s to %s: %s %s, deadline %s (", l.level_name.c_str(), l.debtor.c_str(),
                l.total.c_str(), l.currency.c_str(), l.deadline.c_str());
    for (std::size_t i = 0; i < l.items.size(); ++i) std::printf("%s%s", i ? ", " : "", l.items[i].c_str());
    std::printf(")\n");
  }
  for (const auto& c : plan.charges) {
    std::printf("  charge %s on %s at level %d: %s %s\n", std::string(core::to_string(c.kind)).c_str(),
                c.item.c_str(), c.level, c.amount.to_string().c_str(),
                std::string(c.amount.currency().code()).c_str());
  }
  for (const auto& e : plan.outbox) std::printf("  write-back %s %s\n", e.kind.c_str(), e.target.c_str());
}

void write_plan_members(JsonWriter& w, const sync::CommitPlan& plan, bool with_keys) {
  write_string(w, "notices");
  w.StartArray();
  for (const auto& l : plan.letters) {
    w.StartObject();
    write_field(w, "debtor", l.debtor);
    write_field(w, "level", l.level);
    write_field(w, "level_name", l.level_name);
    write_field(w, "total", l.total);
    write_field(w, "currency", l.currency);
    write_field(w, "deadline", l.deadline);
    write_strings(w, "items", l.items);
    w.EndObject();
  }
  w.EndArray();
  write_string(w, "charges");
  w.StartArray();
  for (const auto& c : plan.charges) {
    w.StartObject();
    write_field(w, "item", c.item);
    write_field(w, "kind", core::to_string(c.kind));
    write_field(w, "level", c.level);
    write_field(w, "amount", c.amount);
    write_field(w, "currency", c.amount.currency().code());
    w.EndObject();
  }
  w.EndArray();
  write_string(w, "write_backs");
  w.StartArray();
  for (const auto& e : plan.outbox) {
    w.StartObject();
    write_field(w, "kind", e.kind);
    write_field(w, "target", e.target);
    if (with_keys) write_field(w, "key", e.idempotency_key);
    w.EndObject();
  }
  w.EndArray();
}

void print_report(const sync::JobReport& r) {
  const std::string as_of = core::format_date(r.as_of);
  std::printf("%s%s: %s (as of %s)\n", r.tenant.c_str(), r.dry_run ? " [dry run]" : "",
              std::string(sync::to_string(r.outcome)).c_str(), as_of.c_str());
  if (!r.message.empty()) std::printf("  %s\n", r.message.c_str());
  std::printf(
      "  pulled %d, upserted %d, closed %d, rejected %d; payments allocated %d, plans updated %d, events "
      "%d\n",
      r.pulled, r.upserted, r.closed, r.rejected, r.payments_allocated, r.plans_updated, r.events);
  std::printf("  proposed %d notice(s), %d charge(s)", r.proposed_notices, r.proposed_charges);
  if (!r.dry_run) {
    std::printf(
        "; committed %d notice record(s), %d charge(s), %d write-back(s); pushed %d, deferred %d, failed %d",
        r.committed_notices, r.committed_charges, r.outbox_created, r.pushed, r.deferred, r.failed);
  }
  std::printf("\n");
  if (r.dry_run) {
    print_plan(r.plan);
    std::printf("  nothing was changed (dry run)\n");
  }
  for (const auto& w : r.warnings) std::printf("  warning: %s\n", w.c_str());
}

void write_report(JsonWriter& w, const sync::JobReport& r) {
  w.StartObject();
  write_field(w, "tenant", r.tenant);
  write_field(w, "as_of", r.as_of);
  write_field(w, "dry_run", r.dry_run);
  write_field(w, "outcome", sync::to_string(r.outcome));
  write_field(w, "message", r.message);
  if (r.proposal_id) write_field(w, "proposal", std::to_string(*r.proposal_id));
  const std::pair<const char*, int> counts[] = {
      {"pulled", r.pulled},
      {"upserted", r.upserted},
      {"closed", r.closed},
      {"rejected", r.rejected},
      {"payments_allocated", r.payments_allocated},
      {"plans_updated", r.plans_updated},
      {"events", r.events},
      {"proposed_notices", r.proposed_notices},
      {"proposed_charges", r.proposed_charges},
      {"committed_notices", r.committed_notices},
      {"committed_charges", r.committed_charges},
      {"outbox_created", r.outbox_created},
      {"pushed", r.pushed},
      {"deferred", r.deferred},
      {"failed", r.failed},
  };
  write_string(w, "counts");
  w.StartObject();
  for (const auto& [key, value] : counts) write_field(w, key, value);
  w.EndObject();
  write_plan_members(w, r.plan, true);
  write_strings(w, "warnings", r.warnings);
  w.EndObject();
}

int exit_code_of(const sync::JobReport& r) {
  if (r.outcome == sync::JobOutcome::kPullFailed && r.pull_error) return exit_code_for(r.pull_error->kind);
  if (r.outcome == sync::JobOutcome::kStale || r.failed > 0) return kExitTempFail;
  return kExitOk;
}

int worse_exit_code(int a, int b) {
  static constexpr int kOrder[] = {kExitOk,     kExitTempFail, kExitDataErr,  kExitNoInput,
                                   kExitNoPerm, kExitConfig,   kExitSoftware, kExitUsage};
  auto rank = [](int code) {
    const auto* it = std::find(std::begin(kOrder), std::end(kOrder), code);
    return it == std::end(kOrder) ? static_cast<long>(std::size(kOrder)) : it - std::begin(kOrder);
  };
  return rank(a) >= rank(b) ? a : b;
}

}  // namespace mahnwerk::cli
