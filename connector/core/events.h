// Positive letters: which thank-you, confirmation and reminder letters fall due in a run — a
// plan agreed, a partial payment received (on a plan or on plain invoices), a plan completed, an
// installment falling due soon. Pure and deterministic: the caller supplies the claims and
// renders the events with letter_data() and render_letter().
#pragma once

#include <vector>

#include "connector/core/claim.h"
#include "connector/core/date.h"
#include "connector/core/letter.h"
#include "connector/core/model.h"
#include "connector/core/result.h"

namespace mahnwerk::core {

// The longest reminder lead time accepted (--reminder-days).
inline constexpr int kMaxReminderDaysBefore = 365;

// The positive letters due for the run window [since, as_of] (both inclusive). Runs whose
// windows follow each other without gap or overlap produce every letter exactly once.
//  - plan_agreed: every plan not cancelled whose agreed_on lies in the window.
//  - For every active plan, evaluate_plan(plan, state.payments, as_of, consumer,
//    reminder_days_before):
//    - partial_payment per counted payment dated in the window that leaves the plan open;
//      amount = the payment, amount_date = its date, balance = the plan's remainder right after
//      it (total minus the plan's payments up to and including it);
//    - plan_completed when the completing payment is dated in the window; amount_date = its
//      date, balance zero;
//    - installment_reminder for an installment that evaluate_plan reports due soon (unpaid, due
//      on or after as_of, within reminder_days_before) whose reminder day — the due date minus
//      reminder_days_before — lies in the window. That day falls into exactly one window, so a
//      reminder is never repeated by later runs; an installment whose reminder day falls on or
//      before the agreement day gets none (the plan_agreed letter has just listed its date). amount = what is
//      open on the installment, amount_date and deadline = its due date. 0 days: no reminders.
//    Missed installments, § 498 final notices and defaults are not positive letters: dunning
//    handles them.
//  - partial_payment for every other payment (one that no active plan counts) dated in the
//    window with a positive amount, when something stays open afterwards: for a payment naming
//    an item, that item (balance = its open_total in `claims`); for a payment naming only the
//    debtor, the debtor's items in the payment's currency with open_total > 0 (balance = their
//    sum). A payment that settles its item (or, naming none, all the debtor's items) gets no
//    letter: a full payment needs no confirmation.
// Every letter is dated as_of (LetterEvent::date). Order: by debtor index, then the day the
// event happened (agreement, payment, due date), then kind (plan_agreed, partial_payment,
// plan_completed, installment_reminder), then reference, then input order. Plan letters carry
// the evaluated plan (installments' paid recomputed as of as_of) and the plan id as reference;
// plain payments their payment reference. Where two letters of one debtor and kind would share
// a reference (and so a file name), the later ones get "-2", "-3", ... appended.
// REQUIRES: `claims` computed by ClaimEngine for `state` as of `as_of`.
// Errors: since after as_of, reminder_days_before outside 0..kMaxReminderDaysBefore, a plan or
// payment naming an unknown debtor or item, a payment in another currency than its item
// (invalid input; context "since", "reminder_days_before", "plans[i]", "payments[i]"); a claim
// set of another size than state.items (internal).
Result<std::vector<LetterEvent>> positive_events(const State& state, const ClaimSet& claims,
                                                 const Date& since, const Date& as_of,
                                                 int reminder_days_before);

}  // namespace mahnwerk::core
