// Rate budget per credential: a token bucket in the GCRA form (a theoretical arrival time), so
// a request learns at once how long to wait for its turn and waiting requests keep their order.
#pragma once

#include <chrono>

namespace mahnwerk::http {

using Millis = std::chrono::milliseconds;
using TimePoint = std::chrono::sys_time<std::chrono::microseconds>;

struct RateBudget {
  double per_second = 2.0;  // sustained rate; REQUIRES > 0
  int burst = 1;            // requests allowed back to back after a quiet spell; REQUIRES >= 1
  // Most exchanges of the credential on the wire at once (Xero: 5 per tenant); 0: no limit.
  // Enforced by the Client, not by the bucket.
  int max_in_flight = 0;
};

class TokenBucket {
 public:
  explicit TokenBucket(RateBudget budget);

  // Takes the next slot: how long from `now` the caller must wait before sending (0: at once).
  // Every call takes a slot, so n calls at the same instant wait 0, 1/r, 2/r, ... (after the
  // burst).
  std::chrono::microseconds reserve(TimePoint now);
  // The server said "not before `until`" (429 with Retry-After): no slot is given earlier, and
  // from then on slots come at the sustained rate without a burst, so as not to hit it again.
  void block_until(TimePoint until);

 private:
  std::chrono::microseconds interval_;   // 1 / rate
  std::chrono::microseconds tolerance_;  // (burst - 1) * interval
  TimePoint tat_{};                      // theoretical arrival time of the next request
};

}  // namespace mahnwerk::http
