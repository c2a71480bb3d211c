// The Mahnvorschlag. Per debtor and currency: every overdue item is checked against the skip
// rules (blocks, disputes, insolvency, plans, credits, small amounts), then against the policy's
// level thresholds; if at least one item rises a level, the debtor gets one notice listing all
// its overdue items, with the charges the law allows at that level.
//
// Throughput matters as for the claim engine: the claims' id resolution is reused (no second
// lookup), the history is a flat array, and results are written into the slots of the output
// vectors, so a reused Proposal keeps its strings' capacity and steady state allocates nothing.
#include "connector/core/proposal.h"

#include <algorithm>
#include <charconv>
#include <string_view>

#include "connector/core/allocation.h"
#include "connector/core/claim.h"
#include "connector/core/plan.h"

namespace mahnwerk::core {
namespace {

// Literals as string_view: appended without a strlen each time.
using namespace std::string_view_literals;

std::string_view kSkipNames[] = {"debtor_blocked",  "item_blocked",        "disputed",      "insolvent",
                                 "in_payment_plan", "covered_by_credit",   "below_minimum", "too_soon",
                                 "waiting",         "final_level_reached", "paid"};

constexpr std::uint32_t kNoPlan = 0xFFFFFFFFu;
// Fee levels below this are kept as bits; higher ones (policies have a handful of levels) in a
// side list.
constexpr int kFeeLevelBits = 64;

// Texts are appended piece by piece into strings that keep their capacity between runs.
void append_uint(std::string& out, std::uint64_t value) {
  char buf[24];
  out.append(buf, static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, value).ptr - buf));
}
void append_int(std::string& out, std::int64_t value) {
  char buf[24];
  out.append(buf, static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, value).ptr - buf));
}

// format_date() without snprintf and without a temporary.
void append_date(std::string& out, const Date& date) {
  const int year = year_of(date);
  const unsigned month = month_of(date);
  const unsigned day = day_of(date);
  if (year < 0 || year > 9999 || month > 99 || day > 99) {
    out += format_date(date);
    return;
  }
  const auto y = static_cast<unsigned>(year);
  const char text[10] = {static_cast<char>('0' + y / 1000),
                         static_cast<char>('0' + y / 100 % 10),
                         static_cast<char>('0' + y / 10 % 10),
                         static_cast<char>('0' + y % 10),
                         '-',
                         static_cast<char>('0' + month / 10),
                         static_cast<char>('0' + month % 10),
                         '-',
                         static_cast<char>('0' + day / 10),
                         static_cast<char>('0' + day % 10)};
  out.append(text, sizeof text);
}

// format_percent_bp() without a temporary: 127 -> "1.27", -88 -> "-0.88".
void append_percent_bp(std::string& out, int bp) {
  const auto magnitude = static_cast<std::uint64_t>(bp < 0 ? -static_cast<std::int64_t>(bp) : bp);
  if (bp < 0) out += '-';
  append_uint(out, magnitude / 100);
  out += '.';
  out += static_cast<char>('0' + magnitude % 100 / 10);
  out += static_cast<char>('0' + magnitude % 10);
}

// The next element of `v` to fill: an existing one (its strings and vectors keep their
// capacity) or a new one. The caller trims `v` to `used` at the end.
template <typename T>
T& next_slot(std::vector<T>& v, std::size_t& used) {
  if (used == v.size()) v.emplace_back();
  return v[used++];
}

// The dunning history of one item, from State::notices, State::charges and State::plans.
struct ItemHistory {
  std::int64_t interest_charged = 0;  // interest claimed by earlier notices, item currency
  std::uint64_t fee_levels = 0;       // bit l: a fee was charged at level l (l < kFeeLevelBits)
  int level = -1;                     // highest level sent; -1: none
  Date last_sent;                     // valid when sent
  std::uint32_t plan = kNoPlan;       // the active plan covering the item (State::plans)
  Date history_from;                  // notices before this day no longer count (plan default)
  bool resumes = false;               // a plan covering the item defaulted: resume at plan_default_level
  bool sent = false;
  bool flat_fee_charged = false;

  std::optional<Date> last_sent_date() const { return sent ? std::optional<Date>(last_sent) : std::nullopt; }
};

// What one item does in this run.
struct ItemDecision {
  std::size_t index = 0;
  bool overdue = false;
  bool escalates = false;
  int level = -1;  // after this run
};

}  // namespace

struct ProposalScratch {
  explicit ProposalScratch(const ClaimEngine& engine) : claim_engine(engine) {}

  ClaimEngine claim_engine;
  ClaimSet claims;
  std::vector<ItemHistory> history;
  std::vector<std::pair<std::uint32_t, int>> high_fee_levels;  // (item, level >= kFeeLevelBits)
  std::vector<std::optional<Date>> last_notice_to_debtor;
  // Per debtor and currency, cleared for each.
  std::vector<Currency> currencies;
  std::vector<ItemDecision> listed;
  std::vector<std::size_t> not_yet_due;
  std::vector<std::size_t> final_items;
  std::vector<std::size_t> eligible;
  std::vector<Money> weights;
  std::size_t notices_used = 0;
  std::size_t skipped_used = 0;
  std::size_t finals_used = 0;
};

namespace {

class Proposer {
 public:
  Proposer(const State& state, const Policy& policy, const Date& as_of, const HolidayCalendar& calendar,
           ProposalScratch& scratch)
      : state_(state),
        policy_(policy),
        as_of_(as_of),
        calendar_(calendar),
        claims_(scratch.claims),
        scratch_(scratch),
        history_(scratch.history),
        last_level_(static_cast<int>(policy.levels.size()) - 1) {}

  void set_render_charges(bool render) { render_charges_ = render; }
  void set_one_shot(bool one_shot) { one_shot_ = one_shot; }

  Status load_history() {
    // The claim engine has resolved every record's item (and checked notices and plans).
    const auto notice_items = claims_.notice_items();
    const auto charge_items = claims_.charge_items();
    const auto plan_items = claims_.plan_items();

    history_.assign(state_.items.size(), ItemHistory{});
    scratch_.high_fee_levels.clear();
    scratch_.last_notice_to_debtor.assign(state_.debtors.size(), std::nullopt);
    load_plans(plan_items);
    for (std::size_t n = 0; n < state_.notices.size(); ++n) {
      const NoticeRecord& notice = state_.notices[n];
      if (notice.date > as_of_) continue;
      const std::uint32_t i = notice_items[n];
      auto& last = scratch_.last_notice_to_debtor[claim(i).debtor_index];
      if (!last || notice.date > *last) last = notice.date;
      ItemHistory& h = history_[i];
      if (h.resumes && notice.date < h.history_from) continue;
      if (notice.level > h.level || (notice.level == h.level && (!h.sent || notice.date > h.last_sent))) {
        h.level = notice.level;
        h.last_sent = notice.date;
        h.sent = true;
      }
    }
    for (std::size_t c = 0; c < state_.charges.size(); ++c) {
      const ChargeRecord& charge = state_.charges[c];
      const std::uint32_t i = charge_items[c];
      if (i == ClaimSet::kNoItem) {
        return invalid_input("unknown item \"" + charge.item + "\"",
                             "charges[" + std::to_string(c) + "].item");
      }
      ItemHistory& h = history_[i];
      switch (charge.kind) {
        case ChargeKind::kFlatFee:
          h.flat_fee_charged = true;
          break;
        case ChargeKind::kInterest:
          // Money arithmetic: a charge in another currency fails as it always did.
          h.interest_charged =
              (Money(h.interest_charged, state_.items[i].currency()) + charge.amount).minor();
          break;
        case ChargeKind::kFee:
          if (charge.level >= 0 && charge.level < kFeeLevelBits) {
            h.fee_levels |= std::uint64_t{1} << charge.level;
          } else {
            scratch_.high_fee_levels.emplace_back(i, charge.level);
          }
          break;
      }
    }
    return Ok{};
  }

  // Active plans exclude their items from dunning. A plan that has defaulted — stored so, or
  // found so today by evaluate_plan (Verfallklausel) — makes the remainder due: its items are
  // dunned again, starting at the policy's plan_default_level; notices from before the plan
  // no longer count.
  void load_plans(std::span<const std::uint32_t> plan_items) {
    std::size_t k = 0;
    for (std::size_t p = 0; p < state_.plans.size(); ++p) {
      const PaymentPlan& plan = state_.plans[p];
      PlanStatus status = plan.status;
      if (status == PlanStatus::kActive && plan.agreed_on <= as_of_ && !plan.items.empty() &&
          plan_items[k] != ClaimSet::kNoItem) {
        const bool consumer = is_consumer(state_.debtors[claim(plan_items[k]).debtor_index].kind);
        // Only a default changes dunning here; a plan found completed covers items paid anyway.
        if (evaluate_plan(plan, state_.payments, as_of_, consumer, 0).plan.status == PlanStatus::kDefaulted) {
          status = PlanStatus::kDefaulted;
        }
      }
      for (std::size_t j = 0; j < plan.items.size(); ++j, ++k) {
        const std::uint32_t i = plan_items[k];
        if (i == ClaimSet::kNoItem) continue;
        ItemHistory& h = history_[i];
        if (status == PlanStatus::kActive) h.plan = static_cast<std::uint32_t>(p);
        if (status == PlanStatus::kDefaulted) {
          h.resumes = true;
          h.history_from = plan.agreed_on;
        }
      }
    }
  }

  void run(Proposal& out) {
    out.as_of = as_of_;
    scratch_.notices_used = 0;
    scratch_.skipped_used = 0;
    scratch_.finals_used = 0;
    for (std::size_t d = 0; d < state_.debtors.size(); ++d) {
      const auto items = claims_.items_of_debtor(d);
      if (!items.empty()) propose_for_debtor(d, items, out);
    }
    out.notices.resize(scratch_.notices_used);
    out.skipped.resize(scratch_.skipped_used);
    out.final_actions.resize(scratch_.finals_used);
  }

 private:
  const ItemClaim& claim(std::size_t i) const { return claims_.claims[i]; }
  static Date due_of(const OpenItem& item) { return item.due_date.value_or(item.invoice_date); }

  // A skipped entry with an empty detail for the caller to write.
  std::string& skip(Proposal& out, std::size_t i, SkipReason reason) {
    Skipped& s = next_slot(out.skipped, scratch_.skipped_used);
    s.item_index = i;
    s.reason = reason;
    s.detail.clear();
    return s.detail;
  }

  // A reason the item is not dunned at all, checked in this order (the first one is reported).
  std::optional<SkipReason> exclusion(const Debtor& debtor, std::size_t i) const {
    const OpenItem& item = state_.items[i];
    const ItemClaim& c = claim(i);
    if (c.principal_open.is_zero() && c.open_total.is_zero()) return SkipReason::kPaid;
    if (debtor.insolvent) return SkipReason::kInsolvent;
    if (debtor.block_until && *debtor.block_until >= as_of_) return SkipReason::kDebtorBlocked;
    if (item.disputed) return SkipReason::kDisputed;
    if (item.block_until && *item.block_until >= as_of_) return SkipReason::kItemBlocked;
    if (history_[i].plan != kNoPlan) return SkipReason::kInPaymentPlan;
    return std::nullopt;
  }

  // The detail of an exclusion() reason.
  void describe_exclusion(std::string& out, SkipReason reason, const Debtor& debtor, std::size_t i) const {
    const OpenItem& item = state_.items[i];
    switch (reason) {
      case SkipReason::kPaid:
        out += "nothing open"sv;
        break;
      case SkipReason::kInsolvent:
        out += "debtor is insolvent: claims go to the insolvency table"sv;
        break;
      case SkipReason::kDebtorBlocked:
        out += "debtor blocked until "sv;
        append_date(out, *debtor.block_until);
        if (!debtor.block_reason.empty()) {
          out += ": "sv;
          out += debtor.block_reason;
        }
        break;
      case SkipReason::kDisputed:
        out += "the debtor disputes the invoice"sv;
        break;
      case SkipReason::kItemBlocked:
        out += "item blocked until "sv;
        append_date(out, *item.block_until);
        break;
      case SkipReason::kInPaymentPlan: {
        const PaymentPlan& plan = state_.plans[history_[i].plan];
        out += "covered by payment plan "sv;
        out += plan.id;
        out += " agreed "sv;
        append_date(out, plan.agreed_on);
        break;
      }
      default:
        break;
    }
  }

  bool below_minimum(std::size_t i) const {
    const OpenItem& item = state_.items[i];
    const Money open = claim(i).principal_open;
    if (policy_.min_amount.currency() == open.currency() && open < policy_.min_amount) return true;
    return static_cast<Int128>(open.minor()) * 10000 <
           static_cast<Int128>(item.amount.minor()) * policy_.min_percent_bp;
  }

  // The level an overdue item reaches today (history level when it does not rise).
  ItemDecision decide(std::size_t i) const {
    const OpenItem& item = state_.items[i];
    const ItemHistory& h = history_[i];
    ItemDecision d{i, due_of(item) < as_of_, false, h.level};
    // A defaulted plan made the whole remainder due: resume at the configured level at once.
    if (h.resumes && !h.sent) {
      d.overdue = true;
      d.level = policy_.plan_default_level;
      d.escalates = true;
      return d;
    }
    if (!d.overdue) return d;
    // Thresholds, never exact dates: a missed run catches up with one notice.
    Date reference = h.sent ? h.last_sent : due_of(item);
    for (int next = h.level + 1; next <= last_level_; ++next) {
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
    auto& currencies = scratch_.currencies;
    currencies.clear();
    for (std::uint32_t i : items) {
      const Currency c = state_.items[i].currency();
      if (std::find(currencies.begin(), currencies.end(), c) == currencies.end()) currencies.push_back(c);
    }
    for (const Currency& currency : currencies) {
      auto& listed = scratch_.listed;  // overdue, dunnable
      auto& not_yet_due = scratch_.not_yet_due;
      listed.clear();
      not_yet_due.clear();
      // Items skipped by the rules go out at once: nothing else is appended to out.skipped
      // for this debtor and currency before them.
      for (std::uint32_t i : items) {
        if (!(state_.items[i].currency() == currency)) continue;
        if (const auto why = exclusion(debtor, i)) {
          describe_exclusion(skip(out, i, *why), *why, debtor, i);
          continue;
        }
        if (below_minimum(i)) {
          std::string& detail = skip(out, i, SkipReason::kBelowMinimum);
          detail += "open "sv;
          claim(i).principal_open.append_to(detail);
          detail += " is below the policy minimum"sv;
          continue;
        }
        const ItemDecision decision = decide(i);
        if (!decision.overdue) {
          not_yet_due.push_back(i);
          continue;
        }
        listed.push_back(decision);
      }
      emit(d, currency, listed, not_yet_due, out);
    }
  }

  void emit(std::size_t d, const Currency& currency, const std::vector<ItemDecision>& listed,
            const std::vector<std::size_t>& not_yet_due, Proposal& out) {
    const auto& last_to_debtor = scratch_.last_notice_to_debtor[d];
    const bool too_soon =
        last_to_debtor && as_of_ < add_days(*last_to_debtor, policy_.min_days_between_notices);
    const bool any_escalates =
        std::any_of(listed.begin(), listed.end(), [](const ItemDecision& x) { return x.escalates; });

    // Final action: items that passed the last level long enough ago.
    auto& final_items = scratch_.final_items;
    final_items.clear();
    for (const ItemDecision& x : listed) {
      const ItemHistory& h = history_[x.index];
      if (!x.escalates && h.level == last_level_ && policy_.final_action != FinalAction::kNone &&
          as_of_ >= add_days(h.last_sent_date().value(), policy_.final_action_days)) {
        final_items.push_back(x.index);
      }
    }
    if (!final_items.empty()) add_final_action(d, final_items, out);

    if (!any_escalates || too_soon) {
      for (const ItemDecision& x : listed) {
        const ItemHistory& h = history_[x.index];
        if (too_soon && x.escalates) {
          std::string& detail = skip(out, x.index, SkipReason::kTooSoon);
          detail += "last notice to the debtor on "sv;
          append_date(detail, *last_to_debtor);
          detail += "; the policy waits "sv;
          append_int(detail, policy_.min_days_between_notices);
          detail += " days"sv;
        } else if (h.level == last_level_) {
          std::string& detail = skip(out, x.index, SkipReason::kFinalLevelReached);
          detail += "all "sv;
          append_int(detail, last_level_ + 1);
          detail += " levels sent; the last on "sv;
          append_date(detail, h.last_sent_date().value());
        } else {
          waiting_detail(skip(out, x.index, SkipReason::kWaiting), x.index);
        }
      }
      return;
    }
    build_notice(next_slot(out.notices, scratch_.notices_used), d, currency, listed, not_yet_due);
  }

  // The first day level `next` may be sent, counted from `reference` (the due date for the
  // first level, else the previous notice): its waiting days have passed, and so has the
  // previous notice's payment deadline (§ 193-shifted) — the debtor always gets the full time.
  Date next_threshold(int next, const Date& reference) const {
    const Level& level = policy_.levels[static_cast<std::size_t>(next)];
    if (next == 0) return add_days(reference, level.days_after_due);
    const Level& previous = policy_.levels[static_cast<std::size_t>(next - 1)];
    const Date deadline_passed =
        add_days(calendar_.shift_193(add_days(reference, previous.deadline_days)), 1);
    return std::max(add_days(reference, level.days_after_previous), deadline_passed);
  }

  void waiting_detail(std::string& out, std::size_t i) const {
    const ItemHistory& h = history_[i];
    const Level& next = policy_.levels[static_cast<std::size_t>(h.level + 1)];
    const Date reference = h.sent ? h.last_sent : due_of(state_.items[i]);
    out += "overdue; "sv;
    out += next.name;
    out += " from "sv;
    append_date(out, next_threshold(h.level + 1, reference));
  }

  void add_final_action(std::size_t d, const std::vector<std::size_t>& items, Proposal& out) {
    FinalActionProposal& f = next_slot(out.final_actions, scratch_.finals_used);
    f.debtor_index = d;
    f.action = policy_.final_action;
    f.items.assign(items.begin(), items.end());
    f.total = Money::zero(state_.items[items.front()].currency());
    for (std::size_t i : items) f.total += claim(i).open_total;
    f.explanation.clear();
    f.explanation += to_string(policy_.final_action);
    f.explanation += " proposed for "sv;
    append_uint(f.explanation, items.size());
    f.explanation +=
        " item(s) after the last notice went unanswered; it is never started without a person's approval";
  }

  void build_notice(Notice& n, std::size_t d, const Currency& currency,
                    const std::vector<ItemDecision>& listed, const std::vector<std::size_t>& not_yet_due) {
    n.debtor_index = d;
    n.level = 0;
    n.currency = currency;
    n.items.clear();
    n.not_yet_due.assign(not_yet_due.begin(), not_yet_due.end());
    n.total = Money::zero(currency);
    for (const ItemDecision& x : listed) n.level = std::max(n.level, x.level);
    const Level& level = policy_.levels[static_cast<std::size_t>(n.level)];
    const Debtor& debtor = state_.debtors[d];

    n.items.reserve(listed.size());  // exact for a fresh notice: a large run has a million items
    for (const ItemDecision& x : listed) {
      const ItemClaim& c = claim(x.index);
      NoticeItem item{x.index,
                      x.level,
                      x.escalates,
                      c.principal_open,
                      Money::zero(currency),
                      Money::zero(currency),
                      Money::zero(currency)};
      if (level.interest) item.interest = c.interest_open;
      n.items.push_back(item);
    }
    std::size_t charges_used = 0;
    add_interest_charges(n, level, charges_used);
    add_flat_fees(n, debtor, charges_used);
    add_fees(n, level, charges_used);
    n.charges.resize(charges_used);
    if (one_shot_) n.charges.shrink_to_fit();  // no later run reuses the slots
    for (const NoticeItem& item : n.items)
      n.total += item.open_amount + item.interest + item.fee + item.flat_fee;
    n.deadline = calendar_.shift_193(add_days(as_of_, level.deadline_days));
    explain(n, level, debtor);
    if (one_shot_) n.explanation.shrink_to_fit();
  }

  // A charge of `n` with the explanation's data at its defaults, for the caller to set.
  static ProposedCharge& charge(Notice& n, std::size_t& used, ChargeKind kind, std::size_t item_index,
                                int level, const Money& amount, const Date& default_since) {
    ProposedCharge& c = next_slot(n.charges, used);
    c.kind = kind;
    c.item_index = item_index;
    c.level = level;
    c.amount = amount;
    c.default_since = default_since;
    c.surcharge_bp = 0;
    c.last_rate_bp = ProposedCharge::kNoRate;
    c.agreed_rate_bp = 0;
    c.agreed_rate_throughout = false;
    c.fee_per_notice = false;
    c.claimed_before = Money::zero(amount.currency());
    c.explanation.clear();
    return c;
  }

  void render(ProposedCharge& c) const {
    if (render_charges_) core::explain(c.explanation, c, policy_);
  }

  // Interest to date, less what earlier notices already claimed (each euro of interest is
  // charged once; § 289: none on interest).
  void add_interest_charges(Notice& n, const Level& level, std::size_t& used) const {
    if (!level.interest) return;
    for (NoticeItem& item : n.items) {
      const ItemClaim& c = claim(item.item_index);
      const Money charged_before(history_[item.item_index].interest_charged,
                                 state_.items[item.item_index].currency());
      const Money fresh = c.interest_open - min(c.interest_open, charged_before);
      if (!fresh.is_positive()) continue;
      const auto periods = claims_.periods_of(c);
      ProposedCharge& ch =
          charge(n, used, ChargeKind::kInterest, item.item_index, n.level, fresh, c.verzug.start.value());
      ch.surcharge_bp = c.surcharge_bp;
      if (!periods.empty()) ch.last_rate_bp = periods.back().rate_bp;
      if (const AgreedRateUse use = agreed_rate_use(periods, c.surcharge_bp); use != AgreedRateUse::kNone) {
        ch.agreed_rate_bp = state_.debtors[c.debtor_index].agreed_interest_bp.value_or(0);
        ch.agreed_rate_throughout = use == AgreedRateUse::kAll;
      }
      ch.claimed_before = charged_before;
      render(ch);
    }
  }

  // § 288 V: once per invoice, for a debtor who is not a consumer, in default, from the first
  // level that claims it.
  void add_flat_fees(Notice& n, const Debtor& debtor, std::size_t& used) const {
    if (is_consumer(debtor.kind)) return;
    for (NoticeItem& item : n.items) {
      const ItemClaim& c = claim(item.item_index);
      if (!c.flat_fee.is_positive() || history_[item.item_index].flat_fee_charged) continue;
      if (!level_claims_flat_fee(item.level)) continue;
      item.flat_fee = c.flat_fee;
      render(charge(n, used, ChargeKind::kFlatFee, item.item_index, item.level, c.flat_fee,
                    c.verzug.start.value()));
    }
  }

  bool level_claims_flat_fee(int up_to) const {
    for (int l = 0; l <= up_to; ++l) {
      if (policy_.levels[static_cast<std::size_t>(l)].flat_fee_b2b) return true;
    }
    return false;
  }

  bool fee_charged(std::size_t i, int level) const {
    if (level >= 0 && level < kFeeLevelBits) return (history_[i].fee_levels >> level) & 1u;
    const auto& high = scratch_.high_fee_levels;
    return std::find(high.begin(), high.end(),
                     std::pair<std::uint32_t, int>(static_cast<std::uint32_t>(i), level)) != high.end();
  }

  // The Mahngebühr: only for items that rise with this notice and were already in default
  // before it (a notice that itself creates Verzug is not chargeable), once per level.
  void add_fees(Notice& n, const Level& level, std::size_t& used) const {
    if (level.fee.is_zero()) return;
    auto& eligible = scratch_.eligible;  // positions in n.items
    eligible.clear();
    for (std::size_t k = 0; k < n.items.size(); ++k) {
      const NoticeItem& item = n.items[k];
      const ItemClaim& c = claim(item.item_index);
      const bool charged = fee_charged(item.item_index, n.level);
      // § 288 V 3: the € 40 is credited against costs of legal pursuit, dunning costs included;
      // an item carrying it pays no Mahngebühr on top.
      const bool flat_fee = item.flat_fee.is_positive() || history_[item.item_index].flat_fee_charged;
      if (item.escalated && item.level == n.level && c.verzug.start && *c.verzug.start <= as_of_ &&
          !charged && !flat_fee) {
        eligible.push_back(k);
      }
    }
    if (eligible.empty()) return;
    const auto add = [&](std::size_t k, const Money& amount, bool per_notice) {
      NoticeItem& item = n.items[k];
      item.fee = amount;
      ProposedCharge& ch = charge(n, used, ChargeKind::kFee, item.item_index, n.level, amount,
                                  claim(item.item_index).verzug.start.value());
      ch.fee_per_notice = per_notice;
      render(ch);
    };
    if (level.fee.basis == FeeBasis::kPerItem) {
      for (std::size_t k : eligible) {
        const Money fee = level.fee.on(n.items[k].open_amount);
        if (fee.is_positive()) add(k, fee, false);
      }
      return;
    }
    Money open = Money::zero(n.currency);
    auto& weights = scratch_.weights;
    weights.clear();
    for (std::size_t k : eligible) {
      open += n.items[k].open_amount;
      weights.push_back(n.items[k].open_amount);
    }
    const Money fee = level.fee.on(open);
    if (!fee.is_positive()) return;
    const std::vector<Money> shares = pro_rata(weights, fee);
    for (std::size_t e = 0; e < eligible.size(); ++e) {
      if (shares[e].is_positive()) add(eligible[e], shares[e], true);
    }
  }

  void explain(Notice& n, const Level& level, const Debtor& debtor) const {
    std::string& text = n.explanation;
    text.clear();
    text += level.name;
    text += " to "sv;
    text += debtor.name.empty() ? debtor.id : debtor.name;
    text += ": "sv;
    int rising = 0;
    for (const NoticeItem& item : n.items) rising += item.escalated ? 1 : 0;
    append_uint(text, n.items.size());
    text += " overdue item(s), "sv;
    append_int(text, rising);
    text += " rising a level"sv;
    for (const NoticeItem& item : n.items) {
      if (!item.escalated) continue;
      const OpenItem& open = state_.items[item.item_index];
      const ItemHistory& h = history_[item.item_index];
      text += "; "sv;
      text += open.number;
      text += " to "sv;
      text += policy_.levels[static_cast<std::size_t>(item.level)].name;
      if (h.sent) {
        text += " (previous notice "sv;
        append_date(text, h.last_sent);
      } else {
        text += " (due "sv;
        append_date(text, due_of(open));
      }
      text += ")"sv;
    }
    text += ". Payment deadline "sv;
    append_date(text, n.deadline);
    text += ": "sv;
    append_int(text, level.deadline_days);
    text += " days"sv;
    if (n.deadline != add_days(as_of_, level.deadline_days)) text += ", moved by § 193 BGB"sv;
    text += "."sv;
  }

  const State& state_;
  const Policy& policy_;
  Date as_of_;
  const HolidayCalendar& calendar_;
  const ClaimSet& claims_;
  ProposalScratch& scratch_;
  std::vector<ItemHistory>& history_;
  int last_level_;
  bool render_charges_ = true;
  bool one_shot_ = false;  // no later run reuses the texts' capacity: keep them at exact size
};

}  // namespace

// A large run holds over a million charges: the agreed-rate members live in what was padding.
static_assert(sizeof(void*) != 8 || sizeof(ProposedCharge) <= 96, "ProposedCharge grew beyond 96 bytes");

void explain(std::string& out, const ProposedCharge& charge, const Policy& policy) {
  switch (charge.kind) {
    case ChargeKind::kInterest:
      out += "Verzugszinsen (§ 288 BGB) since "sv;
      append_date(out, charge.default_since);
      if (charge.agreed_rate_bp != 0) {  // § 288 III: the agreement sets the rate
        out += ", the agreed "sv;
        append_percent_bp(out, charge.agreed_rate_bp);
        out += " % p.a. (§ 288 III BGB)"sv;
        if (!charge.agreed_rate_throughout) {
          out += " where above Basiszinssatz + "sv;
          append_percent_bp(out, charge.surcharge_bp);
          out += " points"sv;
        }
      } else {
        out += ", Basiszinssatz + "sv;
        append_percent_bp(out, charge.surcharge_bp);
        out += " points"sv;
      }
      if (charge.last_rate_bp != ProposedCharge::kNoRate) {
        out += ", last rate "sv;
        append_percent_bp(out, charge.last_rate_bp);
        out += " %, "sv;
        out += to_string(policy.claim.convention);
      }
      if (!charge.claimed_before.is_zero()) {
        out += "; "sv;
        charge.claimed_before.append_to(out);
        out += " claimed earlier"sv;
      }
      break;
    case ChargeKind::kFlatFee:
      out += "Verzugspauschale (§ 288 V BGB): once per invoice for a business debtor in default since "sv;
      append_date(out, charge.default_since);
      out += "; credited against later costs of legal pursuit"sv;
      break;
    case ChargeKind::kFee: {
      const Level& level = policy.levels[static_cast<std::size_t>(charge.level)];
      out += "Mahngebühr ("sv;
      out += level.name;
      out += ", "sv;
      out += charge.fee_per_notice ? "per notice, share by open amount"sv : "per item"sv;
      out += "): material cost of the notice, at most "sv;
      policy.material_cost(level.channel).append_to(out);
      out += " for "sv;
      out += to_string(level.channel);
      out += "; the debtor was in default since "sv;
      append_date(out, charge.default_since);
      out += " (§§ 280 II, 286 BGB)"sv;
      break;
    }
  }
}

std::string_view to_string(SkipReason reason) { return kSkipNames[static_cast<std::size_t>(reason)]; }

ProposalEngine::ProposalEngine(const Policy& policy, const BasiszinsTable& table,
                               const HolidayCalendar& calendar)
    : policy_(&policy),
      table_(&table),
      calendar_(&calendar),
      scratch_(std::make_unique<ProposalScratch>(ClaimEngine(table, calendar, policy.claim))) {}

ProposalEngine::~ProposalEngine() = default;
ProposalEngine::ProposalEngine(ProposalEngine&&) noexcept = default;
ProposalEngine& ProposalEngine::operator=(ProposalEngine&&) noexcept = default;

Status ProposalEngine::propose_into(const State& state, const Date& as_of, Proposal& out) {
  ProposalScratch& s = *scratch_;
  if (auto st = s.claim_engine.compute_into(state, as_of, s.claims); !st) return st;
  Proposer proposer(state, *policy_, as_of, *calendar_, s);
  proposer.set_render_charges(render_charge_explanations_);
  proposer.set_one_shot(one_shot_);
  if (auto st = proposer.load_history(); !st) return st;
  if (one_shot_) {
    s.claims.release_working_memory();
    // The Mahnvorschlag never reads how payments were applied; the claims' spans into them
    // are dead until the next computation refills the array.
    std::vector<PaymentApplication>().swap(s.claims.payments);
  }
  proposer.run(out);
  return Ok{};
}

Result<Proposal> propose(const State& state, const Policy& policy, const Date& as_of,
                         const BasiszinsTable& table, const HolidayCalendar& calendar) {
  ProposalEngine engine(policy, table, calendar);
  Proposal proposal;
  if (auto st = engine.propose_into(state, as_of, proposal); !st) return st.error();
  return proposal;
}

}  // namespace mahnwerk::core
