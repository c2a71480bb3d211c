// The scheduler: next-due arithmetic (table-driven, DST days of two zones), one catch-up run
// after downtime, whole simulated days on a ManualClock, the shared tenant lease, and stopping.
#include "connector/sync/scheduler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "connector/store/sqlite_store.h"

namespace mahnwerk::sync {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::sys_days;
using std::chrono::sys_seconds;
using Kind = RunSchedule::Kind;

// "2025-03-30T01:00:00Z" -> sys_seconds; the table below reads like the instants it means.
sys_seconds utc(int y, unsigned mo, unsigned d, int h, int mi) {
  return sys_seconds(sys_days(std::chrono::year(y) / std::chrono::month(mo) / std::chrono::day(d))) +
         hours(h) + minutes(mi);
}

TimeZone zone(std::string_view name) {
  auto z = TimeZone::locate(name);
  EXPECT_TRUE(z.ok()) << name;
  return *z;
}

RunSchedule daily(int h, int m) { return {Kind::kDaily, h * 60 + m, 0}; }
RunSchedule weekdays(int h, int m) { return {Kind::kWeekdays, h * 60 + m, 0}; }
RunSchedule every(int m) { return {Kind::kEvery, 0, m}; }

struct DueCase {
  const char* what;
  const char* zone;
  RunSchedule schedule;
  std::optional<sys_seconds> last_run;
  sys_seconds now;
  sys_seconds expected;
};

TEST(Scheduler, NextDueTable) {
  const sys_seconds now = utc(2025, 6, 1, 12, 0);
  const DueCase cases[] = {
      {"never run: due at once", "Europe/Berlin", daily(6, 0), std::nullopt, now, now},
      {"never run, every: due at once", "Europe/Berlin", every(30), std::nullopt, now, now},
      {"summer: 06:00 CEST is 04:00Z", "Europe/Berlin", daily(6, 0), utc(2025, 6, 1, 4, 0), now,
       utc(2025, 6, 2, 4, 0)},
      {"later the same local day", "Europe/Berlin", daily(18, 0), utc(2025, 6, 1, 4, 0), now,
       utc(2025, 6, 1, 16, 0)},
      {"winter: 06:00 CET is 05:00Z", "Europe/Berlin", daily(6, 0), utc(2025, 1, 15, 5, 0), now,
       utc(2025, 1, 16, 5, 0)},
      {"local midnight is the previous UTC day", "Europe/Berlin", daily(0, 30), utc(2025, 6, 1, 10, 0), now,
       utc(2025, 6, 1, 22, 30)},
      // Spring forward, Sunday 2025-03-30: 02:00 CET jumps to 03:00 CEST (01:00Z).
      {"spring forward: 02:30 does not exist, runs when the gap ends (03:00 CEST)", "Europe/Berlin",
       daily(2, 30), utc(2025, 3, 29, 1, 30), now, utc(2025, 3, 30, 1, 0)},
      {"the day after spring forward: 02:30 CEST again", "Europe/Berlin", daily(2, 30),
       utc(2025, 3, 30, 1, 0), now, utc(2025, 3, 31, 0, 30)},
      {"spring forward: 06:00 moves from 05:00Z to 04:00Z", "Europe/Berlin", daily(6, 0),
       utc(2025, 3, 29, 5, 0), now, utc(2025, 3, 30, 4, 0)},
      // Fall back, Sunday 2025-10-26: 03:00 CEST goes back to 02:00 CET (01:00Z).
      {"fall back: 02:30 happens twice, the first one (CEST) counts", "Europe/Berlin", daily(2, 30),
       utc(2025, 10, 25, 0, 30), now, utc(2025, 10, 26, 0, 30)},
      {"fall back: after the first 02:30 the next run is the following day", "Europe/Berlin", daily(2, 30),
       utc(2025, 10, 26, 0, 30), now, utc(2025, 10, 27, 1, 30)},
      {"fall back: run during the repeated hour, next is tomorrow", "Europe/Berlin", daily(2, 30),
       utc(2025, 10, 26, 1, 40), now, utc(2025, 10, 27, 1, 30)},
      {"weekdays: Friday to Monday", "Europe/Berlin", weekdays(7, 30), utc(2025, 6, 6, 5, 30), now,
       utc(2025, 6, 9, 5, 30)},
      {"weekdays: Monday to Tuesday", "Europe/Berlin", weekdays(7, 30), utc(2025, 6, 9, 5, 30), now,
       utc(2025, 6, 10, 5, 30)},
      {"weekdays: a Saturday run waits for Monday", "Europe/Berlin", weekdays(7, 30), utc(2025, 6, 7, 9, 0),
       now, utc(2025, 6, 9, 5, 30)},
      {"weekdays: local Monday 00:15 is Sunday in UTC", "Europe/Berlin", weekdays(0, 15),
       utc(2025, 6, 6, 0, 0), now, utc(2025, 6, 8, 22, 15)},
      {"every 30m: elapsed time", "Europe/Berlin", every(30), utc(2025, 6, 1, 10, 7), now,
       utc(2025, 6, 1, 10, 37)},
      {"every 30m across fall back: still 30 real minutes", "Europe/Berlin", every(30),
       utc(2025, 10, 26, 0, 45), now, utc(2025, 10, 26, 1, 15)},
      {"every 2h", "Europe/Berlin", every(120), utc(2025, 6, 1, 10, 0), now, utc(2025, 6, 1, 12, 0)},
      {"New York spring forward (2025-03-09): 02:30 -> 03:00 EDT", "America/New_York", daily(2, 30),
       utc(2025, 3, 8, 7, 30), now, utc(2025, 3, 9, 7, 0)},
      {"New York fall back (2025-11-02): first 01:30 (EDT)", "America/New_York", daily(1, 30),
       utc(2025, 11, 1, 5, 30), now, utc(2025, 11, 2, 5, 30)},
      {"UTC", "UTC", daily(6, 0), utc(2025, 6, 1, 6, 0), now, utc(2025, 6, 2, 6, 0)},
      {"Kolkata half-hour offset", "Asia/Kolkata", daily(6, 0), utc(2025, 6, 1, 0, 30), now,
       utc(2025, 6, 2, 0, 30)},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(next_due(c.schedule, zone(c.zone), c.last_run, c.now), c.expected) << c.what;
  }
}

TEST(Scheduler, UnknownTimeZoneIsBadConfig) {
  auto z = TimeZone::locate("Europe/Atlantis");
  ASSERT_FALSE(z.ok());
  EXPECT_EQ(z.error().kind, core::ErrorKind::kBadConfig);
  EXPECT_NE(z.error().message.find("Europe/Atlantis"), std::string::npos);
}

TEST(Scheduler, ZoneConversionsRoundTrip) {
  const TimeZone berlin = zone("Europe/Berlin");
  EXPECT_EQ(berlin.to_local(utc(2025, 6, 1, 4, 0)), utc(2025, 6, 1, 6, 0));
  EXPECT_EQ(berlin.to_local(utc(2025, 1, 1, 4, 0)), utc(2025, 1, 1, 5, 0));
  EXPECT_EQ(berlin.to_utc(utc(2025, 6, 1, 6, 0)), utc(2025, 6, 1, 4, 0));
}

// Advances the clock to whatever the scheduler waits for; asks to stop once `end` is reached.
class SimulatedWaiter final : public Waiter {
 public:
  SimulatedWaiter(ManualClock& clock, sys_seconds end) : clock_(clock), end_(end) {}
  void wait_until(sys_seconds until) override {
    ++waits;
    clock_.set(std::max(clock_.now(), until));
  }
  bool stop_requested() override { return clock_.now() >= end_; }
  int waits = 0;

 private:
  ManualClock& clock_;
  sys_seconds end_;
};

// Never waits and never stops by itself.
class NoWaiter final : public Waiter {
 public:
  void wait_until(sys_seconds) override {}
  bool stop_requested() override { return stop; }
  bool stop = false;
};

class SchedulerLoop : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::open_sqlite_store(std::string(store::kInMemory));
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    store_ = std::move(s).value();
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    for (const char* id : {"acme", "beta"}) ASSERT_TRUE((*tx)->upsert_tenant({id, id}).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }

  Scheduler make(std::vector<ScheduledTenant> tenants, std::map<std::string, sys_seconds> last_runs = {},
                 SchedulerOptions options = SchedulerOptions{"host:1"}) {
    return Scheduler(
        *store_, clock_, std::move(tenants),
        [this](const std::string& tenant) {
          runs_.emplace_back(tenant, clock_.now());
          // The lease is held while the job runs.
          auto tx = store_->begin(Access::kReadOnly);
          auto lease = (*tx)->get_lease(tenant);
          held_during_job_ =
              held_during_job_ && lease.ok() && lease->has_value() && (*lease)->owner == "host:1";
          return core::Status{core::Ok{}};
        },
        std::move(last_runs), std::move(options));
  }

  int runs_of(const std::string& tenant) const {
    return static_cast<int>(
        std::count_if(runs_.begin(), runs_.end(), [&](const auto& r) { return r.first == tenant; }));
  }

  std::unique_ptr<store::SqliteStore> store_;
  ManualClock clock_{utc(2025, 10, 25, 12, 0)};
  std::vector<std::pair<std::string, sys_seconds>> runs_;
  bool held_during_job_ = true;
};

TEST_F(SchedulerLoop, FallBackDayHasOneDailyRunAndHourlyRunsByRealTime) {
  // From Saturday noon to Monday noon (Berlin) over the fall-back night.
  const sys_seconds start = utc(2025, 10, 25, 12, 0);
  clock_.set(start);
  auto scheduler =
      make({{"acme", daily(2, 30), zone("Europe/Berlin")}, {"beta", every(60), zone("Europe/Berlin")}},
           {{"acme", start}, {"beta", start}});
  SimulatedWaiter waiter(clock_, utc(2025, 10, 27, 11, 0));
  ASSERT_TRUE(scheduler.run(waiter).ok());
  std::vector<sys_seconds> acme;
  for (const auto& [t, at] : runs_) {
    if (t == "acme") acme.push_back(at);
  }
  EXPECT_EQ(acme, (std::vector<sys_seconds>{utc(2025, 10, 26, 0, 30), utc(2025, 10, 27, 1, 30)}));
  // Hourly from 13:00Z Saturday to 10:00Z Monday: 46 runs in 46 real hours, though the local
  // clock only advanced by 45 (Sunday has 25 hours).
  EXPECT_EQ(runs_of("beta"), 46);
  EXPECT_TRUE(held_during_job_);
}

TEST_F(SchedulerLoop, SpringForwardDayRunsOnceAtTheEndOfTheGap) {
  const sys_seconds start = utc(2025, 3, 29, 12, 0);
  clock_.set(start);
  auto scheduler = make({{"acme", daily(2, 30), zone("Europe/Berlin")}}, {{"acme", start}});
  SimulatedWaiter waiter(clock_, utc(2025, 3, 31, 11, 0));
  ASSERT_TRUE(scheduler.run(waiter).ok());
  ASSERT_EQ(runs_.size(), 2u);
  EXPECT_EQ(runs_[0].second, utc(2025, 3, 30, 1, 0));   // 03:00 CEST
  EXPECT_EQ(runs_[1].second, utc(2025, 3, 31, 0, 30));  // 02:30 CEST
}

TEST_F(SchedulerLoop, DowntimeGivesOneCatchUpRunPerTenant) {
  // Last runs a week ago; every slot since then was missed.
  clock_.set(utc(2025, 6, 10, 9, 0));
  auto scheduler =
      make({{"acme", daily(6, 0), zone("Europe/Berlin")}, {"beta", every(30), zone("Europe/Berlin")}},
           {{"acme", utc(2025, 6, 3, 4, 0)}, {"beta", utc(2025, 6, 3, 4, 0)}});
  NoWaiter waiter;
  auto first = scheduler.tick(waiter);
  ASSERT_TRUE(first.ok());
  // Earliest due first: beta's slot (last run + 30 min) came before acme's (next 06:00).
  EXPECT_EQ(first->ran, (std::vector<std::string>{"beta", "acme"}));
  // Nothing more at the same instant: the next slots lie ahead.
  auto second = scheduler.tick(waiter);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->ran.empty());
  EXPECT_EQ(scheduler.next_wakeup(), utc(2025, 6, 10, 9, 30));
  EXPECT_EQ(next_due(daily(6, 0), zone("Europe/Berlin"), scheduler.last_run("acme"), clock_.now()),
            utc(2025, 6, 11, 4, 0));
}

TEST_F(SchedulerLoop, NeverRunTenantsRunAtStart) {
  auto scheduler =
      make({{"acme", daily(6, 0), zone("Europe/Berlin")}, {"beta", weekdays(7, 30), zone("UTC")}});
  NoWaiter waiter;
  auto report = scheduler.tick(waiter);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->ran.size(), 2u);
}

TEST_F(SchedulerLoop, ALeaseHeldByAManualSyncIsWaitedFor) {
  {
    auto tx = store_->begin();
    ASSERT_TRUE((*tx)->acquire_lease("acme", "manual:99", clock_.now(), minutes(5)).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  auto scheduler = make({{"acme", every(30), zone("Europe/Berlin")}});
  NoWaiter waiter;
  auto report = scheduler.tick(waiter);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ran.empty());
  EXPECT_EQ(report->busy, std::vector<std::string>{"acme"});
  EXPECT_EQ(scheduler.next_wakeup(), clock_.now() + minutes(1));
  // Still held one minute later: busy again. After the manual lease expires the tenant runs.
  clock_.advance(minutes(1));
  EXPECT_EQ(scheduler.tick(waiter)->busy.size(), 1u);
  clock_.advance(minutes(5));
  auto later = scheduler.tick(waiter);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->ran, std::vector<std::string>{"acme"});
  EXPECT_TRUE(held_during_job_);
  // The lease is given back after the run.
  auto tx = store_->begin(Access::kReadOnly);
  auto lease = (*tx)->get_lease("acme");
  ASSERT_TRUE(lease.ok());
  EXPECT_FALSE(lease->has_value());
}

TEST_F(SchedulerLoop, ALeaseOfAHolderKnownToBeGoneIsTakenOverAndAudited) {
  {
    auto tx = store_->begin();
    ASSERT_TRUE((*tx)->acquire_lease("acme", "host:4242", clock_.now(), minutes(30)).ok());
    ASSERT_TRUE((*tx)->acquire_lease("beta", "host:77", clock_.now(), minutes(30)).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  SchedulerOptions options{"host:1"};
  options.lease_holder_gone = [](std::string_view holder) { return holder == "host:4242"; };
  auto scheduler =
      make({{"acme", every(30), zone("Europe/Berlin")}, {"beta", every(30), zone("Europe/Berlin")}}, {},
           std::move(options));
  NoWaiter waiter;
  auto report = scheduler.tick(waiter);
  ASSERT_TRUE(report.ok());
  // acme's holder was killed: taken over and run at once; beta's holder lives: busy.
  EXPECT_EQ(report->ran, std::vector<std::string>{"acme"});
  EXPECT_EQ(report->busy, std::vector<std::string>{"beta"});
  EXPECT_TRUE(held_during_job_);
  auto tx = store_->begin(Access::kReadOnly);
  auto events = (*tx)->list_audit("acme");
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ(events->front().kind, "lease_taken_over");
  EXPECT_EQ(events->front().actor, "host:1");
  EXPECT_EQ(events->front().data, R"({"from":"host:4242","to":"host:1"})");
}

TEST_F(SchedulerLoop, AFailingJobIsReportedAndScheduledAsUsual) {
  Scheduler scheduler(
      *store_, clock_, {{"acme", every(30), zone("UTC")}},
      [](const std::string&) {
        return core::Status{core::Error{core::ErrorKind::kUnavailable, "source down", "acme"}};
      },
      {}, SchedulerOptions{"host:1"});
  NoWaiter waiter;
  auto report = scheduler.tick(waiter);
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(report->failed, std::vector<std::string>{"acme"});
  EXPECT_EQ(scheduler.next_wakeup(), clock_.now() + minutes(30));
}

TEST_F(SchedulerLoop, AStopRequestEndsThePassBetweenTenants) {
  NoWaiter waiter;
  Scheduler scheduler(
      *store_, clock_, {{"acme", every(30), zone("UTC")}, {"beta", every(30), zone("UTC")}},
      [&](const std::string& tenant) {
        runs_.emplace_back(tenant, clock_.now());
        waiter.stop = true;  // SIGTERM arrives while acme's job runs
        return core::Status{core::Ok{}};
      },
      {}, SchedulerOptions{"host:1"});
  ASSERT_TRUE(scheduler.run(waiter).ok());
  ASSERT_EQ(runs_.size(), 1u);  // acme finished, beta never started
  EXPECT_EQ(runs_[0].first, "acme");
  auto tx = store_->begin(Access::kReadOnly);
  EXPECT_FALSE((*tx)->get_lease("acme")->has_value());
}

}  // namespace
}  // namespace mahnwerk::sync
