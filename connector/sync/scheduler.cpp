// The scheduler: next-due arithmetic over local wall-clock time, and the run loop.
#include "connector/sync/scheduler.h"

#include <date/tz.h>

#include <algorithm>
#include <exception>

#include "connector/sync/lease.h"

namespace mahnwerk::sync {
namespace {

using std::chrono::days;
using std::chrono::minutes;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

const date::time_zone* zone_of(const void* zone) { return static_cast<const date::time_zone*>(zone); }

bool is_weekday(sys_days day) {
  const std::chrono::weekday wd{day};
  return wd != std::chrono::Saturday && wd != std::chrono::Sunday;
}

// The first slot of a daily/weekdays schedule strictly after `after`. Slots are looked for from
// the local date of `after` on; a week always holds a weekday, and eight days cover any offset.
sys_seconds next_slot(const RunSchedule& schedule, const TimeZone& zone, sys_seconds after) {
  const sys_days local_day = std::chrono::floor<days>(zone.to_local(after));
  for (int k = 0; k <= 8; ++k) {
    const sys_days day = local_day + days(k);
    if (schedule.kind == RunSchedule::Kind::kWeekdays && !is_weekday(day)) continue;
    const sys_seconds slot = zone.to_utc(sys_seconds(day) + minutes(schedule.minute_of_day));
    if (slot > after) return slot;
  }
  return after + days(1);  // unreachable for minute_of_day in 0..1439
}

// Runs `work` in one read-write transaction and commits it; rolls back on its error.
template <typename Work>
core::Status in_transaction(Store& store, Work&& work) {
  auto tx = store.begin();
  if (!tx) return tx.error();
  if (auto done = work(**tx); !done) return done.error();
  return (*tx)->commit();
}

}  // namespace

core::Result<TimeZone> TimeZone::locate(std::string_view name) {
  try {
    return TimeZone(std::string(name), date::locate_zone(name));
  } catch (const std::exception&) {
    // date throws std::runtime_error for a name the tz database does not know, or when the
    // database (/usr/share/zoneinfo) is missing.
    return core::Error{core::ErrorKind::kBadConfig,
                       "unknown time zone \"" + std::string(name) +
                           "\" (not in the system's tz database, /usr/share/zoneinfo; is tzdata installed?)",
                       "time_zone"};
  }
}

sys_seconds TimeZone::to_utc(sys_seconds local) const {
  const date::local_seconds wall{local.time_since_epoch()};
  const date::local_info info = zone_of(zone_)->get_info(wall);
  // In a gap `first` is the period before it; its end is the instant the gap closes.
  if (info.result == date::local_info::nonexistent) return info.first.end;
  return sys_seconds((wall - info.first.offset).time_since_epoch());
}

sys_seconds TimeZone::to_local(sys_seconds instant) const {
  return sys_seconds(zone_of(zone_)->to_local(instant).time_since_epoch());
}

sys_seconds next_due(const RunSchedule& schedule, const TimeZone& zone, std::optional<sys_seconds> last_run,
                     sys_seconds now) {
  if (!last_run) return now;
  if (schedule.kind == RunSchedule::Kind::kEvery) return *last_run + minutes(schedule.interval_minutes);
  return next_slot(schedule, zone, *last_run);
}

Scheduler::Scheduler(Store& store, const Clock& clock, std::vector<ScheduledTenant> tenants, TenantJob job,
                     std::map<std::string, sys_seconds> last_runs, SchedulerOptions options)
    : store_(store),
      clock_(clock),
      tenants_(std::move(tenants)),
      job_(std::move(job)),
      last_runs_(std::move(last_runs)),
      options_(std::move(options)) {}

std::optional<sys_seconds> Scheduler::last_run(const std::string& tenant) const {
  const auto it = last_runs_.find(tenant);
  if (it == last_runs_.end()) return std::nullopt;
  return it->second;
}

sys_seconds Scheduler::due(const ScheduledTenant& tenant) const {
  const sys_seconds scheduled = next_due(tenant.schedule, tenant.zone, last_run(tenant.id), clock_.now());
  const auto retry = retry_at_.find(tenant.id);
  return retry == retry_at_.end() ? scheduled : std::max(scheduled, retry->second);
}

sys_seconds Scheduler::next_wakeup() const {
  sys_seconds earliest = sys_seconds::max();
  for (const auto& t : tenants_) earliest = std::min(earliest, due(t));
  return earliest;
}

core::Result<bool> Scheduler::run_leased(const ScheduledTenant& tenant, TickReport& report) {
  const sys_seconds started = clock_.now();
  auto acquired = in_transaction(store_, [&](Transaction& tx) -> core::Status {
    auto lease =
        take_lease(tx, tenant.id, options_.owner, started, options_.lease_ttl, options_.lease_holder_gone);
    if (!lease) return lease.error();
    return core::Status{core::Ok{}};
  });
  if (!acquired) {
    if (acquired.error().kind == core::ErrorKind::kConflict) return false;
    return acquired.error();
  }
  report.ran.push_back(tenant.id);
  if (!job_(tenant.id)) report.failed.push_back(tenant.id);
  // The slot counts from the start of the run: a job longer than an `every` interval does not
  // push the following runs later and later.
  last_runs_[tenant.id] = started;
  // The job may give the lease back itself (the sync job takes and releases the same lease with
  // the same owner), and a manual sync may have taken it since: either way it is no longer ours.
  auto released =
      in_transaction(store_, [&](Transaction& tx) { return tx.release_lease(tenant.id, options_.owner); });
  if (!released && released.error().kind != core::ErrorKind::kConflict) return released.error();
  return true;
}

core::Result<TickReport> Scheduler::tick(Waiter& waiter) {
  const sys_seconds now = clock_.now();
  std::vector<std::pair<sys_seconds, const ScheduledTenant*>> due_now;
  for (const auto& t : tenants_) {
    const sys_seconds at = due(t);
    if (at <= now) due_now.emplace_back(at, &t);
  }
  std::stable_sort(due_now.begin(), due_now.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  TickReport report;
  for (const auto& [at, tenant] : due_now) {
    if (waiter.stop_requested()) break;
    auto ran = run_leased(*tenant, report);
    if (!ran) return ran.error();
    if (*ran) {
      retry_at_.erase(tenant->id);
    } else {
      report.busy.push_back(tenant->id);
      retry_at_[tenant->id] = clock_.now() + options_.busy_retry;
    }
  }
  return report;
}

core::Status Scheduler::run(Waiter& waiter, const std::function<void(const TickReport&)>& on_tick) {
  while (!waiter.stop_requested()) {
    auto report = tick(waiter);
    if (!report) return report.error();
    if (on_tick) on_tick(*report);
    if (waiter.stop_requested()) break;
    waiter.wait_until(std::min(next_wakeup(), clock_.now() + options_.max_wait));
  }
  return core::Status{core::Ok{}};
}

}  // namespace mahnwerk::sync
