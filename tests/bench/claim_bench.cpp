// Benchmark: the claim engine over 1,000,000 open items of 100,000 debtors (a realistic mix of
// businesses and consumers, agreed and unilateral due dates, partial payments and Mahnungen).
// Reports items/s on one core. Run: build/release/tests/bench/claim_bench
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "adapters/jsonfile/basiszins_json.h"
#include "connector/core/claim.h"

namespace mahnwerk {
namespace {

using core::Money;

// A small deterministic generator (no <random>: identical data on every machine).
class Lcg {
 public:
  std::uint32_t next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<std::uint32_t>(state_ >> 33);
  }
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint32_t>(n)); }

 private:
  std::uint64_t state_ = 42;
};

// grouped: a debtor's items stand together, as accounting exports list them (by account);
// interleaved: item i belongs to debtor i % debtors, the worst case for memory locality.
core::State make_state(int items, int debtors, bool grouped) {
  Lcg rng;
  core::State s;
  s.debtors.reserve(static_cast<std::size_t>(debtors));
  for (int d = 0; d < debtors; ++d) {
    core::Debtor debtor;
    debtor.id = "D" + std::to_string(d);
    debtor.kind = rng.below(3) == 0 ? core::DebtorKind::kConsumer : core::DebtorKind::kBusiness;
    s.debtors.push_back(std::move(debtor));
  }
  s.items.reserve(static_cast<std::size_t>(items));
  const core::Date first = core::make_date(2023, 1, 2);
  for (int i = 0; i < items; ++i) {
    core::OpenItem item;
    item.id = "I" + std::to_string(i);
    item.number = item.id;
    const int per_debtor = items / debtors;
    item.debtor = "D" + std::to_string(grouped ? i / per_debtor : i % debtors);
    item.invoice_date = core::add_days(first, rng.below(900));
    item.due_date = core::add_days(item.invoice_date, 14 + 16 * rng.below(2));
    item.due_date_agreed = rng.below(2) == 0;
    item.consumer_notice = rng.below(2) == 0;
    item.amount = Money(1000 + rng.below(500000), core::Currency::eur());
    item.open_amount = item.amount;
    if (rng.below(10) == 0) {  // a partial payment on one item in ten
      const Money paid(item.amount.minor() / 3, core::Currency::eur());
      s.payments.push_back({item.id, "", core::add_days(*item.due_date, 40), paid, "Teilzahlung"});
      item.open_amount -= paid;
    }
    if (rng.below(8) == 0) s.notices.push_back({item.id, 0, core::add_days(*item.due_date, 10), std::nullopt});
    s.items.push_back(std::move(item));
  }
  return s;
}

void BM_ClaimEngine(benchmark::State& bench) {
  auto table = jsonfile::load_basiszins(MAHNWERK_SOURCE_DIR "/config/basiszins.json");
  if (!table) {
    bench.SkipWithError(table.error().to_string().c_str());
    return;
  }
  const core::HolidayCalendar calendar(core::Region::kNational);
  const core::ClaimEngine engine(*table, calendar, core::ClaimPolicy{});
  const int items = static_cast<int>(bench.range(0));
  const core::State state = make_state(items, items / 10, bench.range(1) != 0);
  const core::Date as_of = core::make_date(2025, 6, 30);
  core::ClaimSet claims;  // reused: a long-running worker keeps its buffers
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
    ->Args({1'000'000, 0})->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

}  // namespace
}  // namespace mahnwerk

BENCHMARK_MAIN();
