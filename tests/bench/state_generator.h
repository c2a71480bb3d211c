// A deterministic generator of realistic Mandant states for benchmarks: businesses and
// consumers, agreed and unilateral due dates, partial payments, and a dunning history.
#pragma once

#include <cstdint>
#include <string>

#include "connector/core/model.h"

namespace mahnwerk::bench {

// A small linear congruential generator (no <random>: identical data on every machine).
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

// `items` invoices of `debtors` debtors, invoiced 2023-01-02 .. mid 2025. grouped: a debtor's
// items stand together, as accounting exports list them (by account); otherwise item i belongs
// to debtor i % debtors, the worst case for memory locality.
inline core::State make_state(int items, int debtors, bool grouped) {
  Lcg rng;
  core::State s;
  s.debtors.reserve(static_cast<std::size_t>(debtors));
  for (int d = 0; d < debtors; ++d) {
    core::Debtor debtor;
    debtor.id = "D" + std::to_string(d);
    debtor.name = "Debitor " + std::to_string(d);
    debtor.kind = rng.below(3) == 0 ? core::DebtorKind::kConsumer : core::DebtorKind::kBusiness;
    s.debtors.push_back(std::move(debtor));
  }
  s.items.reserve(static_cast<std::size_t>(items));
  const core::Date first = core::make_date(2023, 1, 2);
  const int per_debtor = items / debtors;
  for (int i = 0; i < items; ++i) {
    core::OpenItem item;
    item.id = "I" + std::to_string(i);
    item.number = item.id;
    item.debtor = "D" + std::to_string(grouped ? i / per_debtor : i % debtors);
    item.invoice_date = core::add_days(first, rng.below(900));
    item.due_date = core::add_days(item.invoice_date, 14 + 16 * rng.below(2));
    item.due_date_agreed = rng.below(2) == 0;
    item.consumer_notice = rng.below(2) == 0;
    item.amount = core::Money(1000 + rng.below(500000), core::Currency::eur());
    item.open_amount = item.amount;
    if (rng.below(10) == 0) {  // a partial payment on one item in ten
      const core::Money paid(item.amount.minor() / 3, core::Currency::eur());
      s.payments.push_back({item.id, "", core::add_days(*item.due_date, 40), paid, "Teilzahlung"});
      item.open_amount -= paid;
    }
    const int history = rng.below(4);  // 0..3 earlier notices
    for (int level = 0; level < history; ++level) {
      s.notices.push_back({item.id, level, core::add_days(*item.due_date, 8 + 20 * level), std::nullopt});
    }
    s.items.push_back(std::move(item));
  }
  return s;
}

}  // namespace mahnwerk::bench
