// The Clock port: the one source of "now" for the sync job, the outbox drain and the scheduler,
// so tests run them at any instant without waiting (STYLE.md: no wall-clock time in tests).
#pragma once

#include <chrono>

namespace mahnwerk::sync {

class Clock {
 public:
  virtual ~Clock() = default;
  // Current UTC time, whole seconds.
  virtual std::chrono::sys_seconds now() const = 0;
};

// The system clock.
class SystemClock final : public Clock {
 public:
  std::chrono::sys_seconds now() const override {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  }
};

// A clock that shows what it is told; tests advance it by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::chrono::sys_seconds start) : now_(start) {}
  std::chrono::sys_seconds now() const override { return now_; }
  void set(std::chrono::sys_seconds to) { now_ = to; }
  void advance(std::chrono::seconds by) { now_ += by; }

 private:
  std::chrono::sys_seconds now_;
};

}  // namespace mahnwerk::sync
