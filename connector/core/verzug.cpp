// § 286 BGB: the start of default and its ground.
#include "connector/core/verzug.h"

#include <algorithm>

namespace mahnwerk::core {

std::string_view to_string(VerzugGround ground) {
  switch (ground) {
    case VerzugGround::kNone:
      return "none";
    case VerzugGround::kAgreedDueDate:
      return "agreed_due_date";
    case VerzugGround::kMahnung:
      return "mahnung";
    case VerzugGround::kThirtyDays:
      return "30_days";
  }
  return "none";
}

VerzugResult verzug_start(const VerzugInput& in, const HolidayCalendar& calendar) {
  // On day numbers (the claim engine calls this for every item): each date is converted once,
  // not at every step of arithmetic.
  VerzugResult r;
  r.receipt_assumed = !in.received_date.has_value();
  int receipt_day = 0;
  if (r.receipt_assumed) {
    receipt_day = day_number(in.invoice_date) + in.receipt_assumption_days;
    r.receipt = from_day_number(receipt_day);
  } else {
    r.receipt = *in.received_date;
    receipt_day = day_number(r.receipt);
  }
  // Without an agreed time the claim is due at once (§ 271 I): on the invoice date.
  r.due = in.due_date.value_or(in.invoice_date);
  const int due_day = day_number(r.due);
  const int due_shifted_day = calendar.shift_193_day(due_day);
  r.due_shifted = due_shifted_day == due_day ? r.due : from_day_number(due_shifted_day);

  int start_day = 0;
  const auto consider = [&](int day, VerzugGround ground) {
    if (r.ground == VerzugGround::kNone || day < start_day) {
      start_day = day;
      r.ground = ground;
    }
  };

  // (a) § 286 II Nr. 1: an agreed calendar date; default from the day after it.
  if (in.due_date && in.due_date_agreed) consider(due_shifted_day + 1, VerzugGround::kAgreedDueDate);

  // (b) § 286 I: the first Mahnung received after the due date; default from the next day.
  for (const Date& received : in.mahnungen_received) {
    if (received > r.due_shifted && (!r.mahnung_received || received < *r.mahnung_received)) {
      r.mahnung_received = received;
    }
  }
  if (r.mahnung_received) consider(day_number(*r.mahnung_received) + 1, VerzugGround::kMahnung);

  // (c) § 286 III: 30 days after due date and receipt, for consumers only with the notice.
  if (!in.consumer || in.consumer_notice) {
    const int end_day = calendar.shift_193_day(std::max(due_day, receipt_day) + 30);
    r.thirty_day_end = from_day_number(end_day);
    consider(end_day + 1, VerzugGround::kThirtyDays);
  }
  if (r.ground != VerzugGround::kNone) r.start = from_day_number(start_day);
  return r;
}

std::string VerzugResult::explanation() const {
  const std::string due_text =
      due_shifted == due ? format_date(due)
                         : format_date(due) + " (moved to " + format_date(due_shifted) + " by § 193 BGB)";
  const std::string receipt_text =
      format_date(receipt) + (receipt_assumed ? " (assumed: invoice date + receipt assumption)" : "");
  switch (ground) {
    case VerzugGround::kAgreedDueDate:
      return "in default from " + format_date(*start) + ": the agreed calendar due date " + due_text +
             " passed (§ 286 II Nr. 1 BGB)";
    case VerzugGround::kMahnung:
      return "in default from " + format_date(*start) + ": Mahnung received " +
             format_date(*mahnung_received) + " after the due date " + due_text + " (§ 286 I BGB)";
    case VerzugGround::kThirtyDays:
      return "in default from " + format_date(*start) + ": 30 days after due date " + due_text +
             " and receipt of the invoice " + receipt_text + " ended " + format_date(*thirty_day_end) +
             " (§ 286 III BGB" +
             (thirty_day_end != add_days(std::max(due, receipt), 30) ? ", § 193 BGB" : "") + ")";
    case VerzugGround::kNone:
      break;
  }
  return "not in default: no agreed calendar due date, no Mahnung received after the due date " + due_text +
         ", and the 30-day rule of § 286 III BGB does not apply to a consumer invoice without its notice";
}

}  // namespace mahnwerk::core
