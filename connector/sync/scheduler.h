// The scheduler behind `mahnwerk run` (docs/operations.md): when each tenant's sync job is due
// under its schedule ("daily 06:00", "weekdays 07:30", "every 30m") in its time zone, and the
// loop that runs due tenants one at a time under the tenant lease shared with manual syncs.
// Time zones come from the system's tz database (/usr/share/zoneinfo, Debian's tzdata) through
// Howard Hinnant's date/tz library, the library std::chrono's tzdb was standardised from:
// GCC 12's libstdc++ has no std::chrono::locate_zone, and replacing it later is a rename.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connector/core/result.h"
#include "connector/sync/clock.h"
#include "connector/sync/lease.h"
#include "connector/sync/store.h"

namespace mahnwerk::sync {

// When a tenant is synced (the scheduler's reading of the office file's `schedule`):
//  kDaily    every local day at minute_of_day;
//  kWeekdays Monday to Friday (local dates) at minute_of_day;
//  kEvery    interval_minutes after the previous run (elapsed time, so DST changes neither
//            shorten nor lengthen it; a fall-back day simply has one more hour of runs).
struct RunSchedule {
  enum class Kind { kDaily, kWeekdays, kEvery };
  Kind kind = Kind::kDaily;
  int minute_of_day = 0;     // kDaily, kWeekdays: 0..1439
  int interval_minutes = 0;  // kEvery: >= 1
};

// An IANA time zone of the system's tz database. Cheap to copy (the database owns the data).
class TimeZone {
 public:
  // kBadConfig "unknown time zone" when the tz database has no such zone (or is not installed).
  static core::Result<TimeZone> locate(std::string_view name);
  const std::string& name() const { return name_; }
  // The instant the local wall-clock time `local` (seconds since the local epoch, i.e. the
  // local date and time read as if it were UTC) happens in this zone:
  //  - unique local time: that instant;
  //  - in a gap (spring forward: 02:30 on the last Sunday of March in Europe/Berlin does not
  //    exist): the instant the gap ends (03:00 CEST), so a slot in the gap still runs that day;
  //  - ambiguous (fall back: 02:30 on the last Sunday of October happens twice): the first.
  std::chrono::sys_seconds to_utc(std::chrono::sys_seconds local) const;
  // The local wall-clock time of `instant` in the same encoding.
  std::chrono::sys_seconds to_local(std::chrono::sys_seconds instant) const;

 private:
  TimeZone(std::string name, const void* zone) : name_(std::move(name)), zone_(zone) {}
  std::string name_;
  const void* zone_;  // const date::time_zone*, kept out of this header
};

// When the tenant is next due — a pure function:
//  - never run (`last_run` empty): `now` (a tenant whose state is unknown is synced at once);
//  - kDaily/kWeekdays: the first slot (local date at minute_of_day, converted by
//    TimeZone::to_utc) strictly after last_run — so a spring-forward day has its one run at the
//    end of the gap and a fall-back day one run, at the first occurrence of an ambiguous time;
//  - kEvery: last_run + interval.
// A result <= now means "due now". Because it depends only on the last run, however many slots
// passed during downtime give one catch-up run, after which the next slot lies in the future.
std::chrono::sys_seconds next_due(const RunSchedule& schedule, const TimeZone& zone,
                                  std::optional<std::chrono::sys_seconds> last_run,
                                  std::chrono::sys_seconds now);

struct ScheduledTenant {
  std::string id;
  RunSchedule schedule;
  TimeZone zone;
};

// The per-tenant job the scheduler runs (the sync job in production, a fake in tests). It is
// called while the scheduler holds the tenant's lease. An error is logged and counts as a run
// (the job records its own failure); the tenant is next due by its schedule as usual.
using TenantJob = std::function<core::Status(const std::string& tenant)>;

// How the loop waits between runs and learns that it must stop (SIGTERM, SIGINT).
class Waiter {
 public:
  virtual ~Waiter() = default;
  // Returns when `until` is reached or a stop is requested, whichever comes first.
  virtual void wait_until(std::chrono::sys_seconds until) = 0;
  // True once a stop was requested; checked between steps, never interrupting a job.
  virtual bool stop_requested() = 0;
};

struct SchedulerOptions {
  std::string owner;  // lease owner, "host:pid"
  std::chrono::seconds lease_ttl{std::chrono::minutes(30)};
  std::chrono::seconds busy_retry{std::chrono::minutes(1)};  // after a lease held by another
  std::chrono::seconds max_wait{std::chrono::minutes(10)};   // re-check at least this often
  // A lease whose holder this says is gone (a killed process of this host) is taken over, audited,
  // instead of counting the tenant as busy until the lease expires (lease.h). Empty: never.
  LeaseHolderGone lease_holder_gone = {};
};

// What one pass over the due tenants did.
struct TickReport {
  std::vector<std::string> ran;     // tenants whose job was called, in order
  std::vector<std::string> failed;  // of those, the ones whose job returned an error
  std::vector<std::string> busy;    // due but leased by someone else (a manual sync): retried later
};

class Scheduler {
 public:
  // `last_runs`: when each tenant last ran (the store's run records); tenants missing from it
  // have never run. REQUIRES: store, clock and waiter outlive the scheduler.
  Scheduler(Store& store, const Clock& clock, std::vector<ScheduledTenant> tenants, TenantJob job,
            std::map<std::string, std::chrono::sys_seconds> last_runs, SchedulerOptions options);

  // Runs every tenant due at clock.now(), earliest due first, each under its lease (taken before
  // and given back after the job); stops early between tenants when `waiter` asks to stop.
  // Errors: only store failures around the lease (kUnavailable etc.); job errors are reported.
  core::Result<TickReport> tick(Waiter& waiter);
  // The earliest instant any tenant is due (busy tenants: their retry time); max() for none.
  std::chrono::sys_seconds next_wakeup() const;
  // tick, wait until next_wakeup (at most max_wait from now), repeat, until the waiter asks to stop.
  // `on_tick` sees each pass's report (logging). Returns Ok after a requested stop.
  core::Status run(Waiter& waiter, const std::function<void(const TickReport&)>& on_tick = {});

  std::optional<std::chrono::sys_seconds> last_run(const std::string& tenant) const;

 private:
  std::chrono::sys_seconds due(const ScheduledTenant& tenant) const;
  // Ok(true): ran; Ok(false): the lease is held by someone else.
  core::Result<bool> run_leased(const ScheduledTenant& tenant, TickReport& report);

  Store& store_;
  const Clock& clock_;
  std::vector<ScheduledTenant> tenants_;
  TenantJob job_;
  std::map<std::string, std::chrono::sys_seconds> last_runs_;
  std::map<std::string, std::chrono::sys_seconds> retry_at_;  // busy tenants
  SchedulerOptions options_;
};

}  // namespace mahnwerk::sync
