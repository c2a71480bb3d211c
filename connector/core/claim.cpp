// The claim engine: per debtor, a chronological walk over the payments. Before each payment
// every item's interest is brought up to the day before; the payment is then allocated across
// the debtor's items (§ 366) and within each item (§ 367). After the last payment interest runs
// to as_of. Items of a debtor without payments take the same path with an empty walk.
#include "connector/core/claim.h"

#include <algorithm>
#include <unordered_map>

namespace mahnwerk::core {
namespace {

constexpr std::int64_t kFlatFeeCents = 4000;  // § 288 V BGB: € 40

// The running legal balance of one item during the walk.
struct ItemState {
  std::size_t index = 0;
  const OpenItem* item = nullptr;
  ItemClaim* claim = nullptr;
  InterestAccumulator interest;
  Money principal;
  Int128 interest_open_exact = 0;  // accrued, not yet paid; minor units / kInterestDenominator
  Money interest_paid;
  Money costs_paid;
  Date accrued_until;              // last day interest has been computed for
  bool flat_fee_due = false;
  std::vector<Date> acknowledgements;
};

Error reference_error(const char* list, std::size_t index, const char* field, std::string message) {
  return invalid_input(std::move(message), std::string(list) + "[" + std::to_string(index) + "]." + field);
}

class DebtorWalk {
 public:
  DebtorWalk(const BasiszinsTable& table, const ClaimPolicy& policy, const Debtor& debtor, const Date& as_of)
      : table_(table), policy_(policy), debtor_(debtor), as_of_(as_of) {}

  void add_item(std::size_t index, const OpenItem& item, ItemClaim& claim, Money start_principal) {
    const int surcharge = statutory_surcharge_bp(debtor_.kind, item.contract_date.value_or(item.invoice_date));
    claim.surcharge_bp = surcharge;
    ItemState s{index, &item, &claim, InterestAccumulator(table_, policy_.convention, surcharge),
                start_principal, 0, Money::zero(item.currency()), Money::zero(item.currency()),
                add_days(claim.verzug.start.value_or(as_of_), -1), false, {}};
    states_.push_back(std::move(s));
  }

  // Brings every item of `currency` up to `day` (exclusive) and then allocates the payment.
  Status apply_payment(const Payment& payment, std::optional<std::size_t> designated_item) {
    for (auto& s : states_) {
      if (s.item->currency() == payment.amount.currency()) {
        if (auto st = accrue_until(s, add_days(payment.date, -1)); !st) return st;
      }
    }
    std::vector<ItemState*> candidates;
    std::vector<DebtCandidate> debts;
    std::optional<std::size_t> designated;
    for (auto& s : states_) {
      if (!(s.item->currency() == payment.amount.currency())) continue;
      if (designated_item && *designated_item == s.index) designated = candidates.size();
      candidates.push_back(&s);
      debts.push_back(candidate(s, payment.date));
    }
    const Allocation366 split = allocate_366(debts, payment.amount, designated);
    for (const Share& share : split.shares) {
      pay_item(*candidates[share.index], payment, share.amount, designated && *designated == share.index);
    }
    if (split.unapplied.is_positive() && !candidates.empty()) {
      ItemState& target = designated ? *candidates[*designated] : *candidates.front();
      target.claim->warnings.push_back("payment of " + format_date(payment.date) + " (" +
                                       payment.amount.to_string() + "): " + split.unapplied.to_string() +
                                       " exceeded everything owed and stays unapplied (credit balance)");
    }
    return Ok{};
  }

  // Interest up to as_of and the final figures of every claim.
  Status finish() {
    for (auto& s : states_) {
      if (auto st = accrue_until(s, as_of_); !st) return st;
      ItemClaim& c = *s.claim;
      const Currency cur = s.item->currency();
      const Money interest_open(round_fraction(s.interest_open_exact, kInterestDenominator, Rounding::kHalfUp), cur);
      c.principal_open = s.principal;
      c.interest_open = interest_open;
      c.interest = s.interest_paid + interest_open;
      c.flat_fee = s.flat_fee_due ? Money(kFlatFeeCents, cur) : Money::zero(cur);
      c.costs_open = c.flat_fee - s.costs_paid;
      c.open_total = c.principal_open + c.interest_open + c.costs_open;
      c.periods = s.interest.take_periods();
      for (const auto& w : s.interest.warnings()) c.warnings.push_back(w);
      const Date arose = s.item->due_date.value_or(s.item->invoice_date);
      c.limitation = limitation(arose, s.acknowledgements);
    }
    return Ok{};
  }

 private:
  bool in_default_on(const ItemState& s, const Date& day) const {
    return s.claim->verzug.start && *s.claim->verzug.start <= day;
  }

  // § 288 V: € 40 once per invoice, for a debtor who is not a consumer, once in default.
  bool flat_fee_applies(const ItemState& s) const {
    return policy_.claim_flat_fee && !is_consumer(debtor_.kind) && s.item->currency() == Currency::eur();
  }

  Status accrue_until(ItemState& s, const Date& last_day) {
    if (!in_default_on(s, last_day) || last_day <= s.accrued_until) return Ok{};
    // Default needs something owed: an item paid in full before its default date earns no fee.
    if (!s.flat_fee_due && flat_fee_applies(s) && s.principal.is_positive()) s.flat_fee_due = true;
    const Int128 before = s.interest.exact_total();
    if (auto st = s.interest.accrue(s.principal, add_days(s.accrued_until, 1), last_day); !st) return st;
    s.interest_open_exact += s.interest.exact_total() - before;
    s.accrued_until = last_day;
    return Ok{};
  }

  Money costs_open(const ItemState& s) const {
    const Currency cur = s.item->currency();
    return (s.flat_fee_due ? Money(kFlatFeeCents, cur) : Money::zero(cur)) - s.costs_paid;
  }

  Money interest_open(const ItemState& s) const {
    return Money(round_fraction(s.interest_open_exact, kInterestDenominator, Rounding::kHalfUp), s.item->currency());
  }

  DebtCandidate candidate(const ItemState& s, const Date& day) const {
    DebtCandidate d;
    d.outstanding = costs_open(s) + interest_open(s) + s.principal;
    d.due = s.item->due_date.value_or(s.item->invoice_date) <= day;
    // More burdensome: the claim that bears default interest, at its rate.
    if (in_default_on(s, day)) {
      const auto rate = table_.rate_on(day);
      d.burden_bp = std::max(0, (rate ? rate->rate_bp : 0) + s.claim->surcharge_bp);
    }
    d.arose = s.item->due_date.value_or(s.item->invoice_date);
    return d;
  }

  void pay_item(ItemState& s, const Payment& payment, const Money& amount, bool designated) {
    const Money interest_due = interest_open(s);
    const Allocation367 a = allocate_367({costs_open(s), interest_due, s.principal}, amount);
    s.costs_paid += a.to_costs;
    s.interest_paid += a.to_interest;
    // Paying the rounded interest in full settles its sub-cent remainder too.
    s.interest_open_exact = a.to_interest == interest_due
                                ? 0
                                : s.interest_open_exact - static_cast<Int128>(a.to_interest.minor()) * kInterestDenominator;
    s.principal -= a.to_principal;
    s.acknowledgements.push_back(payment.date);  // § 212 I Nr. 1: an Abschlagszahlung
    s.claim->payments.push_back({payment.date, payment.reference, designated, a.to_costs, a.to_interest, a.to_principal});
  }

  const BasiszinsTable& table_;
  const ClaimPolicy& policy_;
  const Debtor& debtor_;
  Date as_of_;
  std::vector<ItemState> states_;
};

}  // namespace

ClaimEngine::ClaimEngine(const BasiszinsTable& table, const HolidayCalendar& calendar, ClaimPolicy policy)
    : table_(&table), calendar_(&calendar), policy_(policy) {}

Result<std::vector<ItemClaim>> ClaimEngine::compute(const State& state, const Date& as_of) const {
  std::unordered_map<std::string_view, std::size_t> debtor_index;
  debtor_index.reserve(state.debtors.size());
  for (std::size_t i = 0; i < state.debtors.size(); ++i) debtor_index.emplace(state.debtors[i].id, i);
  std::unordered_map<std::string_view, std::size_t> item_index;
  item_index.reserve(state.items.size());
  for (std::size_t i = 0; i < state.items.size(); ++i) item_index.emplace(state.items[i].id, i);

  // Items grouped by debtor, in item order.
  std::vector<std::vector<std::size_t>> items_of(state.debtors.size());
  std::vector<std::size_t> debtor_of(state.items.size());
  for (std::size_t i = 0; i < state.items.size(); ++i) {
    const auto it = debtor_index.find(state.items[i].debtor);
    if (it == debtor_index.end()) {
      return reference_error("items", i, "debtor", "unknown debtor \"" + state.items[i].debtor + "\"");
    }
    debtor_of[i] = it->second;
    items_of[it->second].push_back(i);
  }

  // Payments per debtor (by date, then input order), each with the item it names.
  struct PaymentRef {
    std::size_t payment;
    std::optional<std::size_t> item;
  };
  std::vector<std::vector<PaymentRef>> payments_of(state.debtors.size());
  std::vector<Money> listed_paid(state.items.size());
  for (std::size_t i = 0; i < state.items.size(); ++i) listed_paid[i] = Money::zero(state.items[i].currency());
  for (std::size_t p = 0; p < state.payments.size(); ++p) {
    const Payment& pay = state.payments[p];
    PaymentRef ref{p, std::nullopt};
    std::size_t debtor = 0;
    if (!pay.item.empty()) {
      const auto it = item_index.find(pay.item);
      if (it == item_index.end()) return reference_error("payments", p, "item", "unknown item \"" + pay.item + "\"");
      if (!(state.items[it->second].currency() == pay.amount.currency())) {
        return reference_error("payments", p, "currency", "payment in " + std::string(pay.amount.currency().code()) +
                                                              " for an item in " +
                                                              std::string(state.items[it->second].currency().code()));
      }
      ref.item = it->second;
      debtor = debtor_of[it->second];
      listed_paid[it->second] += pay.amount;
    } else {
      const auto it = debtor_index.find(pay.debtor);
      if (it == debtor_index.end()) return reference_error("payments", p, "debtor", "unknown debtor \"" + pay.debtor + "\"");
      debtor = it->second;
    }
    if (pay.date <= as_of) payments_of[debtor].push_back(ref);
  }

  // Mahnungen from the notice history, by item: receipt = given, or sent + assumption.
  std::vector<std::vector<Date>> mahnungen(state.items.size());
  for (std::size_t n = 0; n < state.notices.size(); ++n) {
    const NoticeRecord& notice = state.notices[n];
    const auto it = item_index.find(notice.item);
    if (it == item_index.end()) return reference_error("notices", n, "item", "unknown item \"" + notice.item + "\"");
    const Date received = notice.received_date.value_or(add_days(notice.date, policy_.receipt_assumption_days));
    if (received <= as_of) mahnungen[it->second].push_back(received);
  }

  std::vector<ItemClaim> claims(state.items.size());
  for (std::size_t d = 0; d < state.debtors.size(); ++d) {
    if (items_of[d].empty()) continue;
    const Debtor& debtor = state.debtors[d];
    DebtorWalk walk(*table_, policy_, debtor, as_of);
    for (std::size_t i : items_of[d]) {
      const OpenItem& item = state.items[i];
      ItemClaim& claim = claims[i];
      claim.item_index = i;
      const VerzugInput in{item.invoice_date, item.due_date, item.due_date_agreed, item.received_date,
                           is_consumer(debtor.kind), item.consumer_notice, mahnungen[i],
                           policy_.receipt_assumption_days};
      claim.verzug = verzug_start(in, *calendar_);
      if (claim.verzug.start && *claim.verzug.start > as_of) {
        claim.verzug.start.reset();
        claim.verzug.ground = VerzugGround::kNone;
      }
      // What the books reduced beyond the listed payments (credit notes, unlisted payments)
      // reduces the principal from the start.
      const Money unexplained = item.amount - item.open_amount - listed_paid[i];
      Money principal = item.amount;
      if (unexplained.is_positive()) {
        principal -= unexplained;
        claim.warnings.push_back("the books show " + unexplained.to_string() +
                                 " more paid or credited than the listed payments; treated as reducing the "
                                 "principal from the invoice date");
      }
      walk.add_item(i, item, claim, principal);
    }
    std::stable_sort(payments_of[d].begin(), payments_of[d].end(), [&](const PaymentRef& a, const PaymentRef& b) {
      return state.payments[a.payment].date < state.payments[b.payment].date;
    });
    for (const PaymentRef& ref : payments_of[d]) {
      if (auto st = walk.apply_payment(state.payments[ref.payment], ref.item); !st) {
        return st.error().within("payments[" + std::to_string(ref.payment) + "]");
      }
    }
    if (auto st = walk.finish(); !st) return st.error();
  }
  return claims;
}

std::string ItemClaim::explanation(const State& state) const {
  const OpenItem& item = state.items[item_index];
  std::string text = "Invoice " + item.number + ": " + verzug.explanation() + ".";
  if (!periods.empty()) {
    text += " Interest (§ 288 BGB, Basiszinssatz + " + format_percent_bp(surcharge_bp) + " points):";
    for (const auto& p : periods) {
      text += " " + format_date(p.from) + " to " + format_date(p.to) + ", " + std::to_string(p.days) + " days at " +
              format_percent_bp(p.rate_bp) + " % on " + p.principal.to_string() + " = " + p.amount().to_string() + ";";
    }
    text += " total " + interest.to_string() + ".";
  }
  if (flat_fee.is_positive()) {
    text += " Verzugspauschale " + flat_fee.to_string() +
            " (§ 288 V BGB), credited against later costs of legal pursuit.";
  }
  for (const auto& p : payments) {
    text += " Payment " + format_date(p.date) + (p.reference.empty() ? "" : " (" + p.reference + ")") +
            (p.designated ? " designated for this invoice" : " allocated by § 366 II BGB") + ": costs " +
            p.to_costs.to_string() + ", interest " + p.to_interest.to_string() + ", principal " +
            p.to_principal.to_string() + " (§ 367 BGB).";
  }
  text += " Open: principal " + principal_open.to_string() + ", interest " + interest_open.to_string() +
          ", costs " + costs_open.to_string() + ", total " + open_total.to_string() + ". " +
          limitation.explanation() + ".";
  return text;
}

}  // namespace mahnwerk::core
