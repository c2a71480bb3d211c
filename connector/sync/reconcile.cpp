// Reconcile: payments, paid items, plans and positive events (reconcile.h).
#include "connector/sync/reconcile.h"

#include "connector/core/claim.h"
#include "connector/core/events.h"
#include "connector/core/plan.h"
#include "connector/sync/commit_plan.h"
#include "connector/sync/outbox_key.h"

namespace mahnwerk::sync {
namespace {

constexpr std::string_view kEventsStream = "positive_events";

core::Status audit(Transaction& tx, const ReconcileInput& in, std::string kind, std::string subject,
                   std::string data) {
  auto appended =
      tx.append_audit(in.tenant, {in.time, in.actor, std::move(kind), std::move(subject), std::move(data)});
  if (!appended) return appended.error();
  return core::Ok{};
}

core::Status record_allocations(Transaction& tx, const ReconcileInput& in, const core::State& state,
                                const core::ClaimSet& claims, ReconcileReport& report) {
  for (const core::ItemClaim& claim : claims.claims) {
    for (const core::PaymentApplication& a : claims.payments_of(claim)) {
      if (a.payment_index < in.first_new_payment) continue;
      const core::Payment& p = state.payments[a.payment_index];
      const core::Money total = a.to_costs + a.to_interest + a.to_principal;
      if (auto s = audit(tx, in, "payment_allocated", "item:" + state.items[claim.item_index].id,
                         json_object({{"reference", p.reference},
                                      {"date", core::format_date(p.date)},
                                      {"amount", total.to_string()},
                                      {"currency", total.currency().code()},
                                      {"to_costs", a.to_costs.to_string()},
                                      {"to_interest", a.to_interest.to_string()},
                                      {"to_principal", a.to_principal.to_string()},
                                      {"designated", a.designated ? "true" : "false"}}));
          !s)
        return s;
      ++report.payments_allocated;
    }
  }
  return core::Ok{};
}

// An item the books still show open whose whole claim the payments cover is closed here, so
// the proposal does not dun it while the books catch up.
core::Status close_paid_items(Transaction& tx, const ReconcileInput& in, core::State& state,
                              const core::ClaimSet& claims, ReconcileReport& report) {
  for (const core::ItemClaim& claim : claims.claims) {
    core::OpenItem& item = state.items[claim.item_index];
    if (!item.open_amount.is_positive() || !claim.open_total.is_zero()) continue;
    const core::Money was = item.open_amount;
    item.open_amount = core::Money::zero(item.currency());
    if (auto r = tx.upsert_item(in.tenant, item); !r) return r.error();
    if (auto s = audit(tx, in, "paid", "item:" + item.id,
                       json_object({{"open_amount_before", was.to_string()},
                                    {"reason", "the allocated payments cover the whole claim"}}));
        !s)
      return s;
    ++report.items_paid;
  }
  return core::Ok{};
}

const core::Debtor* find_debtor(const core::State& state, std::string_view id) {
  for (const auto& d : state.debtors) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

core::Status match_plans(Transaction& tx, const ReconcileInput& in, core::State& state,
                         ReconcileReport& report) {
  for (core::PaymentPlan& plan : state.plans) {
    if (plan.status != core::PlanStatus::kActive) continue;
    const core::Debtor* debtor = find_debtor(state, plan.debtor);
    const bool consumer = debtor != nullptr && debtor->kind == core::DebtorKind::kConsumer;
    core::PlanEvaluation ev =
        core::evaluate_plan(plan, state.payments, in.as_of, consumer, kReminderDaysBefore);
    auto written = tx.upsert_plan(in.tenant, ev.plan);
    if (!written) return written.error();
    if (*written == Upsert::kUnchanged) continue;
    const std::string target = "plan:" + plan.id;
    const std::string status(core::to_string(ev.plan.status));
    if (auto s = audit(tx, in, "plan_updated", target,
                       json_object({{"status", status},
                                    {"paid_total", ev.paid_total.to_string()},
                                    {"remaining", ev.remaining.to_string()},
                                    {"currency", ev.remaining.currency().code()}}));
        !s)
      return s;
    if (ev.plan.status != core::PlanStatus::kActive) {
      OutboxEntry entry;
      entry.tenant = in.tenant;
      entry.kind = "plan_status";
      entry.target = target;
      entry.idempotency_key = outbox_key(in.tenant, "plan_status", target, status);
      entry.payload = json_object({{"tenant", in.tenant},
                                   {"plan", plan.id},
                                   {"status", status},
                                   {"date", core::format_date(in.as_of)}});
      if (auto r = tx.insert_outbox_if_absent(entry); !r) return r.error();
    }
    plan = std::move(ev.plan);
    ++report.plans_updated;
  }
  return core::Ok{};
}

core::Status record_positive_events(Transaction& tx, const ReconcileInput& in, const core::State& state,
                                    const core::ClaimSet& claims, ReconcileReport& report) {
  auto cursor = tx.get_cursor(in.tenant, kEventsStream);
  if (!cursor) return cursor.error();
  core::Date since = in.as_of;
  if (*cursor) {
    auto last = core::parse_date(**cursor);
    if (!last) return last.error().within("cursor " + std::string(kEventsStream));
    since = core::add_days(*last, 1);
  }
  if (since > in.as_of) return core::Ok{};  // this day is done (a re-run)
  auto events = core::positive_events(state, claims, since, in.as_of, kReminderDaysBefore);
  if (!events) return events.error();
  for (const core::LetterEvent& e : *events) {
    if (auto s = audit(tx, in, "letter_due", "debtor:" + state.debtors[e.debtor_index].id,
                       json_object({{"letter", core::to_string(e.kind)},
                                    {"reference", e.reference},
                                    {"amount", e.amount.to_string()},
                                    {"balance", e.balance.to_string()},
                                    {"currency", e.currency.code()},
                                    {"date", core::format_date(e.date)}}));
        !s)
      return s;
    ++report.events;
  }
  return tx.set_cursor(in.tenant, kEventsStream, core::format_date(in.as_of));
}

}  // namespace

core::Result<core::State> reconcile(Transaction& tx, const ReconcileInput& in, ReconcileReport& report) {
  auto loaded = tx.load_state(in.tenant);
  if (!loaded) return loaded.error();
  core::State state = std::move(loaded).value();
  const core::ClaimEngine engine(*in.basiszins, *in.calendar, in.policy->claim);
  auto claims = engine.compute(state, in.as_of);
  if (!claims) return claims.error();
  for (const auto& claim : claims->claims) {
    for (const auto& w : claim.warnings)
      report.warnings.push_back("item " + state.items[claim.item_index].id + ": " + w);
  }
  if (auto s = record_allocations(tx, in, state, *claims, report); !s) return s.error();
  if (auto s = record_positive_events(tx, in, state, *claims, report); !s) return s.error();
  // Last: these change the state the claims were computed for.
  if (auto s = match_plans(tx, in, state, report); !s) return s.error();
  if (auto s = close_paid_items(tx, in, state, *claims, report); !s) return s.error();
  return state;
}

}  // namespace mahnwerk::sync
