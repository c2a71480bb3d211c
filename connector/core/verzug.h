// When an item's debtor is in default (Verzug, § 286 BGB), and on which ground:
//  (a) an agreed calendar due date: from the day after the (§ 193-shifted) due date;
//  (b) a Mahnung received after the due date: from the day after its receipt (§ 187 I);
//  (c) the 30-day rule: 30 days after the later of due date and receipt of the invoice; for a
//      consumer only if the invoice carried the § 286 III notice.
// The earliest applicable ground wins.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "connector/core/calendar.h"
#include "connector/core/date.h"

namespace mahnwerk::core {

enum class VerzugGround { kNone, kAgreedDueDate, kMahnung, kThirtyDays };
std::string_view to_string(VerzugGround ground);  // "none", "agreed_due_date", "mahnung", "30_days"

struct VerzugInput {
  Date invoice_date;
  std::optional<Date> due_date;  // absent: due on receipt of the invoice (§ 271 I)
  bool due_date_agreed = false;
  std::optional<Date> received_date;
  bool consumer = false;
  bool consumer_notice = false;
  // Receipt dates of Mahnungen (in any order); those not after the due date do not count.
  std::span<const Date> mahnungen_received;
  int receipt_assumption_days = 3;  // invoice receipt = invoice date + this, when unknown
};

struct VerzugResult {
  std::optional<Date> start;  // first day in default (first interest day); empty: not in default
  VerzugGround ground = VerzugGround::kNone;
  Date due;          // Fälligkeit as given (or the receipt date when none was given)
  Date due_shifted;  // after § 193
  Date receipt;      // invoice receipt used
  bool receipt_assumed = false;
  std::optional<Date> thirty_day_end;    // last day of the 30-day period after § 193, if it applies
  std::optional<Date> mahnung_received;  // the Mahnung that grounds default, if ground == kMahnung

  // One sentence naming the ground, the dates and the paragraphs.
  std::string explanation() const;
};

VerzugResult verzug_start(const VerzugInput& input, const HolidayCalendar& calendar);

}  // namespace mahnwerk::core
