// The Mahnvorschlag. Per debtor and currency: every overdue item is checked against the skip
// rules (blocks, disputes, insolvency, plans, credits, small amounts), then against the policy's
// level thresholds; if at least one item rises a level, the debtor gets one notice listing all
// its overdue items, with the charges the law allows at that level.
#include "connector/core/proposal.h"

#include <algorithm>
#include <map>

#include "connector/core/allocation.h"
#include "connector/core/claim.h"
#include "connector/core/id_index.h"
#include "connector/core/plan.h"

namespace mahnwerk::core {
namespace {

std::string_view kSkipNames[] = {"debtor_blocked", "item_blocked", "disputed",  "insolvent",
                                 "in_payment_plan", "covered_by_credit", "below_minimum", "too_soon",
                                 "waiting",         "final_level_reached", "paid"};

// The dunning history of one item, from State::notices and State::charges.
struct ItemHistory {
  int level = -1;           // highest level sent; -1: none
  std::optional<Date> last_sent;
  bool flat_fee_charged = false;
  Money interest_charged;   // interest claimed by earlier notices
  std::vector<int> fee_levels;  // levels at which a fee was charged
};

// What one item does in this run.
struct ItemDecision {
  std::size_t index = 0;
  bool overdue = false;
  bool escalates = false;
  int level = -1;  // after this run
};

class Proposer {
 public:
  Proposer(const State& state, const Policy& policy, const Date& as_of, const HolidayCalendar& calendar,
           const ClaimSet& claims)
      : state_(state), policy_(policy), as_of_(as_of), calendar_(calendar), claims_(claims) {}

  Status load_history() {
    // Notices, charges and plans name items by id: resolve only those names (the claim engine
    // has already checked that every notice names a known item).
    NameResolver named;
    named.reset(state_.notices.size() + state_.charges.size());
    std::vector<std::uint32_t> notice_name(state_.notices.size());
    std::vector<std::uint32_t> charge_name(state_.charges.size());
    std::vector<std::uint32_t> plan_name;
    for (std::size_t n = 0; n < state_.notices.size(); ++n) notice_name[n] = named.add(state_.notices[n].item);
    for (std::size_t c = 0; c < state_.charges.size(); ++c) charge_name[c] = named.add(state_.charges[c].item);
    for (const PaymentPlan& plan : state_.plans) {
      for (const std::string& id : plan.items) plan_name.push_back(named.add(id));
    }
    named.resolve(state_.items.size(), [&](std::size_t i) -> std::string_view { return state_.items[i].id; });

    history_.assign(state_.items.size(), ItemHistory{});
    for (std::size_t i = 0; i < state_.items.size(); ++i) {
      history_[i].interest_charged = Money::zero(state_.items[i].currency());
    }
    last_notice_to_debtor_.assign(state_.debtors.size(), std::nullopt);
    for (std::size_t n = 0; n < state_.notices.size(); ++n) {
      const NoticeRecord& notice = state_.notices[n];
      if (notice.date > as_of_) continue;
      const std::uint32_t i = named.target(notice_name[n]);
      ItemHistory& h = history_[i];
      if (notice.level > h.level || (notice.level == h.level && (!h.last_sent || notice.date > *h.last_sent))) {
        h.level = notice.level;
        h.last_sent = notice.date;
      }
      auto& last = last_notice_to_debtor_[claim(i).debtor_index];
      if (!last || notice.date > *last) last = notice.date;
    }
    for (std::size_t c = 0; c < state_.charges.size(); ++c) {
      const ChargeRecord& charge = state_.charges[c];
      const std::uint32_t i = named.target(charge_name[c]);
      if (i == NameResolver::kUnresolved) {
        return invalid_input("unknown item \"" + charge.item + "\"", "charges[" + std::to_string(c) + "].item");
      }
      ItemHistory& h = history_[i];
      switch (charge.kind) {
        case ChargeKind::kFlatFee: h.flat_fee_charged = true; break;
        case ChargeKind::kInterest: h.interest_charged += charge.amount; break;
        case ChargeKind::kFee: h.fee_levels.push_back(charge.level); break;
      }
    }
    in_plan_.assign(state_.items.size(), nullptr);
    std::size_t k = 0;
    for (const PaymentPlan& plan : state_.plans) {
      for (std::size_t j = 0; j < plan.items.size(); ++j, ++k) {
        const std::uint32_t i = named.target(plan_name[k]);
        if (plan.status == PlanStatus::kActive && i != NameResolver::kUnresolved) in_plan_[i] = &plan;
      }
    }
    return Ok{};
  }

  Proposal run() {
    Proposal proposal;
    proposal.as_of = as_of_;
    // Items by debtor, in item order (stable): a counting sort.
    std::vector<std::uint32_t> offsets(state_.debtors.size() + 1, 0);
    for (const ItemClaim& c : claims_.claims) ++offsets[c.debtor_index + 1];
    for (std::size_t d = 0; d < state_.debtors.size(); ++d) offsets[d + 1] += offsets[d];
    std::vector<std::uint32_t> order(state_.items.size());
    std::vector<std::uint32_t> next(offsets.begin(), offsets.end() - 1);
    for (std::uint32_t i = 0; i < state_.items.size(); ++i) order[next[claims_.claims[i].debtor_index]++] = i;

    for (std::size_t d = 0; d < state_.debtors.size(); ++d) {
      const std::span<const std::uint32_t> items(order.data() + offsets[d], offsets[d + 1] - offsets[d]);
      if (!items.empty()) propose_for_debtor(d, items, proposal);
    }
    return proposal;
  }

 private:
  const ItemClaim& claim(std::size_t i) const { return claims_.claims[i]; }
  Date due_of(const OpenItem& item) const { return item.due_date.value_or(item.invoice_date); }

  void skip(Proposal& p, std::size_t i, SkipReason reason, std::string detail) {
    p.skipped.push_back({i, reason, std::move(detail)});
  }

  // A reason the item is not dunned at all, checked in this order (the first one is reported).
  std::optional<std::pair<SkipReason, std::string>> exclusion(const Debtor& debtor, std::size_t i) const {
    const OpenItem& item = state_.items[i];
    const ItemClaim& c = claim(i);
    if (c.principal_open.is_zero() && c.open_total.is_zero()) return {{SkipReason::kPaid, "nothing open"}};
    if (debtor.insolvent) return {{SkipReason::kInsolvent, "debtor is insolvent: claims go to the insolvency table"}};
    if (debtor.block_until && *debtor.block_until >= as_of_) {
      return {{SkipReason::kDebtorBlocked, "debtor blocked until " + format_date(*debtor.block_until) +
                                               (debtor.block_reason.empty() ? "" : ": " + debtor.block_reason)}};
    }
    if (item.disputed) return {{SkipReason::kDisputed, "the debtor disputes the invoice"}};
    if (item.block_until && *item.block_until >= as_of_) {
      return {{SkipReason::kItemBlocked, "item blocked until " + format_date(*item.block_until)}};
    }
    if (const PaymentPlan* plan = in_plan_[i]) {
      return {{SkipReason::kInPaymentPlan, "covered by payment plan " + plan->id + " agreed " + format_date(plan->agreed_on)}};
    }
    return std::nullopt;
  }

  bool below_minimum(std::size_t i) const {
    const OpenItem& item = state_.items[i];
    const Money open = claim(i).principal_open;
    if (policy_.min_amount.currency() == open.currency() && open < policy_.min_amount) return true;
    return static_cast<Int128>(open.minor()) * 10000 < static_cast<Int128>(item.amount.minor()) * policy_.min_percent_bp;
  }

  // The level an overdue item reaches today (history level when it does not rise).
  ItemDecision decide(std::size_t i) const {
    const OpenItem& item = state_.items[i];
    const ItemHistory& h = history_[i];
    ItemDecision d{i, due_of(item) < as_of_, false, h.level};
    if (!d.overdue) return d;
    const int last_level = static_cast<int>(policy_.levels.size()) - 1;
    // Thresholds, never exact dates: a missed run catches up with one notice.
    Date reference = h.last_sent.value_or(due_of(item));
    for (int next = h.level + 1; next <= last_level; ++next) {
      const Date threshold = next_threshold(next, reference);
      if (as_of_ < threshold) break;
      d.level = next;
      d.escalates = true;
      if (!policy_.allow_skip_levels) break;
      reference = threshold;
    }
    return d;
  }

  void propose_for_debtor(std::size_t d, std::span<const std::uint32_t> items, Proposal& out) {
    const Debtor& debtor = state_.debtors[d];
    // Currencies in order of first appearance: one notice each.
    std::vector<Currency> currencies;
    for (std::uint32_t i : items) {
      const Currency c = state_.items[i].currency();
      if (std::find(currencies.begin(), currencies.end(), c) == currencies.end()) currencies.push_back(c);
    }
    for (const Currency& currency : currencies) {
      std::vector<ItemDecision> listed;     // overdue, dunnable
      std::vector<std::size_t> not_yet_due;
      std::vector<std::pair<std::size_t, std::pair<SkipReason, std::string>>> skipped;
      for (std::uint32_t i : items) {
        if (!(state_.items[i].currency() == currency)) continue;
        if (auto why = exclusion(debtor, i)) {
          skipped.push_back({i, std::move(*why)});
          continue;
        }
        if (below_minimum(i)) {
          skipped.push_back({i, {SkipReason::kBelowMinimum, "open " + claim(i).principal_open.to_string() +
                                                                " is below the policy minimum"}});
          continue;
        }
        const ItemDecision decision = decide(i);
        if (!decision.overdue) {
          not_yet_due.push_back(i);
          continue;
        }
        listed.push_back(decision);
      }
      emit(d, currency, listed, not_yet_due, skipped, out);
    }
  }

  void emit(std::size_t d, const Currency& currency, std::vector<ItemDecision>& listed,
            const std::vector<std::size_t>& not_yet_due,
            std::vector<std::pair<std::size_t, std::pair<SkipReason, std::string>>>& skipped, Proposal& out) {
    const auto& last_to_debtor = last_notice_to_debtor_[d];
    const bool too_soon =
        last_to_debtor && as_of_ < add_days(*last_to_debtor, policy_.min_days_between_notices);
    const bool any_escalates = std::any_of(listed.begin(), listed.end(), [](const ItemDecision& x) { return x.escalates; });
    const int last_level = static_cast<int>(policy_.levels.size()) - 1;

    // Final action: items that passed the last level long enough ago.
    std::vector<std::size_t> final_items;
    for (const ItemDecision& x : listed) {
      const ItemHistory& h = history_[x.index];
      if (!x.escalates && h.level == last_level && policy_.final_action != FinalAction::kNone &&
          as_of_ >= add_days(*h.last_sent, policy_.final_action_days)) {
        final_items.push_back(x.index);
      }
    }
    if (!final_items.empty()) add_final_action(d, final_items, out);

    if (!any_escalates || too_soon) {
      for (const ItemDecision& x : listed) {
        const ItemHistory& h = history_[x.index];
        if (too_soon && x.escalates) {
          skipped.push_back({x.index, {SkipReason::kTooSoon, "last notice to the debtor on " + format_date(*last_to_debtor) + "; the policy waits " + std::to_string(policy_.min_days_between_notices) + " days"}});
        } else if (h.level == last_level) {
          skipped.push_back({x.index, {SkipReason::kFinalLevelReached, "all " + std::to_string(last_level + 1) + " levels sent; the last on " + format_date(*h.last_sent)}});
        } else {
          skipped.push_back({x.index, {SkipReason::kWaiting, waiting_detail(x.index)}});
        }
      }
      for (auto& [i, why] : skipped) skip(out, i, why.first, std::move(why.second));
      return;
    }
    for (auto& [i, why] : skipped) skip(out, i, why.first, std::move(why.second));
    out.notices.push_back(build_notice(d, currency, listed, not_yet_due));
  }

  // The first day level `next` may be sent, counted from `reference` (the due date for the
  // first level, else the previous notice): its waiting days have passed, and so has the
  // previous notice's payment deadline (§ 193-shifted) — the debtor always gets the full time.
  Date next_threshold(int next, const Date& reference) const {
    const Level& level = policy_.levels[static_cast<std::size_t>(next)];
    if (next == 0) return add_days(reference, level.days_after_due);
    const Level& previous = policy_.levels[static_cast<std::size_t>(next - 1)];
    const Date deadline_passed = add_days(calendar_.shift_193(add_days(reference, previous.deadline_days)), 1);
    return std::max(add_days(reference, level.days_after_previous), deadline_passed);
  }

  std::string waiting_detail(std::size_t i) const {
    const ItemHistory& h = history_[i];
    const Level& next = policy_.levels[static_cast<std::size_t>(h.level + 1)];
    const Date reference = h.last_sent.value_or(due_of(state_.items[i]));
    return "overdue; " + next.name + " from " + format_date(next_threshold(h.level + 1, reference));
  }

  void add_final_action(std::size_t d, const std::vector<std::size_t>& items, Proposal& out) const {
    FinalActionProposal f;
    f.debtor_index = d;
    f.action = policy_.final_action;
    f.items = items;
    f.total = Money::zero(state_.items[items.front()].currency());
    for (std::size_t i : items) f.total += claim(i).open_total;
    f.explanation = std::string(to_string(policy_.final_action)) + " proposed for " + std::to_string(items.size()) +
                    " item(s) after the last notice went unanswered; it is never started without a person's approval";
    out.final_actions.push_back(std::move(f));
  }

  Notice build_notice(std::size_t d, const Currency& currency, const std::vector<ItemDecision>& listed,
                      const std::vector<std::size_t>& not_yet_due) const {
    Notice n;
    n.debtor_index = d;
    n.currency = currency;
    n.not_yet_due = not_yet_due;
    n.total = Money::zero(currency);
    for (const ItemDecision& x : listed) n.level = std::max(n.level, x.level);
    const Level& level = policy_.levels[static_cast<std::size_t>(n.level)];
    const Debtor& debtor = state_.debtors[d];

    for (const ItemDecision& x : listed) {
      const ItemClaim& c = claim(x.index);
      NoticeItem item{x.index, x.level, x.escalates, c.principal_open, Money::zero(currency), Money::zero(currency),
                      Money::zero(currency)};
      if (level.interest) item.interest = c.interest_open;
      n.items.push_back(item);
    }
    add_interest_charges(n, level);
    add_flat_fees(n, debtor);
    add_fees(n, level);
    for (const NoticeItem& item : n.items) n.total += item.open_amount + item.interest + item.fee + item.flat_fee;
    n.deadline = calendar_.shift_193(add_days(as_of_, level.deadline_days));
    n.explanation = explain(n, level, debtor);
    return n;
  }

  // Interest to date, less what earlier notices already claimed (each euro of interest is
  // charged once; § 289: none on interest).
  void add_interest_charges(Notice& n, const Level& level) const {
    if (!level.interest) return;
    for (NoticeItem& item : n.items) {
      const ItemClaim& c = claim(item.item_index);
      const Money fresh = c.interest_open - min(c.interest_open, history_[item.item_index].interest_charged);
      if (!fresh.is_positive()) continue;
      const auto periods = claims_.periods_of(c);
      std::string text = "Verzugszinsen (§ 288 BGB) since " + format_date(*c.verzug.start) + ", Basiszinssatz + " +
                         format_percent_bp(c.surcharge_bp) + " points";
      if (!periods.empty()) {
        text += ", last rate " + format_percent_bp(periods.back().rate_bp) + " %, " +
                std::string(to_string(policy_.claim.convention));
      }
      if (!history_[item.item_index].interest_charged.is_zero()) {
        text += "; " + history_[item.item_index].interest_charged.to_string() + " claimed earlier";
      }
      n.charges.push_back({ChargeKind::kInterest, item.item_index, n.level, fresh, std::move(text)});
    }
  }

  // § 288 V: once per invoice, for a debtor who is not a consumer, in default, from the first
  // level that claims it.
  void add_flat_fees(Notice& n, const Debtor& debtor) const {
    if (is_consumer(debtor.kind)) return;
    for (NoticeItem& item : n.items) {
      const ItemClaim& c = claim(item.item_index);
      if (!c.flat_fee.is_positive() || history_[item.item_index].flat_fee_charged) continue;
      if (!level_claims_flat_fee(item.level)) continue;
      item.flat_fee = c.flat_fee;
      n.charges.push_back({ChargeKind::kFlatFee, item.item_index, item.level, c.flat_fee,
                           "Verzugspauschale (§ 288 V BGB): once per invoice for a business debtor in default since " +
                               format_date(*c.verzug.start) + "; credited against later costs of legal pursuit"});
    }
  }

  bool level_claims_flat_fee(int up_to) const {
    for (int l = 0; l <= up_to; ++l) {
      if (policy_.levels[static_cast<std::size_t>(l)].flat_fee_b2b) return true;
    }
    return false;
  }

  // The Mahngebühr: only for items that rise with this notice and were already in default
  // before it (a notice that itself creates Verzug is not chargeable), once per level.
  void add_fees(Notice& n, const Level& level) const {
    if (level.fee.is_zero()) return;
    std::vector<std::size_t> eligible;  // positions in n.items
    for (std::size_t k = 0; k < n.items.size(); ++k) {
      const NoticeItem& item = n.items[k];
      const ItemClaim& c = claim(item.item_index);
      const auto& fee_levels = history_[item.item_index].fee_levels;
      const bool charged = std::find(fee_levels.begin(), fee_levels.end(), n.level) != fee_levels.end();
      // § 288 V 3: the € 40 is credited against costs of legal pursuit, dunning costs included;
      // an item carrying it pays no Mahngebühr on top.
      const bool flat_fee = item.flat_fee.is_positive() || history_[item.item_index].flat_fee_charged;
      if (item.escalated && item.level == n.level && c.verzug.start && *c.verzug.start <= as_of_ && !charged &&
          !flat_fee) {
        eligible.push_back(k);
      }
    }
    if (eligible.empty()) return;
    const Money ceiling = policy_.material_cost(level.channel);
    const auto charge = [&](std::size_t k, const Money& amount, const std::string& basis) {
      NoticeItem& item = n.items[k];
      item.fee = amount;
      n.charges.push_back({ChargeKind::kFee, item.item_index, n.level, amount,
                           "Mahngebühr (" + level.name + ", " + basis + "): material cost of the notice, at most " +
                               ceiling.to_string() + " for " + std::string(to_string(level.channel)) +
                               "; the debtor was in default since " +
                               format_date(*claim(item.item_index).verzug.start) + " (§§ 280 II, 286 BGB)"});
    };
    if (level.fee.basis == FeeBasis::kPerItem) {
      for (std::size_t k : eligible) {
        const Money fee = level.fee.on(n.items[k].open_amount);
        if (fee.is_positive()) charge(k, fee, "per item");
      }
      return;
    }
    Money open = Money::zero(n.currency);
    std::vector<Money> weights;
    for (std::size_t k : eligible) {
      open += n.items[k].open_amount;
      weights.push_back(n.items[k].open_amount);
    }
    const Money fee = level.fee.on(open);
    if (!fee.is_positive()) return;
    const std::vector<Money> shares = pro_rata(weights, fee);
    for (std::size_t e = 0; e < eligible.size(); ++e) {
      if (shares[e].is_positive()) charge(eligible[e], shares[e], "per notice, share by open amount");
    }
  }

  std::string explain(const Notice& n, const Level& level, const Debtor& debtor) const {
    std::string text = level.name + " to " + (debtor.name.empty() ? debtor.id : debtor.name) + ": ";
    int rising = 0;
    for (const NoticeItem& item : n.items) rising += item.escalated ? 1 : 0;
    text += std::to_string(n.items.size()) + " overdue item(s), " + std::to_string(rising) + " rising a level";
    for (const NoticeItem& item : n.items) {
      if (!item.escalated) continue;
      const OpenItem& open = state_.items[item.item_index];
      const ItemHistory& h = history_[item.item_index];
      text += "; " + open.number + " to " + policy_.levels[static_cast<std::size_t>(item.level)].name +
              (h.last_sent ? " (previous notice " + format_date(*h.last_sent) + ")"
                           : " (due " + format_date(due_of(open)) + ")");
    }
    text += ". Payment deadline " + format_date(n.deadline) + ": " + std::to_string(level.deadline_days) +
            " days" + (n.deadline == add_days(as_of_, level.deadline_days) ? "" : ", moved by § 193 BGB") + ".";
    return text;
  }

  const State& state_;
  const Policy& policy_;
  Date as_of_;
  const HolidayCalendar& calendar_;
  const ClaimSet& claims_;
  std::vector<ItemHistory> history_;
  std::vector<std::optional<Date>> last_notice_to_debtor_;
  std::vector<const PaymentPlan*> in_plan_;
};

}  // namespace

std::string_view to_string(SkipReason reason) { return kSkipNames[static_cast<std::size_t>(reason)]; }

Result<Proposal> propose(const State& state, const Policy& policy, const Date& as_of, const BasiszinsTable& table,
                         const HolidayCalendar& calendar) {
  const ClaimEngine engine(table, calendar, policy.claim);
  auto claims = engine.compute(state, as_of);
  if (!claims) return claims.error();
  Proposer proposer(state, policy, as_of, calendar, *claims);
  if (auto st = proposer.load_history(); !st) return st.error();
  return proposer.run();
}

}  // namespace mahnwerk::core
