// Statutory default interest, § 288 BGB (Verzugszinsen): Basiszinssatz + 5 points (consumer)
// or + 9 points (business Entgeltforderung; + 8 for contracts before 2014-07-29), the total rate
// floored at 0, simple interest only (§ 289: no interest on interest).
//
// The computation is a Zinsstaffel: the interest days are split at every Basiszinssatz change
// (1 Jan / 1 Jul), at every year end, and wherever the principal changes. Each period's
// interest is kept exact (a fraction of a minor unit); only the final sum is rounded half-up.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "connector/core/basiszins.h"
#include "connector/core/date.h"
#include "connector/core/money.h"
#include "connector/core/result.h"

namespace mahnwerk::core {

enum class DayCount {
  kAct365,  // actual days / 365 (default; most German calculators)
  kActAct,  // actual days / 365 or 366 (days in a leap year over 366)
  kAct360,  // actual days / 360
  k30E360,  // German 30/360 (Mahngericht "Banktage"): 30-day months, both ends counted
};

// "act/365", "act/act", "act/360", "30/360".
Result<DayCount> parse_day_count(std::string_view text);
std::string_view to_string(DayCount convention);

enum class DebtorKind { kBusiness, kConsumer, kPublic };
Result<DebtorKind> parse_debtor_kind(std::string_view text);  // "business" | "consumer" | "public"
std::string_view to_string(DebtorKind kind);
// § 288 II and V speak of a debtor who is not a consumer: businesses and public bodies.
inline bool is_consumer(DebtorKind kind) { return kind == DebtorKind::kConsumer; }

// The surcharge over the Basiszinssatz in basis points: 500 for a consumer, 900 for others
// (800 when the contract was made before 2014-07-29, Art. 229 § 34 EGBGB).
int statutory_surcharge_bp(DebtorKind kind, std::optional<Date> contract_date);

// Interest in exact form: minor units times 1/kInterestDenominator. The denominator is
// 10,000 (basis points) × lcm(360, 365, 366), so every convention's per-period value is exact.
inline constexpr Int128 kInterestDenominator = static_cast<Int128>(10000) * 1603080;

struct InterestPeriod {
  Date from;             // first interest day
  Date to;               // last interest day (inclusive)
  int days = 0;          // interest days under the convention
  int year_basis = 365;  // 360, 365 or 366
  int basiszins_bp = 0;
  int rate_bp = 0;  // basiszins + surcharge, floored at 0 (or an agreed rate where higher)
  bool rate_known = true;
  Money principal;
  Int128 exact = 0;      // interest, in minor units / kInterestDenominator
  Money amount() const;  // this period rounded half-up, for display only
};

// Interest days of [from, to] under a convention (to >= from; both inclusive). For 30/360 each
// month counts 30 days, the 31st and the last day of February count as the 30th.
int interest_days(DayCount convention, const Date& from, const Date& to);

// Accrues interest period by period. Reusable: clear() keeps the allocated capacity, so hot
// loops (one accumulator per thread) allocate nothing per item.
class InterestAccumulator {
 public:
  InterestAccumulator(const BasiszinsTable& table, DayCount convention, int surcharge_bp);

  // Adds interest on `principal` for the days [from, to], both inclusive, split at every
  // 1 January and 1 July. A call that continues the previous one (next day, same half-year,
  // principal and rate) extends its last period instead of starting a new one. Nothing happens when to < from
  // or the principal is not positive. Fails (invalid input) when `from` lies before the Basiszinssatz table.
  Status accrue(const Money& principal, const Date& from, const Date& to);

  // Exact interest accrued since construction or the last clear().
  Int128 exact_total() const { return exact_total_; }
  // exact_total rounded half-up to minor units.
  Money rounded_total(Currency currency) const;
  const std::vector<InterestPeriod>& periods() const { return periods_; }
  // Moves the periods out (the accumulator keeps its totals; its period list is left empty).
  std::vector<InterestPeriod> take_periods() { return std::move(periods_); }
  // Distinct warnings about rates past the table's end ("rate for 2026-01-01 not in table...").
  const std::vector<std::string>& warnings() const { return warnings_; }

  void set_surcharge_bp(int surcharge_bp) { surcharge_bp_ = surcharge_bp; }
  // An agreed rate (§ 288 III BGB): each period's rate is at least this (0: none).
  void set_min_rate_bp(int min_rate_bp) { min_rate_bp_ = min_rate_bp; }
  void clear();

 private:
  const BasiszinsTable* table_;
  DayCount convention_;
  int surcharge_bp_;
  int min_rate_bp_ = 0;
  Int128 exact_total_ = 0;
  std::vector<InterestPeriod> periods_;
  int last_to_day_ = 0;  // day_number(periods_.back().to), while periods_ is not empty
  int last_index_ = 0;   // BasiszinsTable::half_year_index(periods_.back().to), likewise
  std::vector<std::string> warnings_;
};

struct InterestResult {
  Money total;
  std::vector<InterestPeriod> periods;
  std::vector<std::string> warnings;
};

// One principal over [from, to] inclusive: the `mahnwerk interest` computation.
Result<InterestResult> compute_interest(const BasiszinsTable& table, const Money& principal, const Date& from,
                                        const Date& to, DayCount convention, int surcharge_bp);

}  // namespace mahnwerk::core
