// The Transport port: one HTTP exchange on an event loop, plus the loop's timers. The client
// (retries, redirects, rate budgets, error classes) and the REST engine are written against it;
// BeastTransport (beast_transport.h) is the real one, tests may put a scripted one in its place.
#pragma once

#include <chrono>
#include <functional>

#include "adapters/http/types.h"

namespace mahnwerk::http {

class Transport {
 public:
  using Done = std::function<void(Exchange)>;

  virtual ~Transport() = default;

  // Sends `request` once and calls `done` on the loop with the response or the failure. No
  // retries and no redirects; the request's timeouts, body limit and CA file apply. Many
  // exchanges may be in flight at once. `request` is copied as needed before exchange() returns.
  virtual void exchange(const Request& request, Done done) = 0;
  // Calls `fn` on the loop after `delay` (at once for delay <= 0), never from inside this call.
  virtual void after(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
  // Runs the loop on the calling thread until no exchange or timer is left.
  // REQUIRES: not called from inside the loop.
  virtual void run() = 0;
};

}  // namespace mahnwerk::http
