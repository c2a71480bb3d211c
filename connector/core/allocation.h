// Payment allocation under German law.
//  § 367 I: within one claim a payment that does not cover everything goes to costs first,
//           then interest, then principal.
//  § 366:   across several claims the debtor's own designation (Tilgungsbestimmung) governs;
//           without one: the due claim first, then the one with less security for the
//           creditor, then the more burdensome for the debtor, then the older, and at equal
//           age pro rata.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "connector/core/date.h"
#include "connector/core/money.h"

namespace mahnwerk::core {

struct ClaimBalance {
  Money costs;
  Money interest;
  Money principal;
};

struct Allocation367 {
  Money to_costs;
  Money to_interest;
  Money to_principal;
  Money remainder;  // what the claim could not absorb (overpayment)
};

// REQUIRES: all amounts in one currency, none negative.
Allocation367 allocate_367(const ClaimBalance& owed, const Money& payment);

// One claim competing for a payment under § 366 II.
struct DebtCandidate {
  Money outstanding;      // everything still owed on it (costs + interest + principal)
  bool due = true;        // fällig on the payment date
  int security_rank = 0;  // higher = better secured for the creditor (allocated later)
  int burden_bp = 0;      // interest rate the debtor pays on it (higher = more burdensome)
  Date arose;             // older claims first
};

struct Share {
  std::size_t index = 0;  // into the candidates
  Money amount;
};

struct Allocation366 {
  std::vector<Share> shares;  // in allocation order; only non-zero shares
  Money unapplied;            // what no claim absorbed
};

// Allocates `payment` over `candidates`. A `designated` index (Tilgungsbestimmung) is served
// first; what exceeds it follows the statutory order. Pro-rata shares are rounded down and the
// remaining cents go to the claims with the largest remainders (then the lower index).
// REQUIRES: one currency throughout, no negative amounts.
Allocation366 allocate_366(std::span<const DebtCandidate> candidates, const Money& payment,
                           std::optional<std::size_t> designated = std::nullopt);

// Splits `amount` over claims in proportion to `weights`: shares rounded down, the remaining
// minor units to the largest remainders, ties to the lower index (deterministic). All zero
// weights: an equal split. REQUIRES: weights non-empty, one currency, none negative.
std::vector<Money> pro_rata(std::span<const Money> weights, const Money& amount);

}  // namespace mahnwerk::core
