// Limitation (Verjährung), §§ 195, 199, 212 BGB: the regular period of three years starts at
// the end of the year in which the claim arose (§ 199 I) and so ends on 31 December of the third
// following year. An acknowledgement (partial payment, interest payment, installment agreement,
// § 212 I Nr. 1) makes a full new period start on the next day. An acknowledgement before the
// regular period has begun does not move its start (the period had not yet run).
#pragma once

#include <optional>
#include <span>
#include <string>

#include "connector/core/date.h"

namespace mahnwerk::core {

struct LimitationResult {
  Date regular_end;                     // 31 Dec of year(arose) + 3
  Date limitation_date;                 // the last day the claim can be enforced
  std::optional<Date> acknowledged_on;  // the acknowledgement that restarted the period
  std::string explanation() const;
};

LimitationResult limitation(const Date& arose, std::span<const Date> acknowledgements);

}  // namespace mahnwerk::core
