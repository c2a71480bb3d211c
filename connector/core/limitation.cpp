// §§ 195, 199, 212 BGB limitation dates.
#include "connector/core/limitation.h"

#include <algorithm>
#include <vector>

namespace mahnwerk::core {

LimitationResult limitation(const Date& arose, std::span<const Date> acknowledgements) {
  LimitationResult r;
  r.regular_end = end_of_year(year_of(arose) + 3);
  r.limitation_date = r.regular_end;
  if (acknowledgements.empty()) return r;  // most claims: nothing restarted the period
  // The regular period begins at the end of the year the claim arose (§ 199 I); only an
  // acknowledgement after that, and before the period ran out, restarts it; later ones
  // restart the restarted period again (§ 212 I Nr. 1).
  const Date period_start = make_date(year_of(arose) + 1, 1, 1);
  // In date order; there are rarely more than a few, so they are sorted on the stack.
  constexpr std::size_t kOnStack = 16;
  Date on_stack[kOnStack];
  std::vector<Date> on_heap;
  std::span<Date> in_order;
  if (acknowledgements.size() <= kOnStack) {
    std::copy(acknowledgements.begin(), acknowledgements.end(), on_stack);
    in_order = std::span<Date>(on_stack, acknowledgements.size());
  } else {
    on_heap.assign(acknowledgements.begin(), acknowledgements.end());
    in_order = on_heap;
  }
  std::sort(in_order.begin(), in_order.end());
  for (const Date& ack : in_order) {
    if (ack < period_start || ack > r.limitation_date) continue;
    // New period from the next day: three full years, ending on the same calendar day.
    const Date end = add_years(ack, 3);
    if (end > r.limitation_date) {
      r.limitation_date = end;
      r.acknowledged_on = ack;
    }
  }
  return r;
}

std::string LimitationResult::explanation() const {
  std::string text = "limitation (§§ 195, 199 BGB): regular period ends " + format_date(regular_end);
  if (acknowledged_on) {
    text += "; acknowledged on " + format_date(*acknowledged_on) + " (§ 212 I Nr. 1 BGB), new period ends " +
            format_date(limitation_date);
  }
  return text;
}

}  // namespace mahnwerk::core
