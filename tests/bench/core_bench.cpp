// Benchmarks of the pure core over 1,000,000 open items of 100,000 debtors (a realistic mix of
// businesses and consumers, agreed and unilateral due dates, partial payments, a dunning
// history): the claim engine and the Mahnvorschlag. Reports items/s on one core. grouped:1 (a
// debtor's items together, as accounting exports list them) is the headline figure;
// grouped:0 (items of all debtors interleaved) is the worst case for memory locality.
// Run: build/release/tests/bench/core_bench
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "adapters/jsonfile/basiszins_json.h"
#include "adapters/jsonfile/policy_json.h"
#include "connector/core/claim.h"
#include "connector/core/proposal.h"
#include "tests/bench/state_generator.h"

namespace mahnwerk {
namespace {

using core::Money;

void BM_ClaimEngine(benchmark::State& bench) {
  auto table = jsonfile::load_basiszins(MAHNWERK_SOURCE_DIR "/config/basiszins.json");
  if (!table) {
    bench.SkipWithError(table.error().to_string().c_str());
    return;
  }
  const core::HolidayCalendar calendar(core::Region::kNational);
  const core::ClaimEngine engine(*table, calendar, core::ClaimPolicy{});
  const int items = static_cast<int>(bench.range(0));
  const core::State state = bench::make_state(items, items / 10, bench.range(1) != 0);
  const core::Date as_of = core::make_date(2025, 6, 30);
  // A long-running worker keeps its ClaimSet and computes again and again: one untimed run
  // first, so the figure is the steady state, not the first call's page faults.
  core::ClaimSet claims;
  if (auto st = engine.compute_into(state, as_of, claims); !st) {
    bench.SkipWithError(st.error().to_string().c_str());
    return;
  }
  for (auto _ : bench) {
    if (auto st = engine.compute_into(state, as_of, claims); !st) {
      bench.SkipWithError(st.error().to_string().c_str());
      return;
    }
    benchmark::DoNotOptimize(claims.claims.data());
  }
  bench.SetItemsProcessed(bench.iterations() * items);
}
BENCHMARK(BM_ClaimEngine)
    ->ArgNames({"items", "grouped"})
    ->Args({1'000, 1})
    ->Args({1'000'000, 1})
    ->Args({1'000'000, 0})
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

void BM_Propose(benchmark::State& bench) {
  auto table = jsonfile::load_basiszins(MAHNWERK_SOURCE_DIR "/config/basiszins.json");
  if (!table) {
    bench.SkipWithError(table.error().to_string().c_str());
    return;
  }
  auto loaded = jsonfile::load_policy(MAHNWERK_SOURCE_DIR "/config/policies/standard.json");
  if (!loaded) {
    bench.SkipWithError(loaded.error().to_string().c_str());
    return;
  }
  const core::Policy& policy = *loaded;
  const core::HolidayCalendar calendar(core::Region::kNational);
  const int items = static_cast<int>(bench.range(0));
  const core::State state = bench::make_state(items, items / 10, bench.range(1) != 0);
  const core::Date as_of = core::make_date(2025, 6, 30);
  // A long-running worker keeps its engine (claims, history) and its Proposal, and proposes
  // again and again: one untimed run first, so the figure is the steady state.
  core::ProposalEngine engine(policy, *table, calendar);
  core::Proposal proposal;
  if (auto st = engine.propose_into(state, as_of, proposal); !st) {
    bench.SkipWithError(st.error().to_string().c_str());
    return;
  }
  for (auto _ : bench) {
    if (auto st = engine.propose_into(state, as_of, proposal); !st) {
      bench.SkipWithError(st.error().to_string().c_str());
      return;
    }
    benchmark::DoNotOptimize(proposal.notices.data());
  }
  bench.counters["notices"] = static_cast<double>(proposal.notices.size());
  bench.SetItemsProcessed(bench.iterations() * items);
}
BENCHMARK(BM_Propose)
    ->ArgNames({"items", "grouped"})
    ->Args({1'000, 1})
    ->Args({1'000'000, 1})
    ->Args({1'000'000, 0})
    ->Unit(benchmark::kMillisecond)
    ->MeasureProcessCPUTime()
    ->UseRealTime();

}  // namespace
}  // namespace mahnwerk

BENCHMARK_MAIN();
