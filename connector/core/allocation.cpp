// §§ 366, 367 BGB payment allocation.
#include "connector/core/allocation.h"

#include <algorithm>
#include <numeric>

namespace mahnwerk::core {

Allocation367 allocate_367(const ClaimBalance& owed, const Money& payment) {
  Allocation367 a;
  Money rest = payment;
  // § 367 I order: costs, interest, principal.
  const auto take = [&rest](const Money& due) {
    const Money part = min(rest, max(due, Money::zero(due.currency())));
    rest -= part;
    return part;
  };
  a.to_costs = take(owed.costs);
  a.to_interest = take(owed.interest);
  a.to_principal = take(owed.principal);
  a.remainder = rest;
  return a;
}

namespace {

// § 366 II ranks: true when a is served before b. Equal rank returns false both ways.
bool served_before(const DebtCandidate& a, const DebtCandidate& b) {
  if (a.due != b.due) return a.due;                                                  // due first
  if (a.security_rank != b.security_rank) return a.security_rank < b.security_rank;  // less security
  if (a.burden_bp != b.burden_bp) return a.burden_bp > b.burden_bp;                  // more burdensome
  return a.arose < b.arose;                                                          // older
}

bool same_rank(const DebtCandidate& a, const DebtCandidate& b) {
  return !served_before(a, b) && !served_before(b, a);
}

}  // namespace

std::vector<Money> pro_rata(std::span<const Money> weights, const Money& amount) {
  Int128 total = 0;
  for (const Money& w : weights) total += w.minor();
  std::vector<Money> shares;
  shares.reserve(weights.size());
  std::vector<Int128> remainders;
  remainders.reserve(weights.size());
  std::int64_t given = 0;
  for (const Money& w : weights) {
    // All-zero weights: split equally.
    const Int128 product = static_cast<Int128>(amount.minor()) * (total == 0 ? 1 : w.minor());
    const Int128 divisor = total == 0 ? static_cast<Int128>(weights.size()) : total;
    const auto share = static_cast<std::int64_t>(product / divisor);
    shares.emplace_back(share, amount.currency());
    remainders.push_back(product % divisor);
    given += share;
  }
  std::vector<std::size_t> order(weights.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainders[a] > remainders[b]; });
  for (std::size_t k = 0; given < amount.minor(); ++k, ++given) {
    shares[order[k % order.size()]] += Money(1, amount.currency());
  }
  return shares;
}

Allocation366 allocate_366(std::span<const DebtCandidate> candidates, const Money& payment,
                           std::optional<std::size_t> designated) {
  Allocation366 result;
  Money rest = payment;
  std::vector<Money> remaining;
  remaining.reserve(candidates.size());
  for (const auto& c : candidates) remaining.push_back(c.outstanding);

  // § 366 I: the debtor's designation first.
  if (designated && *designated < candidates.size()) {
    const Money part = min(rest, remaining[*designated]);
    if (part.is_positive()) {
      result.shares.push_back({*designated, part});
      remaining[*designated] -= part;
      rest -= part;
    }
  }

  // § 366 II: candidates in statutory order; equal ranks form one pro-rata group.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (remaining[i].is_positive()) order.push_back(i);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return served_before(candidates[a], candidates[b]); });
  std::vector<DebtCandidate> open(candidates.begin(), candidates.end());
  for (std::size_t i = 0; i < open.size(); ++i) open[i].outstanding = remaining[i];

  for (std::size_t g = 0; g < order.size() && rest.is_positive();) {
    std::size_t end = g + 1;
    while (end < order.size() && same_rank(open[order[g]], open[order[end]])) ++end;
    const std::span<const std::size_t> group(order.data() + g, end - g);
    Money group_total = Money::zero(payment.currency());
    for (std::size_t i : group) group_total += open[i].outstanding;
    if (rest >= group_total) {
      for (std::size_t i : group) result.shares.push_back({i, open[i].outstanding});
      rest -= group_total;
    } else {
      std::vector<Money> weights;
      weights.reserve(group.size());
      for (std::size_t i : group) weights.push_back(open[i].outstanding);
      const std::vector<Money> split = pro_rata(weights, rest);
      for (std::size_t k = 0; k < group.size(); ++k) {
        if (split[k].is_positive()) result.shares.push_back({group[k], split[k]});
      }
      rest = Money::zero(payment.currency());
    }
    g = end;
  }
  result.unapplied = rest;
  return result;
}

}  // namespace mahnwerk::core
