// The claim engine: per debtor, a chronological walk over the payments. Before each payment
// every item's interest is brought up to the day before; the payment is then allocated across
// the debtor's items (§ 366) and within each item (§ 367). After the last payment interest runs
// to as_of. Items of a debtor without payments take the same path with an empty walk.
//
// Throughput matters (a tax office computes millions of items): ids are resolved once through
// flat hash indexes, records are grouped with counting sorts, the per-item working state is
// pooled across debtors, and results go to shared arrays, so steady state allocates nothing
// per item.
#include "connector/core/claim.h"

#include <algorithm>
#include <limits>

#include "connector/core/id_index.h"

namespace mahnwerk::core {
namespace {

constexpr std::int64_t kFlatFeeCents = 4000;  // § 288 V BGB: € 40
constexpr std::uint32_t kNone = 0xFFFFFFFFu;

// round_fraction(exact, kInterestDenominator, kHalfUp), with a division by the constant (a
// multiplication) for the values that fit 63 bits — every realistic interest sum.
std::int64_t round_interest_half_up(Int128 exact) {
  constexpr auto kDen = static_cast<std::uint64_t>(kInterestDenominator);
  if (exact < 0 || exact > static_cast<Int128>(std::numeric_limits<std::int64_t>::max())) {
    return round_fraction(exact, kInterestDenominator, Rounding::kHalfUp);
  }
  const auto value = static_cast<std::uint64_t>(exact);
  const std::uint64_t quotient = value / kDen;
  const std::uint64_t remainder = value - quotient * kDen;
  return static_cast<std::int64_t>(quotient + (2 * remainder >= kDen ? 1 : 0));
}

Error reference_error(const char* list, std::size_t index, const char* field, std::string message) {
  return invalid_input(std::move(message), std::string(list) + "[" + std::to_string(index) + "]." + field);
}

// Groups `keys` (one bucket number per record, kNone = no bucket) into buckets, keeping record
// order within a bucket: offsets[b] .. offsets[b + 1] index into order.
struct Buckets {
  std::vector<std::uint32_t> offsets;
  std::vector<std::uint32_t> order;
  std::vector<std::uint32_t> next;  // fill positions while building

  void build(const std::vector<std::uint32_t>& keys, std::size_t bucket_count) {
    offsets.assign(bucket_count + 1, 0);
    for (std::uint32_t k : keys) {
      if (k != kNone) ++offsets[k + 1];
    }
    for (std::size_t b = 0; b < bucket_count; ++b) offsets[b + 1] += offsets[b];
    order.resize(offsets[bucket_count]);
    next.assign(offsets.begin(), offsets.end() - 1);
    for (std::uint32_t r = 0; r < keys.size(); ++r) {
      if (keys[r] != kNone) order[next[keys[r]]++] = r;
    }
  }
  std::span<const std::uint32_t> of(std::size_t bucket) const {
    return {order.data() + offsets[bucket], offsets[bucket + 1] - offsets[bucket]};
  }
};

// The running legal balance of one item during the walk.
struct ItemState {
  const OpenItem* item = nullptr;
  ItemClaim* claim = nullptr;
  InterestAccumulator interest;
  Money principal;
  Int128 interest_open_exact = 0;  // accrued, not yet paid; minor units / kInterestDenominator
  Money interest_paid;
  Money costs_paid;
  Date accrued_until;  // last day interest has been computed for
  bool flat_fee_due = false;
  std::span<const std::uint32_t> fee_charges;  // State::charges of kind fee, up to as_of
  std::vector<Date> acknowledgements;
  std::vector<PaymentApplication> applications;

  ItemState(const BasiszinsTable& table, DayCount convention) : interest(table, convention, 0) {}
};

// One debtor's walk. The item states are pooled: reset() keeps their vectors' capacity.
class DebtorWalk {
 public:
  DebtorWalk(const BasiszinsTable& table, const ClaimPolicy& policy, const State& state)
      : table_(table), policy_(policy), state_(state) {}

  void reset(const Debtor& debtor, const Date& as_of) {
    debtor_ = &debtor;
    as_of_ = as_of;
    used_ = 0;
  }

  void add_item(const OpenItem& item, ItemClaim& claim, Money start_principal,
                std::span<const std::uint32_t> fee_charges, std::span<const Date> plan_acknowledgements) {
    if (used_ == pool_.size()) pool_.emplace_back(table_, policy_.convention);
    ItemState& s = pool_[used_++];
    const int surcharge =
        statutory_surcharge_bp(debtor_->kind, item.contract_date.value_or(item.invoice_date));
    claim.surcharge_bp = surcharge;
    s.item = &item;
    s.claim = &claim;
    s.interest.clear();
    s.interest.set_surcharge_bp(surcharge);
    s.interest.set_min_rate_bp(debtor_->agreed_interest_bp.value_or(0));
    s.principal = start_principal;
    s.interest_open_exact = 0;
    s.interest_paid = Money::zero(item.currency());
    s.costs_paid = Money::zero(item.currency());
    s.accrued_until = add_days(claim.verzug.start.value_or(as_of_), -1);
    s.flat_fee_due = false;
    s.fee_charges = fee_charges;
    s.acknowledgements.assign(plan_acknowledgements.begin(), plan_acknowledgements.end());
    s.applications.clear();
  }

  // Brings every item of the payment's currency up to the day before and allocates it.
  // Returns what no claim absorbed.
  Result<Money> apply_payment(const Payment& payment, std::size_t payment_index,
                              std::uint32_t designated_item, const State& state) {
    if (designated_item != kNone) {
      if (auto absorbed = apply_to_designated(payment, payment_index, state.items[designated_item]))
        return *absorbed;
    }
    candidates_.clear();
    debts_.clear();
    std::optional<std::size_t> designated;
    for (std::size_t k = 0; k < used_; ++k) {
      ItemState& s = pool_[k];
      if (!(s.item->currency() == payment.amount.currency())) continue;
      if (auto st = accrue_until(s, add_days(payment.date, -1)); !st) return st.error();
      if (designated_item != kNone && &state.items[designated_item] == s.item)
        designated = candidates_.size();
      candidates_.push_back(&s);
      debts_.push_back(candidate(s, payment.date));
    }
    const Allocation366 split = allocate_366(debts_, payment.amount, designated);
    for (const Share& share : split.shares) {
      pay_item(*candidates_[share.index], payment, payment_index, share.amount,
               designated && *designated == share.index);
    }
    if (split.unapplied.is_positive() && !candidates_.empty()) {
      ItemState& target = designated ? *candidates_[*designated] : *candidates_.front();
      target.claim->warnings.push_back("payment of " + format_date(payment.date) + " (" +
                                       payment.amount.to_string() + "): " + split.unapplied.to_string() +
                                       " exceeded everything owed and stays unapplied (credit balance)");
    }
    return split.unapplied;
  }

  // The common case of § 366 I: a payment that names an item and does not exceed what that
  // item owes goes to it alone (allocate_366 would give it the whole payment). The other items
  // are not brought up to date: their interest periods would merge again at the next step
  // (same principal, same half-year rate), so their figures come out the same. Empty when the
  // general path has to decide — including when another item's accrual would fail, so that
  // the failure is reported where it always was.
  std::optional<Result<Money>> apply_to_designated(const Payment& payment, std::size_t payment_index,
                                                   const OpenItem& designated) {
    const Date day_before = add_days(payment.date, -1);
    ItemState* target = nullptr;
    for (std::size_t k = 0; k < used_; ++k) {
      ItemState& s = pool_[k];
      if (s.item == &designated) {
        target = &s;
      } else if (s.item->currency() == payment.amount.currency() && accrual_would_fail(s, day_before)) {
        return std::nullopt;
      }
    }
    if (target == nullptr) return std::nullopt;
    if (auto st = accrue_until(*target, day_before); !st) return std::nullopt;
    if (payment.amount > outstanding(*target, payment.date)) return std::nullopt;
    if (!payment.amount.is_positive()) return Result<Money>(payment.amount);
    pay_item(*target, payment, payment_index, payment.amount, true);
    return Result<Money>(Money::zero(payment.amount.currency()));
  }

  // Whether accrue_until(s, last_day) would fail (interest from before the Basiszinssatz table).
  bool accrual_would_fail(const ItemState& s, const Date& last_day) const {
    return in_default_on(s, last_day) && last_day > s.accrued_until && s.principal.is_positive() &&
           add_days(s.accrued_until, 1) < table_.first_date();
  }

  // Interest up to as_of and the final figures of every claim, appended to `out`.
  Status finish(ClaimSet& out) {
    for (std::size_t k = 0; k < used_; ++k) {
      ItemState& s = pool_[k];
      if (auto st = accrue_until(s, as_of_); !st) return st;
      ItemClaim& c = *s.claim;
      const Currency cur = s.item->currency();
      c.principal_open = s.principal;
      c.interest_open = interest_open(s);
      c.interest = s.interest_paid + c.interest_open;
      c.flat_fee = s.flat_fee_due ? Money(kFlatFeeCents, cur) : Money::zero(cur);
      c.costs_open = costs_open(s, as_of_);
      c.open_total = c.principal_open + c.interest_open + c.costs_open;
      const auto& periods = s.interest.periods();
      c.periods = {static_cast<std::uint32_t>(out.periods.size()),
                   static_cast<std::uint32_t>(periods.size())};
      // One element at a time: the range insert copies each 64-byte period with `rep movs`,
      // whose start-up cost is several times that of a plain copy.
      for (const InterestPeriod& p : periods) out.periods.push_back(p);
      c.payments = {static_cast<std::uint32_t>(out.payments.size()),
                    static_cast<std::uint32_t>(s.applications.size())};
      out.payments.insert(out.payments.end(), s.applications.begin(), s.applications.end());
      for (const auto& w : s.interest.warnings()) c.warnings.push_back(w);
      c.limitation = limitation(s.item->due_date.value_or(s.item->invoice_date), s.acknowledgements);
    }
    return Ok{};
  }

 private:
  static bool in_default_on(const ItemState& s, const Date& day) {
    return s.claim->verzug.start && *s.claim->verzug.start <= day;
  }

  // § 288 V: € 40 once per invoice, for a debtor who is not a consumer, once in default.
  bool flat_fee_applies(const ItemState& s) const {
    return policy_.claim_flat_fee && !is_consumer(debtor_->kind) && s.item->currency() == Currency::eur();
  }

  Status accrue_until(ItemState& s, const Date& last_day) {
    if (!in_default_on(s, last_day) || last_day <= s.accrued_until) return Ok{};
    // Default needs something owed: an item paid in full before its default date earns no fee.
    if (!s.flat_fee_due && flat_fee_applies(s) && s.principal.is_positive()) s.flat_fee_due = true;
    if (s.item->interest_blocked) {  // Zinssperre: no interest, nothing else changes
      s.accrued_until = last_day;
      return Ok{};
    }
    const Int128 before = s.interest.exact_total();
    if (auto st = s.interest.accrue(s.principal, add_days(s.accrued_until, 1), last_day); !st) return st;
    s.interest_open_exact += s.interest.exact_total() - before;
    s.accrued_until = last_day;
    return Ok{};
  }

  // Costs owed on `day`: the € 40 once in default, and the Mahngebühren charged so far.
  Money costs_owed(const ItemState& s, const Date& day) const {
    const Currency cur = s.item->currency();
    Money owed = s.flat_fee_due ? Money(kFlatFeeCents, cur) : Money::zero(cur);
    for (std::uint32_t c : s.fee_charges) {
      const ChargeRecord& charge = state_.charges[c];
      if (charge.date <= day) owed += charge.amount;
    }
    return owed;
  }
  Money costs_open(const ItemState& s, const Date& day) const { return costs_owed(s, day) - s.costs_paid; }

  static Money interest_open(const ItemState& s) {
    return Money(round_interest_half_up(s.interest_open_exact), s.item->currency());
  }

  Money outstanding(const ItemState& s, const Date& day) const {
    return costs_open(s, day) + interest_open(s) + s.principal;
  }

  DebtCandidate candidate(const ItemState& s, const Date& day) const {
    DebtCandidate d;
    d.outstanding = outstanding(s, day);
    d.due = s.item->due_date.value_or(s.item->invoice_date) <= day;
    // More burdensome: the claim that bears default interest, at its rate.
    if (in_default_on(s, day) && !s.item->interest_blocked) {
      const auto rate = table_.rate_on(day);
      d.burden_bp = std::max(
          {0, (rate ? rate->rate_bp : 0) + s.claim->surcharge_bp, debtor_->agreed_interest_bp.value_or(0)});
    }
    d.arose = s.item->due_date.value_or(s.item->invoice_date);
    return d;
  }

  void pay_item(ItemState& s, const Payment& payment, std::size_t payment_index, const Money& amount,
                bool designated) const {
    const Money interest_due = interest_open(s);
    const Allocation367 a = allocate_367({costs_open(s, payment.date), interest_due, s.principal}, amount);
    s.costs_paid += a.to_costs;
    s.interest_paid += a.to_interest;
    // Paying the rounded interest in full settles its sub-cent remainder too.
    s.interest_open_exact =
        a.to_interest == interest_due
            ? 0
            : s.interest_open_exact - static_cast<Int128>(a.to_interest.minor()) * kInterestDenominator;
    s.principal -= a.to_principal;
    s.acknowledgements.push_back(payment.date);  // § 212 I Nr. 1: an Abschlagszahlung
    s.applications.push_back({payment_index, designated, a.to_costs, a.to_interest, a.to_principal});
  }

  const BasiszinsTable& table_;
  const ClaimPolicy& policy_;
  const State& state_;
  const Debtor* debtor_ = nullptr;
  Date as_of_;
  std::vector<ItemState> pool_;
  std::size_t used_ = 0;
  std::vector<ItemState*> candidates_;
  std::vector<DebtCandidate> debts_;
};

}  // namespace

// The references of a state, resolved to positions and grouped; kept in ClaimSet::scratch.
struct ClaimScratch {
  std::vector<std::uint32_t> debtor_of_item;
  Buckets items_by_debtor;
  std::vector<std::uint32_t> payment_item;   // kNone: a debtor-level payment
  Buckets payments_by_debtor;                // only payments up to as_of, by date
  std::vector<std::int64_t> listed_paid;     // per item, minor units of all its payments
  Buckets mahnungen_by_item;                 // notice indices received up to as_of
  Buckets fees_by_item;                      // fee charges (history) up to as_of
  std::vector<std::vector<Date>> plan_acks;  // per item: plan agreements up to as_of (§ 212)
  IdIndex debtors;
  NameResolver named;  // item ids that payments and notices name
  std::vector<std::uint32_t> notice_items, charge_items, plan_items;  // per record: the item named, or kNone
  std::vector<std::uint32_t> payment_name, payment_debtor, notice_item, fee_item;
};

namespace {

Status resolve(const State& state, const Date& as_of, int receipt_days, ClaimScratch& r) {
  IdIndex& debtors = r.debtors;
  debtors.reset(state.debtors.size());
  for (const auto& d : state.debtors) debtors.insert(d.id);  // duplicates: the first one wins

  r.debtor_of_item.resize(state.items.size());
  {
    // Exports list a debtor's items together: reuse the previous lookup when the id repeats
    // (such items are not hashed at all).
    const auto repeats = [&](std::size_t i) {
      return i > 0 && state.items[i].debtor == state.items[i - 1].debtor;
    };
    KeyStream stream(debtors, state.items.size(),
                     [&](std::size_t i) { return repeats(i) ? nullptr : &state.items[i].debtor; });
    for (std::size_t i = 0; i < state.items.size(); ++i) {
      const auto& p = stream.take(i);
      if (p.none) {
        r.debtor_of_item[i] = r.debtor_of_item[i - 1];
        continue;
      }
      const auto d = debtors.find(p.key);
      if (!d)
        return reference_error("items", i, "debtor", "unknown debtor \"" + state.items[i].debtor + "\"");
      r.debtor_of_item[i] = *d;
    }
  }
  r.items_by_debtor.build(r.debtor_of_item, state.debtors.size());

  // Payments, notices, charges and plans name items by id: resolve only those names. The
  // resolution of every record is kept (ClaimSet::notice_items() and the like).
  NameResolver& named = r.named;
  // Sized by the names that differ from their predecessor (at least the distinct ones):
  // histories list an item's records together, and a smaller table misses the cache less.
  const auto changes = [](const auto& records, auto name_of) {
    std::size_t n = 0;
    for (std::size_t k = 0; k < records.size(); ++k)
      n += k == 0 || name_of(records[k]) != name_of(records[k - 1]);
    return n;
  };
  named.reset(changes(state.payments, [](const Payment& p) -> const std::string& { return p.item; }) +
              changes(state.notices, [](const NoticeRecord& n) -> const std::string& { return n.item; }) +
              changes(state.charges, [](const ChargeRecord& c) -> const std::string& { return c.item; }));
  auto& payment_name = r.payment_name;
  payment_name.resize(state.payments.size());
  named.add_all(
      state.payments.size(),
      [&](std::size_t p) { return state.payments[p].item.empty() ? nullptr : &state.payments[p].item; },
      payment_name.data());
  r.notice_items.resize(state.notices.size());
  named.add_all(
      state.notices.size(), [&](std::size_t n) { return &state.notices[n].item; }, r.notice_items.data());
  r.charge_items.resize(state.charges.size());
  named.add_all(
      state.charges.size(), [&](std::size_t c) { return &state.charges[c].item; }, r.charge_items.data());
  r.plan_items.clear();
  for (const PaymentPlan& plan : state.plans) {
    for (const std::string& id : plan.items) r.plan_items.push_back(named.add(id));
  }
  named.resolve(state.items.size(), [&](std::size_t i) { return &state.items[i].id; });
  // From here on the name slots hold the items they name.
  for (auto* names : {&payment_name, &r.notice_items, &r.charge_items, &r.plan_items}) {
    for (std::uint32_t& slot : *names) {
      if (slot != kNone) slot = named.target(slot);
    }
  }

  r.listed_paid.assign(state.items.size(), 0);
  r.payment_item.assign(state.payments.size(), kNone);
  auto& payment_debtor = r.payment_debtor;
  payment_debtor.assign(state.payments.size(), kNone);
  for (std::size_t p = 0; p < state.payments.size(); ++p) {
    const Payment& pay = state.payments[p];
    std::uint32_t debtor = kNone;
    if (!pay.item.empty()) {
      const std::uint32_t it = payment_name[p];
      if (it == kNone) return reference_error("payments", p, "item", "unknown item \"" + pay.item + "\"");
      const OpenItem& item = state.items[it];
      if (!(item.currency() == pay.amount.currency())) {
        return reference_error("payments", p, "currency",
                               "payment in " + std::string(pay.amount.currency().code()) +
                                   " for an item in " + std::string(item.currency().code()));
      }
      r.payment_item[p] = it;
      debtor = r.debtor_of_item[it];
      r.listed_paid[it] += pay.amount.minor();
    } else {
      const auto d = debtors.find(pay.debtor);
      if (!d) return reference_error("payments", p, "debtor", "unknown debtor \"" + pay.debtor + "\"");
      debtor = *d;
    }
    if (pay.date <= as_of) payment_debtor[p] = debtor;
  }
  r.payments_by_debtor.build(payment_debtor, state.debtors.size());
  // By date within each debtor; equal dates keep input order.
  for (std::size_t d = 0; d < state.debtors.size(); ++d) {
    auto* first = r.payments_by_debtor.order.data() + r.payments_by_debtor.offsets[d];
    auto* last = r.payments_by_debtor.order.data() + r.payments_by_debtor.offsets[d + 1];
    if (last - first > 1) {
      std::stable_sort(first, last, [&](std::uint32_t a, std::uint32_t b) {
        return state.payments[a].date < state.payments[b].date;
      });
    }
  }

  auto& notice_item = r.notice_item;
  notice_item.assign(state.notices.size(), kNone);
  // Received by as_of: sent + receipt_days <= as_of, i.e. sent on or before this day.
  const Date latest_sent = add_days(as_of, -receipt_days);
  for (std::size_t n = 0; n < state.notices.size(); ++n) {
    const NoticeRecord& notice = state.notices[n];
    const std::uint32_t it = r.notice_items[n];
    if (it == kNone) return reference_error("notices", n, "item", "unknown item \"" + notice.item + "\"");
    if (notice.received_date ? *notice.received_date <= as_of : notice.date <= latest_sent)
      notice_item[n] = it;
  }
  r.mahnungen_by_item.build(notice_item, state.items.size());

  // Mahngebühren charged earlier are costs of the claim (§ 367: paid before interest).
  auto& fee_item = r.fee_item;
  fee_item.assign(state.charges.size(), kNone);
  for (std::size_t c = 0; c < state.charges.size(); ++c) {
    if (state.charges[c].kind != ChargeKind::kFee) continue;
    const std::uint32_t it = r.charge_items[c];
    if (it == kNone)
      return reference_error("charges", c, "item", "unknown item \"" + state.charges[c].item + "\"");
    const ChargeRecord& charge = state.charges[c];
    if (!(charge.amount.currency() == state.items[it].currency())) {
      return reference_error("charges", c, "currency",
                             "charge in " + std::string(charge.amount.currency().code()) +
                                 " for an item in " + std::string(state.items[it].currency().code()));
    }
    if (charge.date <= as_of) fee_item[c] = it;
  }
  r.fees_by_item.build(fee_item, state.items.size());

  // Agreeing an installment plan acknowledges the claim and restarts limitation.
  r.plan_acks.resize(state.items.size());
  for (auto& acks : r.plan_acks) acks.clear();
  std::size_t k = 0;
  for (std::size_t p = 0; p < state.plans.size(); ++p) {
    for (std::size_t j = 0; j < state.plans[p].items.size(); ++j, ++k) {
      const std::uint32_t it = r.plan_items[k];
      if (it == kNone) {
        return reference_error("plans", p, ("items[" + std::to_string(j) + "]").c_str(),
                               "unknown item \"" + state.plans[p].items[j] + "\"");
      }
      if (state.plans[p].agreed_on <= as_of) r.plan_acks[it].push_back(state.plans[p].agreed_on);
    }
  }
  return Ok{};
}

}  // namespace

ClaimEngine::ClaimEngine(const BasiszinsTable& table, const HolidayCalendar& calendar, ClaimPolicy policy)
    : table_(&table), calendar_(&calendar), policy_(policy) {}

Result<ClaimSet> ClaimEngine::compute(const State& state, const Date& as_of) const {
  ClaimSet out;
  if (auto st = compute_into(state, as_of, out); !st) return st.error();
  return out;
}

Status ClaimEngine::compute_into(const State& state, const Date& as_of, ClaimSet& out) const {
  if (!out.scratch) out.scratch = std::make_shared<ClaimScratch>();
  ClaimScratch& r = *out.scratch;
  if (auto st = resolve(state, as_of, policy_.receipt_assumption_days, r); !st) return st;

  // Every claim is overwritten below (warnings cleared): no need to construct them afresh.
  out.claims.resize(state.items.size());
  out.periods.clear();
  out.payments.clear();
  out.credits.clear();
  DebtorWalk walk(*table_, policy_, state);
  std::vector<Date> mahnungen;
  for (std::size_t d = 0; d < state.debtors.size(); ++d) {
    const auto debtor_items = r.items_by_debtor.of(d);
    if (debtor_items.empty()) continue;
    const Debtor& debtor = state.debtors[d];
    walk.reset(debtor, as_of);
    for (std::uint32_t i : debtor_items) {
      const OpenItem& item = state.items[i];
      ItemClaim& claim = out.claims[i];
      claim.warnings.clear();
      claim.item_index = i;
      claim.debtor_index = d;
      mahnungen.clear();
      for (std::uint32_t n : r.mahnungen_by_item.of(i)) {
        const NoticeRecord& notice = state.notices[n];
        mahnungen.push_back(
            notice.received_date.value_or(add_days(notice.date, policy_.receipt_assumption_days)));
      }
      const VerzugInput in{item.invoice_date,
                           item.due_date,
                           item.due_date_agreed,
                           item.received_date,
                           is_consumer(debtor.kind),
                           item.consumer_notice,
                           mahnungen,
                           policy_.receipt_assumption_days};
      claim.verzug = verzug_start(in, *calendar_);
      if (claim.verzug.start && *claim.verzug.start > as_of) {
        claim.verzug.start.reset();
        claim.verzug.ground = VerzugGround::kNone;
      }
      // What the books reduced beyond the listed payments (credit notes, unlisted payments)
      // reduces the principal from the start.
      const Money unexplained = item.amount - item.open_amount - Money(r.listed_paid[i], item.currency());
      Money principal = item.amount;
      if (unexplained.is_positive()) {
        principal -= unexplained;
        claim.warnings.push_back("the books show " + unexplained.to_string() +
                                 " more paid or credited than the listed payments; treated as reducing the "
                                 "principal from the invoice date");
      }
      walk.add_item(item, claim, principal, r.fees_by_item.of(i), r.plan_acks[i]);
    }
    for (std::uint32_t p : r.payments_by_debtor.of(d)) {
      auto unapplied = walk.apply_payment(state.payments[p], p, r.payment_item[p], state);
      if (!unapplied) return unapplied.error().within("payments[" + std::to_string(p) + "]");
      if (unapplied->is_positive()) out.credits.push_back({d, *unapplied});
    }
    if (auto st = walk.finish(out); !st) return st;
  }
  return Ok{};
}

std::span<const std::uint32_t> ClaimSet::notice_items() const {
  return scratch ? std::span<const std::uint32_t>(scratch->notice_items) : std::span<const std::uint32_t>();
}
std::span<const std::uint32_t> ClaimSet::charge_items() const {
  return scratch ? std::span<const std::uint32_t>(scratch->charge_items) : std::span<const std::uint32_t>();
}
std::span<const std::uint32_t> ClaimSet::plan_items() const {
  return scratch ? std::span<const std::uint32_t>(scratch->plan_items) : std::span<const std::uint32_t>();
}
std::span<const std::uint32_t> ClaimSet::items_of_debtor(std::size_t d) const {
  return scratch ? scratch->items_by_debtor.of(d) : std::span<const std::uint32_t>();
}

void ClaimSet::release_working_memory() {
  if (!scratch) return;
  // A fresh scratch keeping only the grouping that items_of_debtor() reads.
  auto kept = std::make_shared<ClaimScratch>();
  kept->items_by_debtor = std::move(scratch->items_by_debtor);
  kept->items_by_debtor.next = {};
  scratch = std::move(kept);
}

AgreedRateUse agreed_rate_use(std::span<const InterestPeriod> periods, int surcharge_bp) {
  std::size_t above = 0;
  for (const InterestPeriod& p : periods) {
    if (p.rate_bp > std::max(0, p.basiszins_bp + surcharge_bp)) ++above;
  }
  if (above == 0) return AgreedRateUse::kNone;
  return above == periods.size() ? AgreedRateUse::kAll : AgreedRateUse::kSome;
}

std::string ClaimSet::explanation(const ItemClaim& c, const State& state) const {
  const OpenItem& item = state.items[c.item_index];
  std::string text = "Invoice " + item.number + ": " + c.verzug.explanation() + ".";
  const auto item_periods = periods_of(c);
  if (!item_periods.empty()) {
    const std::string statutory = "Basiszinssatz + " + format_percent_bp(c.surcharge_bp) + " points";
    const std::optional<int> agreed = state.debtors[c.debtor_index].agreed_interest_bp;
    switch (agreed_rate_use(item_periods, c.surcharge_bp)) {
      case AgreedRateUse::kAll:  // the agreement, not § 288 I/II, sets the rate throughout
        text += " Interest (§ 288 III BGB, the agreed " + format_percent_bp(agreed.value_or(0)) +
                " % p.a., above the statutory " + statutory + " throughout):";
        break;
      case AgreedRateUse::kSome:
        text += " Interest (§ 288 BGB, " + statutory + "; the agreed " +
                format_percent_bp(agreed.value_or(0)) + " % p.a. where higher, § 288 III BGB):";
        break;
      case AgreedRateUse::kNone:
        text += " Interest (§ 288 BGB, " + statutory;
        if (agreed && *agreed > 0) {
          text += "; the agreed " + format_percent_bp(*agreed) + " % p.a. is not higher in any period";
        }
        text += "):";
        break;
    }
    for (const auto& p : item_periods) {
      text += " " + format_date(p.from) + " to " + format_date(p.to) + ", " + std::to_string(p.days) +
              " days at " + format_percent_bp(p.rate_bp) + " % on " + p.principal.to_string() + " = " +
              p.amount().to_string() + ";";
    }
    text += " total " + c.interest.to_string() + ".";
  } else if (item.interest_blocked && c.verzug.start) {
    text += " No interest: Zinssperre (the item is blocked for default interest).";
  }
  if (c.flat_fee.is_positive()) {
    text += " Verzugspauschale " + c.flat_fee.to_string() +
            " (§ 288 V BGB), credited against later costs of legal pursuit.";
  }
  for (const auto& a : payments_of(c)) {
    const Payment& p = state.payments[a.payment_index];
    text += " Payment " + format_date(p.date) + (p.reference.empty() ? "" : " (" + p.reference + ")") +
            (a.designated ? " designated for this invoice" : " allocated by § 366 II BGB") + ": costs " +
            a.to_costs.to_string() + ", interest " + a.to_interest.to_string() + ", principal " +
            a.to_principal.to_string() + " (§ 367 BGB).";
  }
  text += " Open: principal " + c.principal_open.to_string() + ", interest " + c.interest_open.to_string() +
          ", costs " + c.costs_open.to_string() + ", total " + c.open_total.to_string() + ". " +
          c.limitation.explanation() + ".";
  return text;
}

}  // namespace mahnwerk::core
