// The GCRA token bucket: one timestamp instead of a token count, so a reservation is a single
// comparison and needs no timer to refill.
#include "adapters/http/rate.h"

#include <algorithm>
#include <cmath>

namespace mahnwerk::http {

TokenBucket::TokenBucket(RateBudget budget)
    : interval_(static_cast<std::int64_t>(std::llround(1e6 / budget.per_second))),
      tolerance_(interval_ * (std::max(budget.burst, 1) - 1)) {}

std::chrono::microseconds TokenBucket::reserve(TimePoint now) {
  const TimePoint start = std::max(tat_, now);
  const TimePoint allowed = start - tolerance_;
  tat_ = start + interval_;
  return allowed > now ? allowed - now : std::chrono::microseconds(0);
}

void TokenBucket::block_until(TimePoint until) { tat_ = std::max(tat_, until + tolerance_); }

}  // namespace mahnwerk::http
