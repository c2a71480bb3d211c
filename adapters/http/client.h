// The HTTP client the REST engine calls: one request in, one Outcome out, with everything the
// remote systems demand in between — the credential's rate budget, redirects (bounded, secrets
// dropped when the origin changes), retries with exponential backoff and jitter that honour
// Retry-After, error classes with the system's envelope message, and logs without secrets.
// Asynchronous on the Transport's loop, so many tenants' requests share one thread. Clock,
// sleeper and randomness are injectable: tests run retries and pacing in virtual time.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/http/errors.h"
#include "adapters/http/rate.h"
#include "adapters/http/redact.h"
#include "adapters/http/transport.h"

namespace mahnwerk::http {

// Wall-clock time for rate budgets and HTTP-date Retry-After.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
};

// Shows what it is told; a VirtualSleeper moves it forward.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint now() const override { return now_; }
  void set(TimePoint to) { now_ = to; }
  void advance(std::chrono::microseconds by) { now_ += by; }

 private:
  TimePoint now_;
};

// Waits before a retry or a paced request.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  // Calls `fn` on the transport's loop once `delay` has passed (delay may be 0).
  virtual void sleep(std::chrono::microseconds delay, std::function<void()> fn) = 0;
};

// Sleeps in virtual time, as a discrete-event simulation: each sleep is queued at its wake-up
// instant (now + delay); the earliest is woken next on the transport's loop, with `clock` moved
// to its instant first (never backwards). Nothing waits in real time.
class VirtualSleeper final : public Sleeper {
 public:
  VirtualSleeper(ManualClock& clock, Transport& transport) : clock_(clock), transport_(transport) {}
  void sleep(std::chrono::microseconds delay, std::function<void()> fn) override;
  // Every delay asked for, in the order asked.
  const std::vector<std::chrono::microseconds>& delays() const { return delays_; }

 private:
  struct Sleeping {
    TimePoint wake;
    std::uint64_t order;
    std::function<void()> fn;
  };
  void wake_next();

  ManualClock& clock_;
  Transport& transport_;
  std::vector<std::chrono::microseconds> delays_;
  std::vector<Sleeping> queue_;
  std::uint64_t next_order_ = 0;
};

// Uniform numbers in [0, 1) for the backoff jitter.
class Random {
 public:
  virtual ~Random() = default;
  virtual double uniform() = 0;
};

class SeededRandom final : public Random {
 public:
  explicit SeededRandom(std::uint64_t seed) : engine_(seed) {}
  double uniform() override { return std::uniform_real_distribution<double>(0.0, 1.0)(engine_); }

 private:
  std::mt19937_64 engine_;
};

enum class LogLevel { kError, kWarn, kInfo, kDebug, kTrace };

// Where the client writes what it does. kDebug: one line per attempt, retry and wait; kTrace:
// also headers (secret values redacted) and the first bytes of error bodies (secrets scrubbed).
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual LogLevel level() const = 0;
  virtual void log(LogLevel level, std::string_view line) = 0;
};

// Replaceable parts; nullptr: the real one (system clock, the transport's timers, a randomly
// seeded generator, no log).
struct ClientEnvironment {
  const Clock* clock = nullptr;
  Sleeper* sleeper = nullptr;
  Random* random = nullptr;
  LogSink* log = nullptr;
};

// What became of one request.
struct Outcome {
  Response response;  // the last response (also on an HTTP error: its status, headers, body)
  std::optional<HttpError> error;
  int attempts = 0;   // exchanges for the final URL, first one included
  int redirects = 0;  // redirects followed

  bool ok() const { return !error.has_value(); }
};

// The backoff before retry number `retry` (1 = the first retry): base * 2^(retry-1) capped at
// max_delay, then "equal jitter": half of it fixed, half scaled by `uniform` in [0, 1).
std::chrono::microseconds backoff_delay(const RetryPolicy& policy, int retry, double uniform);

class Client {
 public:
  // `transport` and the environment's parts must outlive the client.
  explicit Client(Transport& transport, ClientEnvironment environment = {}, Redactor redactor = Redactor());
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Requests naming `credential` are paced by `budget` from now on (replaces an earlier one;
  // REQUIRES: none of the credential's requests in flight).
  void set_rate_budget(const std::string& credential, RateBudget budget);

  // Starts `request`; `done` is called once on the transport's loop. A 2xx response is ok();
  // 3xx is followed up to max_redirects for GET/HEAD (and 307/308 for every method), dropping
  // secret headers when the origin changes; retryable and rate-limited failures are retried as
  // the retry policy allows — a non-repeatable request only when it certainly was not
  // processed (connect failures, 429). Every attempt first waits for the credential's budget.
  void send(Request request, std::function<void(Outcome)> done);
  // send() and run the transport until everything is done. REQUIRES: not on the loop.
  Outcome fetch(Request request);

  // send() for C++20 coroutines of any task type, without Asio in sight:
  //   http::Outcome o = co_await client.async_send(request);
  // The coroutine resumes on the transport's loop. The awaiter must be awaited at once.
  class SendAwaiter {
   public:
    SendAwaiter(Client& client, Request request) : client_(client), request_(std::move(request)) {}
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> handle) {
      client_.send(std::move(request_), [this, handle](Outcome o) {
        outcome_ = std::move(o);
        handle.resume();
      });
    }
    Outcome await_resume() { return std::move(outcome_); }

   private:
    Client& client_;
    Request request_;
    Outcome outcome_;
  };
  SendAwaiter async_send(Request request) { return SendAwaiter(*this, std::move(request)); }

 private:
  struct Call;
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace mahnwerk::http
