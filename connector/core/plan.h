// Payment plans (Ratenzahlung): proposing a plan that freezes what a debtor owes on the day of
// agreement and splits it into installments, and evaluating a plan against the payments received
// — installment reminders, partial payments, missed installments, the Verfallklausel (two
// consecutive installments in arrears; § 498 BGB for consumer plans with charges), completion.
// Pure and deterministic: no clock, no I/O.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "connector/core/calendar.h"
#include "connector/core/claim.h"
#include "connector/core/date.h"
#include "connector/core/model.h"
#include "connector/core/money.h"
#include "connector/core/result.h"

namespace mahnwerk::core {

inline constexpr int kMaxInstallments = 120;

// "monthly" | "biweekly" | "weekly" and "active" | "completed" | "defaulted" | "cancelled";
// anything else is invalid input.
Result<PlanInterval> parse_plan_interval(std::string_view text);
Result<PlanStatus> parse_plan_status(std::string_view text);

struct PlanRequest {
  std::string id;                  // empty: "<debtor>-<agreed_on YYYYMMDD>"
  std::string debtor;              // Debtor::id
  std::vector<std::string> items;  // OpenItem ids; empty: every open item of the debtor that
                                   // no active plan covers
  int installments = 0;            // exactly one of installments and max_installment
  std::optional<Money> max_installment;
  Date first_due;  // nominal date of the first installment (before § 193)
  PlanInterval interval = PlanInterval::kMonthly;
  int plan_interest_bp = 0;      // simple interest p.a. on the plan (0: none)
  int default_after_missed = 2;  // Verfallklausel: consecutive installments in arrears
  int grace_days = 7;            // days after a due date before an installment is in arrears
};

// The nominal date of installment k (0-based): first_due plus k intervals. Months are added to
// first_due itself, not chained, so a plan starting on the 31st stays on each month's last day.
Date nominal_due(const Date& first_due, PlanInterval interval, int k);

// Proposes a plan (status active) for `request` agreed on `agreed_on`:
//  - principal, costs and interest are frozen from `engine` as of agreed_on (sums of the
//    selected items' principal_open, costs_open, interest_open);
//  - plan interest is simple interest, act/365, at plan_interest_bp on the principal only
//    (§ 248 I, § 289 BGB: no interest on interest or in advance on costs), assuming the
//    principal falls by 1/n at each installment: period k runs from the previous nominal due
//    date (agreed_on for the first) to the k-th, on a balance of principal * (n - k + 1) / n.
//    The exact sum is rounded half-up once;
//  - total = principal + costs + interest + plan interest, split into equal installments
//    rounded down to the cent, the remainder in the last;
//  - with max_installment the count is the smallest n whose largest installment (the last)
//    does not exceed it (plan interest recomputed for each n);
//  - due dates are nominal_due(first_due, interval, k) moved per § 193 by `calendar`.
// Invalid input, its context naming the request field ("debtor", "items[1]", "installments",
// "max_installment", "first_due", "id", ...): unknown debtor or item, an item of another
// debtor, an item covered by an active plan, items in different currencies, nothing open,
// neither or both of installments and max_installment, installments outside 1..120 (or the
// count max_installment implies), first_due before agreed_on, an installment under one cent,
// an id already used by a plan of `state`. Errors of the claim engine are passed on.
Result<PaymentPlan> propose_plan(const State& state, const PlanRequest& request, const Date& agreed_on,
                                 const ClaimEngine& engine, const HolidayCalendar& calendar);

enum class PlanEventKind {
  kInstallmentDueSoon,  // unpaid installment due within reminder_days_before: friendly reminder
  kInstallmentMissed,   // an installment is in arrears (due + grace days passed, not fully paid)
  kPartialPayment,      // a payment received that leaves the plan open: thank-you confirmation
  kFinalNotice,         // § 498 I Nr. 2: send the two-week notice threatening the whole remainder
  kDefaulted,           // Verfallklausel: the remainder is due, dunning resumes
  kCompleted,           // everything paid
};
std::string_view to_string(PlanEventKind kind);  // "installment_due_soon", "installment_missed", ...

struct PlanEvent {
  PlanEventKind kind = PlanEventKind::kCompleted;
  int installment = -1;  // 0-based index into PaymentPlan::installments; -1: the whole plan
  // due soon: the due date; missed: the first day in arrears (due + grace + 1); partial
  // payment and completed: the payment's date; final notice and defaulted: as_of.
  Date date;
  // due soon, missed: what is open on the installment; partial payment: the payment;
  // final notice: the arrears; defaulted: the remainder now due; completed: the plan total.
  Money amount;
  std::string explanation;
};

struct PlanEvaluation {
  PaymentPlan plan;               // installments' paid recomputed, status updated
  std::vector<PlanEvent> events;  // by date; on one day by installment, the plan's own events last
  // The plan total paid so far split in § 367 order: costs, then interest (default interest
  // frozen at agreement, then plan interest), then principal.
  Money paid_costs;
  Money paid_interest;
  Money paid_principal;
  Money paid_total;
  Money remaining;  // total - paid_total (never negative)
  Money arrears;    // open on installments in arrears
  int consecutive_arrears = 0;
  Money unapplied;  // paid beyond the plan total (credit)
};

// Evaluates `plan` on `as_of`.
// Payments: those on or after agreed_on and on or before as_of, in the plan's currency, that
// name a covered item or (naming no item) the plan's debtor; others in the span are ignored.
// They are taken in date order (stable) and fill installments oldest unpaid first; the stored
// Installment::paid is recomputed from them, not added to.
// Arrears: installments with due + grace_days < as_of not fully paid. With oldest-first
// allocation they are always consecutive.
// Status (only an active plan changes; cancelled, completed and defaulted stay as they are and
// get no events):
//  - completed when everything is paid;
//  - defaulted when at least default_after_missed installments are in arrears (for a
//    consumer at least two, BGH III ZR 213/83 and § 498 I Nr. 1). For a consumer plan with
//    charges (plan_interest_bp > 0 or costs > 0, § 506 → § 498) additionally: the arrears reach
//    10 % of the plan total (term up to three years; last due date <= agreed_on + 3 years) or
//    5 % (longer term), and final_notice_date lies at least 14 days before as_of while the
//    oldest installment in arrears was already due on that date (the notice's arrears are still
//    unpaid). When only the notice is missing (none sent, or sent before the current arrears
//    arose) a kFinalNotice event is emitted and the plan stays active.
// Events: due-soon reminders (reminder_days_before > 0, as_of <= due <= as_of +
// reminder_days_before, installment not fully paid); one kInstallmentMissed per installment in
// arrears; one kPartialPayment per counted payment after which the plan is still open; and
// kFinalNotice, kDefaulted or kCompleted as above. The evaluation is a snapshot: callers keep
// the events whose date is new to them.
PlanEvaluation evaluate_plan(const PaymentPlan& plan, std::span<const Payment> payments, const Date& as_of,
                             bool consumer, int reminder_days_before);

// True when `plan` is active and lists `item_id`: the item is then excluded from dunning.
// A completed, defaulted or cancelled plan covers nothing.
bool plan_covers(const PaymentPlan& plan, std::string_view item_id);

// § 212 I Nr. 1 BGB: agreeing a plan acknowledges the claim; limitation restarts the next day.
// Returns agreed_on, for the claim and limitation code.
inline Date acknowledgement_date(const PaymentPlan& plan) { return plan.agreed_on; }

// Several sentences: what was frozen, the plan interest rule, the installments, the default rule.
std::string explain(const PaymentPlan& plan);

}  // namespace mahnwerk::core
