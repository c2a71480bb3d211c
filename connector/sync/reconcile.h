// Reconcile: the step of the sync job between storing a pulled delta and proposing. It brings
// the stored state of one tenant up to date with what the payments mean under the core's rules:
// payments allocated (§§ 366, 367, by the claim engine), items they pay closed, plan
// installments matched (evaluate_plan), and positive events (thank-you, confirmation and
// reminder letters, connector/core/events.h) recorded in the audit trail.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "connector/core/basiszins.h"
#include "connector/core/calendar.h"
#include "connector/core/model.h"
#include "connector/core/policy.h"
#include "connector/core/result.h"
#include "connector/sync/store.h"

namespace mahnwerk::sync {

// Lead time of installment reminders among the positive events.
inline constexpr int kReminderDaysBefore = 7;

struct ReconcileInput {
  std::string tenant;
  const core::Policy* policy = nullptr;             // REQUIRES: set
  const core::BasiszinsTable* basiszins = nullptr;  // REQUIRES: set
  const core::HolidayCalendar* calendar = nullptr;  // REQUIRES: set
  core::Date as_of;
  std::string time;   // RFC 3339, stamped on the audit events
  std::string actor;  // "sync"
  // Payments at this index of the loaded state and after were stored by this run (records load
  // in the order first stored, so new ones come last); their allocation is recorded.
  std::size_t first_new_payment = 0;
};

struct ReconcileReport {
  int payments_allocated = 0;  // allocations of new payments to items (audit "payment_allocated")
  int items_paid = 0;          // items closed because payments cover their whole claim ("paid")
  int plans_updated = 0;       // plans whose installments or status changed ("plan_updated")
  int events = 0;              // positive events recorded ("letter_due")
  std::vector<std::string> warnings;
};

// Reconciles `tenant` in `tx` and returns the state as it stands afterwards (the input of the
// proposal). The positive events cover the days after the previous reconcile's as_of (cursor
// stream "positive_events") up to as_of, so consecutive runs record each event once; the first
// run covers as_of only. A plan that completes or defaults also gets an outbox entry
// "plan_status" (target "plan:ID", discriminator the status).
// Errors: the store's; broken references in the stored state (invalid input from the claim
// engine, naming the record).
core::Result<core::State> reconcile(Transaction& tx, const ReconcileInput& in, ReconcileReport& report);

}  // namespace mahnwerk::sync
