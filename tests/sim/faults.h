// Fault injection for the simulators: rules parsed from a SPEC text (docs/simulators.md), each
// firing deterministically — every Nth or only the Nth matching request, or with a seeded
// probability — so a test that injects faults is reproducible.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace mahnwerk::sim {

enum class FaultKind { kDrop, kDelay, k429, k500, k504, kTruncate, kDuplicate };
std::string_view to_string(FaultKind kind);

struct FaultRule {
  FaultKind kind = FaultKind::k500;
  std::string route = "any";  // a route name (docs/simulators.md) or "any"
  int every = 0;              // fire on every Nth matching request (0: see nth/p; all zero: each one)
  int nth = 0;                // fire only on the Nth matching request
  int count = -1;             // fire at most this often; -1: no limit
  double p = 0.0;             // fire with this probability (seeded)
  std::uint64_t seed = 1;
  bool commit = false;                 // drop: commit a write before dropping the connection
  std::chrono::milliseconds delay{0};  // waited before the fault's act (delay: the whole fault)
  std::string text;                    // the rule as written

  // Run-time counters.
  long matched = 0;
  long fired = 0;
  std::mt19937_64 rng{1};
};

// Throws std::invalid_argument with the offending part.
std::vector<FaultRule> parse_faults(std::string_view spec);

// What the faults that fired on one request ask for.
struct FaultDecision {
  std::optional<FaultKind> act;  // the first non-delay fault that fired
  bool commit = false;
  std::chrono::milliseconds delay{0};  // sum of delays of the faults that fired
};

// Counts the request against every rule of `route` and decides. Not thread-safe.
FaultDecision decide(std::vector<FaultRule>& rules, std::string_view route);

}  // namespace mahnwerk::sim
