// The claim engine: for every open item of a Mandant, what the debtor owes under German law on
// a given day, and why — Verzug start and ground (§ 286), statutory interest as a Zinsstaffel
// (§§ 288, 247), the € 40 Verzugspauschale (§ 288 V), payments allocated by §§ 366, 367, and
// the limitation date (§§ 195, 199, 212). Pure and deterministic: no clock, no I/O.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "connector/core/allocation.h"
#include "connector/core/basiszins.h"
#include "connector/core/calendar.h"
#include "connector/core/interest.h"
#include "connector/core/limitation.h"
#include "connector/core/model.h"
#include "connector/core/result.h"
#include "connector/core/verzug.h"

namespace mahnwerk::core {

// The policy settings the claim engine reads (the dunning policy carries them too).
struct ClaimPolicy {
  int receipt_assumption_days = 3;  // invoice (and Mahnung) receipt = sending date + this
  DayCount convention = DayCount::kAct365;
  bool claim_flat_fee = true;  // claim the € 40 Verzugspauschale where the law grants it
};

// How one payment was applied to one item (§ 367 order).
struct PaymentApplication {
  std::size_t payment_index = 0;  // into State::payments
  bool designated = false;        // the payment named this item (Tilgungsbestimmung)
  Money to_costs;
  Money to_interest;
  Money to_principal;
};

// A range of a ClaimSet's shared arrays.
struct Span32 {
  std::uint32_t begin = 0;
  std::uint32_t count = 0;
};

struct ItemClaim {
  std::size_t item_index = 0;    // into State::items
  std::size_t debtor_index = 0;  // into State::debtors
  VerzugResult verzug;
  int surcharge_bp = 0;  // points over the Basiszinssatz (§ 288 I / II)
  Money principal_open;  // principal after payments
  Money interest;        // all interest accrued up to as_of (paid or not)
  Money interest_open;   // interest not yet paid
  Money flat_fee;        // € 40 Verzugspauschale, zero where not owed
  Money costs_open;      // unpaid costs (the flat fee, less payments allocated to it)
  Money open_total;      // principal_open + interest_open + costs_open
  LimitationResult limitation;
  Span32 periods;   // into ClaimSet::periods
  Span32 payments;  // into ClaimSet::payments
  std::vector<std::string> warnings;
};

// A debtor's payments that no claim could absorb (a credit balance).
struct UnappliedCredit {
  std::size_t debtor_index = 0;
  Money amount;
};

// How a debtor's agreed default-interest rate (§ 288 III BGB) figures in a claim's interest
// periods: above the statutory rate (Basiszinssatz + `surcharge_bp`, floored at 0) in none of
// them, in some, or in all. Only then is the agreed rate what the debtor owes, and what a text
// must name instead of "Basiszinssatz + x points".
enum class AgreedRateUse { kNone, kSome, kAll };
AgreedRateUse agreed_rate_use(std::span<const InterestPeriod> periods, int surcharge_bp);

struct ClaimScratch;  // working memory of ClaimEngine::compute_into, reused across calls

// The claims of one computation. Periods and payment applications of all items live in two
// shared arrays (one allocation each, not one per item); ItemClaim holds ranges into them.
struct ClaimSet {
  std::vector<ItemClaim> claims;  // claims[i] belongs to State::items[i]
  std::vector<InterestPeriod> periods;
  std::vector<PaymentApplication> payments;
  std::vector<UnappliedCredit> credits;
  // Working memory kept between compute_into calls (indexes, groupings), so a worker that
  // computes again and again does not allocate and fault in fresh pages each time.
  std::shared_ptr<ClaimScratch> scratch;

  std::span<const InterestPeriod> periods_of(const ItemClaim& c) const {
    return {periods.data() + c.periods.begin, c.periods.count};
  }
  std::span<const PaymentApplication> payments_of(const ItemClaim& c) const {
    return {payments.data() + c.payments.begin, c.payments.count};
  }
  // Several sentences: the Verzug ground, the interest staircase, the flat fee, the payments
  // and the limitation date.
  std::string explanation(const ItemClaim& c, const State& state) const;

  // How the computation resolved the records of its State, for engines that build on the
  // claims (the Mahnvorschlag) and need not look the ids up again. Positions in State::items,
  // kNoItem where a record names no known item (only possible for charges of other kinds
  // than kFee: every other broken reference fails the computation). Empty before the first
  // computation; the spans live until the next computation into this ClaimSet (or a copy).
  static constexpr std::uint32_t kNoItem = 0xFFFFFFFFu;
  std::span<const std::uint32_t> notice_items() const;  // per State::notices
  std::span<const std::uint32_t> charge_items() const;  // per State::charges
  std::span<const std::uint32_t> plan_items() const;    // per plan item, plans in order
  // The items of debtor `d` (index into State::debtors), in item order.
  std::span<const std::uint32_t> items_of_debtor(std::size_t d) const;

  // Frees the working memory the computation needed and that only the next computation would
  // reuse: id indexes, groupings, and the record resolutions (notice_items(), charge_items()
  // and plan_items() are empty afterwards). Claims, periods, payments and items_of_debtor()
  // stay. For one-shot callers that keep the claims while building on them.
  void release_working_memory();
};

class ClaimEngine {
 public:
  // The engine keeps references: table and calendar must outlive it.
  ClaimEngine(const BasiszinsTable& table, const HolidayCalendar& calendar, ClaimPolicy policy);

  // Claims for every item of `state` in item order. Checks the references (an item's debtor,
  // a payment's item or debtor, a notice's item) and currencies first; a broken reference is
  // invalid input whose context names the field ("items[3].debtor"). Payments and notices
  // after `as_of` are ignored.
  Result<ClaimSet> compute(const State& state, const Date& as_of) const;
  // The same into `out`, reusing its capacity (no allocation per item in steady state).
  Status compute_into(const State& state, const Date& as_of, ClaimSet& out) const;

  const ClaimPolicy& policy() const { return policy_; }

 private:
  const BasiszinsTable* table_;
  const HolidayCalendar* calendar_;
  ClaimPolicy policy_;
};

}  // namespace mahnwerk::core
