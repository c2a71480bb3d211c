// `mahnwerk run`: the long-running scheduler (docs/operations.md). Runs each tenant's sync job
// when its schedule says, in the tenant's time zone, one tenant at a time under the tenant lease
// that manual `mahnwerk sync` also takes. SIGTERM or SIGINT lets the running job finish, then
// the process exits 0; a second signal changes nothing (use SIGKILL to abort: the job is
// crash-safe and converges on the next run).
#include <signal.h>
#include <time.h>

#include <cerrno>
#include <iostream>
#include <map>

#include "adapters/jsonfile/office_config.h"
#include "connector/cli/adapter_factory.h"
#include "connector/cli/commands.h"
#include "connector/cli/exit_codes.h"
#include "connector/cli/state_store.h"
#include "connector/cli/sync_cli.h"
#include "connector/sync/drain.h"
#include "connector/sync/scheduler.h"

namespace mahnwerk::cli {
namespace {

struct RunArgs {
  std::string config;
  std::string state;
  LawOptions law;
};

// Waits with sigtimedwait on SIGTERM and SIGINT, which it blocks for the whole process: a signal
// stays pending while a job runs and is taken between steps, so no job is cut off half-way and
// no handler runs in the middle of SQLite. REQUIRES: constructed before any thread starts.
class SignalWaiter final : public sync::Waiter {
 public:
  explicit SignalWaiter(const sync::Clock& clock) : clock_(clock) {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGTERM);
    sigaddset(&signals_, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  }

  void wait_until(std::chrono::sys_seconds until) override {
    while (!stopped_) {
      const auto left = until - clock_.now();
      if (left.count() <= 0) return;
      const timespec timeout{static_cast<time_t>(left.count()), 0};
      take(sigtimedwait(&signals_, nullptr, &timeout));
    }
  }

  bool stop_requested() override {
    if (!stopped_) {
      const timespec now{0, 0};
      take(sigtimedwait(&signals_, nullptr, &now));
    }
    return stopped_;
  }

  int signal() const { return signal_; }

 private:
  void take(int result) {
    if (result > 0) {
      stopped_ = true;
      signal_ = result;
    }
    // -1: timeout (EAGAIN) or another signal's handler ran (EINTR): go on waiting.
  }

  const sync::Clock& clock_;
  sigset_t signals_;
  bool stopped_ = false;
  int signal_ = 0;
};

// "2025-06-30T06:00:00Z mahnwerk run: <text>" on stderr: the log of the service.
void log(const sync::Clock& clock, const std::string& text) {
  std::cerr << sync::format_rfc3339(clock.now()) << " mahnwerk run: " << text << std::endl;
}

sync::RunSchedule run_schedule(const jsonfile::Schedule& s) {
  static const std::map<jsonfile::Schedule::Kind, sync::RunSchedule::Kind> kKinds = {
      {jsonfile::Schedule::Kind::kDaily, sync::RunSchedule::Kind::kDaily},
      {jsonfile::Schedule::Kind::kWeekdays, sync::RunSchedule::Kind::kWeekdays},
      {jsonfile::Schedule::Kind::kEvery, sync::RunSchedule::Kind::kEvery},
  };
  return {kKinds.at(s.kind), s.minute_of_day, s.interval_minutes};
}

// What the scheduler needs per tenant, checked before the loop starts so that a bad time zone
// or holiday region stops `run` at once instead of failing at 06:00.
struct Prepared {
  std::vector<sync::ScheduledTenant> scheduled;
  std::map<std::string, sync::TenantSettings> settings;
  std::map<std::string, const jsonfile::TenantConfig*> configs;
};

core::Result<Prepared> prepare(const jsonfile::OfficeConfig& config, const core::BasiszinsTable& table) {
  Prepared p;
  for (const auto& t : config.tenants) {
    const std::string where = t.source + ", tenant " + t.id;
    auto zone = sync::TimeZone::locate(t.time_zone);
    if (!zone) return zone.error().within(where);
    auto settings = tenant_settings(t, table);
    if (!settings) return settings.error().within(where);
    p.scheduled.push_back({t.id, run_schedule(t.schedule), *zone});
    p.settings.emplace(t.id, std::move(settings).value());
    p.configs.emplace(t.id, &t);
  }
  return p;
}

// The tenants' last runs from the store's run records (tenants never run are left out), after
// registering every tenant so their leases can be taken.
core::Result<std::map<std::string, std::chrono::sys_seconds>> last_runs(
    sync::Store& store, const jsonfile::OfficeConfig& config) {
  auto tx = store.begin();
  if (!tx) return tx.error();
  std::map<std::string, std::chrono::sys_seconds> runs;
  for (const auto& t : config.tenants) {
    if (auto s = (*tx)->upsert_tenant({t.id, t.name}); !s) return s.error();
    auto recorded = (*tx)->get_runs(t.id);
    if (!recorded) return recorded.error();
    if (recorded->last_run) runs.emplace(t.id, recorded->last_run->time);
  }
  if (auto s = (*tx)->commit(); !s) return s.error();
  return runs;
}

std::string summary(const sync::JobReport& r) {
  std::string text(sync::to_string(r.outcome));
  text += ", " + std::to_string(r.pulled) + " pulled, " + std::to_string(r.committed_notices) +
          " notice(s), " + std::to_string(r.committed_charges) + " charge(s), " + std::to_string(r.pushed) +
          " pushed";
  if (r.failed > 0) text += ", " + std::to_string(r.failed) + " write-back(s) failed";
  if (!r.message.empty()) text += " (" + r.message + ")";
  return text;
}

int run_scheduler(const RunArgs& args) {
  const sync::SystemClock clock;
  SignalWaiter waiter(clock);  // first: signals blocked before anything else starts
  auto path = jsonfile::find_office_config(args.config);
  if (!path) return report(path.error());
  auto config = jsonfile::load_office_config(*path);
  if (!config) return report(config.error());
  auto table = load_basiszins_table(args.law);
  if (!table) return report(table.error());
  auto prepared = prepare(*config, *table);
  if (!prepared) return report(prepared.error());
  auto store = open_state(args.state, false);
  if (!store) return report(store.error());
  auto runs = last_runs(**store, *config);
  if (!runs) return report(runs.error());

  sync::JobOptions options;
  options.lease_owner = lease_owner();
  options.lease_holder_gone = lease_holder_gone;
  auto job = [&](const std::string& tenant) -> core::Status {
    log(clock, tenant + ": started");
    auto adapter = make_adapter(*prepared->configs.at(tenant), clock);
    if (!adapter) return adapter.error();
    auto r = sync::run_job(**store, **adapter, prepared->settings.at(tenant), clock, options);
    if (!r) {
      log(clock, tenant + ": error: " + r.error().to_string());
      return r.error();
    }
    log(clock, tenant + ": finished: " + summary(*r));
    return core::Status{core::Ok{}};
  };
  sync::SchedulerOptions scheduler_options;
  scheduler_options.owner = options.lease_owner;
  scheduler_options.lease_holder_gone = lease_holder_gone;
  sync::Scheduler scheduler(**store, clock, prepared->scheduled, job, std::move(runs).value(),
                            std::move(scheduler_options));
  log(clock, "scheduling " + std::to_string(config->tenants.size()) + " tenant(s) from " + *path + " as " +
                 options.lease_owner);
  auto done = scheduler.run(waiter, [&](const sync::TickReport& tick) {
    for (const auto& t : tick.busy) log(clock, t + ": busy (leased by another run), retrying later");
    if (waiter.stop_requested()) return;
    const auto next = scheduler.next_wakeup();
    if (next != std::chrono::sys_seconds::max()) log(clock, "next run due " + sync::format_rfc3339(next));
  });
  if (!done) return report(done.error());
  log(clock, std::string("stopped on ") + (waiter.signal() == SIGINT ? "SIGINT" : "SIGTERM"));
  return kExitOk;
}

}  // namespace

void register_run_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Run the scheduler: sync each tenant when its schedule says, until SIGTERM or SIGINT");
  cmd->add_option("--config", args->config,
                  "office file (default: $MAHNWERK_CONFIG, then the XDG and /etc lookup)");
  add_state_option(*cmd, args->state);
  cmd->add_option("--basiszins", args->law.basiszins_file, "Basiszinssatz table (JSON)");
  cmd->callback([args, &exit_code] { exit_code = run_scheduler(*args); });
}

}  // namespace mahnwerk::cli
