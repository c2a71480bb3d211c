// Payment plans: the proposal freezes the claim engine's figures and builds the schedule; the
// evaluation replays the payments over the installments and applies the Verfallklausel.
#include "connector/core/plan.h"

#include <algorithm>
#include <array>
#include <numeric>
#include <unordered_set>
#include <utility>

namespace mahnwerk::core {
namespace {

constexpr std::array<std::pair<std::string_view, PlanInterval>, 3> kIntervals{{
    {"monthly", PlanInterval::kMonthly},
    {"biweekly", PlanInterval::kBiweekly},
    {"weekly", PlanInterval::kWeekly},
}};

constexpr std::array<std::pair<std::string_view, PlanStatus>, 4> kStatuses{{
    {"active", PlanStatus::kActive},
    {"completed", PlanStatus::kCompleted},
    {"defaulted", PlanStatus::kDefaulted},
    {"cancelled", PlanStatus::kCancelled},
}};

// § 498 I Nr. 1 BGB: the share of the nominal amount the arrears must reach, by term.
struct ArrearsThreshold {
  int max_term_years;  // applies when the term is at most this many years (0: any longer term)
  int share_bp;
};
constexpr std::array<ArrearsThreshold, 2> kThresholds498{{{3, 1000}, {0, 500}}};
constexpr int kFinalNoticeDays = 14;   // § 498 I Nr. 2: at least two weeks
constexpr int kMinConsumerMissed = 2;  // BGH III ZR 213/83; § 498 I Nr. 1
constexpr int kMaxPlanInterestBp = 10000;
constexpr int kMaxGraceDays = 365;

std::string with_code(const Money& m) { return m.to_string() + " " + std::string(m.currency().code()); }

Money open_total_of(const ItemClaim& c) { return c.principal_open + c.interest_open + c.costs_open; }

const PaymentPlan* active_plan_covering(const State& state, std::string_view item_id) {
  for (const auto& p : state.plans) {
    if (plan_covers(p, item_id)) return &p;
  }
  return nullptr;
}

std::string date_key(const Date& d) {
  std::string text = format_date(d);
  text.erase(std::remove(text.begin(), text.end(), '-'), text.end());
  return text;
}

struct Frozen {
  Money principal, costs, interest;
  std::vector<std::string> items;
};

// Picks the request's items (or all the debtor's open ones) and sums their frozen figures.
Result<Frozen> freeze(const State& state, const PlanRequest& request, const ClaimSet& set) {
  std::vector<std::size_t> chosen;
  if (request.items.empty()) {
    for (std::size_t i = 0; i < state.items.size(); ++i) {
      const OpenItem& item = state.items[i];
      if (item.debtor != request.debtor || active_plan_covering(state, item.id) != nullptr) continue;
      if (open_total_of(set.claims[i]).is_positive()) chosen.push_back(i);
    }
    if (chosen.empty()) {
      return invalid_input("debtor \"" + request.debtor + "\" has nothing open outside active plans",
                           "items");
    }
  } else {
    std::unordered_set<std::string_view> seen;
    for (std::size_t r = 0; r < request.items.size(); ++r) {
      const std::string& id = request.items[r];
      const std::string field = "items[" + std::to_string(r) + "]";
      const auto it =
          std::find_if(state.items.begin(), state.items.end(), [&](const OpenItem& i) { return i.id == id; });
      if (it == state.items.end()) return invalid_input("unknown item \"" + id + "\"", field);
      if (!seen.insert(id).second) return invalid_input("item \"" + id + "\" listed twice", field);
      if (it->debtor != request.debtor) {
        return invalid_input(
            "item \"" + id + "\" belongs to debtor \"" + it->debtor + "\", not \"" + request.debtor + "\"",
            field);
      }
      if (const PaymentPlan* other = active_plan_covering(state, id)) {
        return invalid_input("item \"" + id + "\" is already covered by active plan \"" + other->id + "\"",
                             field);
      }
      const auto index = static_cast<std::size_t>(it - state.items.begin());
      if (!open_total_of(set.claims[index]).is_positive()) {
        return invalid_input("nothing is open on item \"" + id + "\"", field);
      }
      chosen.push_back(index);
    }
  }
  const Currency currency = state.items[chosen.front()].currency();
  Frozen f{Money::zero(currency), Money::zero(currency), Money::zero(currency), {}};
  for (std::size_t n = 0; n < chosen.size(); ++n) {
    const OpenItem& item = state.items[chosen[n]];
    if (!(item.currency() == currency)) {
      const std::string field = request.items.empty() ? "items" : "items[" + std::to_string(n) + "]";
      return invalid_input("item \"" + item.id + "\" is in " + std::string(item.currency().code()) +
                               ", the plan's other items in " + std::string(currency.code()),
                           field);
    }
    const ItemClaim& c = set.claims[chosen[n]];
    f.principal += c.principal_open;
    f.costs += c.costs_open;
    f.interest += c.interest_open;
    f.items.push_back(item.id);
  }
  return f;
}

// Plan interest for n installments (see propose_plan in plan.h for the rule), exact until the
// one half-up rounding.
Money plan_interest_for(const Money& principal, int bp, int n, const Date& agreed_on, const Date& first_due,
                        PlanInterval interval) {
  if (bp == 0 || !principal.is_positive()) return Money::zero(principal.currency());
  Int128 num = 0;
  Date previous = agreed_on;
  for (int k = 0; k < n; ++k) {
    const Date due = nominal_due(first_due, interval, k);
    num += static_cast<Int128>(principal.minor()) * (n - k) * bp * days_between(previous, due);
    previous = due;
  }
  const Int128 den = static_cast<Int128>(n) * 10000 * 365;
  return Money(round_fraction(num, den, Rounding::kHalfUp), principal.currency());
}

Result<std::vector<Installment>> schedule(const Money& total, int n, const Date& first_due,
                                          PlanInterval interval, const HolidayCalendar& calendar) {
  const std::int64_t base = total.minor() / n;
  if (base < 1) {
    return invalid_input(
        std::to_string(n) + " installments of " + with_code(total) + " would be less than one cent each",
        "installments");
  }
  const Currency cur = total.currency();
  std::vector<Installment> out;
  out.reserve(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) {
    const std::int64_t amount = k + 1 < n ? base : total.minor() - base * (n - 1);
    out.push_back(
        {calendar.shift_193(nominal_due(first_due, interval, k)), Money(amount, cur), Money::zero(cur)});
  }
  return out;
}

Status check_request(const State& state, const PlanRequest& request, const Date& agreed_on) {
  const bool has_count = request.installments != 0;
  if (has_count && request.max_installment) {
    return invalid_input("give either installments or max_installment, not both", "installments");
  }
  if (!has_count && !request.max_installment)
    return invalid_input("give installments or max_installment", "installments");
  if (has_count && (request.installments < 1 || request.installments > kMaxInstallments)) {
    return invalid_input("installments must lie between 1 and " + std::to_string(kMaxInstallments) +
                             ", got " + std::to_string(request.installments),
                         "installments");
  }
  if (request.max_installment && !request.max_installment->is_positive()) {
    return invalid_input("max_installment must be positive, got " + request.max_installment->to_string(),
                         "max_installment");
  }
  if (request.first_due < agreed_on) {
    return invalid_input("first installment " + format_date(request.first_due) +
                             " lies before the agreement on " + format_date(agreed_on),
                         "first_due");
  }
  if (request.plan_interest_bp < 0 || request.plan_interest_bp > kMaxPlanInterestBp) {
    return invalid_input("plan interest must lie between 0 and 100 %", "plan_interest_bp");
  }
  if (request.default_after_missed < 1 || request.default_after_missed > kMaxInstallments) {
    return invalid_input("default_after_missed must lie between 1 and " + std::to_string(kMaxInstallments),
                         "default_after_missed");
  }
  if (request.grace_days < 0 || request.grace_days > kMaxGraceDays) {
    return invalid_input("grace_days must lie between 0 and " + std::to_string(kMaxGraceDays), "grace_days");
  }
  if (std::none_of(state.debtors.begin(), state.debtors.end(),
                   [&](const Debtor& d) { return d.id == request.debtor; })) {
    return invalid_input("unknown debtor \"" + request.debtor + "\"", "debtor");
  }
  return Ok{};
}

}  // namespace

Result<PlanInterval> parse_plan_interval(std::string_view text) {
  for (const auto& [name, value] : kIntervals) {
    if (name == text) return value;
  }
  return invalid_input("unknown plan interval \"" + std::string(text) + "\" (monthly, biweekly, weekly)");
}

Result<PlanStatus> parse_plan_status(std::string_view text) {
  for (const auto& [name, value] : kStatuses) {
    if (name == text) return value;
  }
  return invalid_input("unknown plan status \"" + std::string(text) +
                       "\" (active, completed, defaulted, cancelled)");
}

Date nominal_due(const Date& first_due, PlanInterval interval, int k) {
  switch (interval) {
    case PlanInterval::kMonthly:
      return add_months(first_due, k);
    case PlanInterval::kBiweekly:
      return add_days(first_due, 14 * k);
    case PlanInterval::kWeekly:
      return add_days(first_due, 7 * k);
  }
  return add_months(first_due, k);
}

Result<PaymentPlan> propose_plan(const State& state, const PlanRequest& request, const Date& agreed_on,
                                 const ClaimEngine& engine, const HolidayCalendar& calendar) {
  if (auto s = check_request(state, request, agreed_on); !s) return s.error();
  const std::string id = request.id.empty() ? request.debtor + "-" + date_key(agreed_on) : request.id;
  if (std::any_of(state.plans.begin(), state.plans.end(), [&](const PaymentPlan& p) { return p.id == id; })) {
    return invalid_input("a plan with id \"" + id + "\" exists already", "id");
  }
  ClaimSet set;
  MW_ASSIGN_OR_RETURN(set, engine.compute(state, agreed_on));
  Frozen frozen;
  MW_ASSIGN_OR_RETURN(frozen, freeze(state, request, set));
  const Currency cur = frozen.principal.currency();
  if (request.max_installment && !(request.max_installment->currency() == cur)) {
    return invalid_input("max_installment is in " + std::string(request.max_installment->currency().code()) +
                             ", the items in " + std::string(cur.code()),
                         "max_installment");
  }

  PaymentPlan plan;
  plan.id = id;
  plan.debtor = request.debtor;
  plan.items = std::move(frozen.items);
  plan.agreed_on = agreed_on;
  plan.principal = frozen.principal;
  plan.costs = frozen.costs;
  plan.interest = frozen.interest;
  plan.plan_interest_bp = request.plan_interest_bp;
  plan.interval = request.interval;
  plan.default_after_missed = request.default_after_missed;
  plan.grace_days = request.grace_days;
  const Money frozen_total = frozen.principal + frozen.costs + frozen.interest;

  int n = request.installments;
  if (request.max_installment) {
    const std::int64_t max = request.max_installment->minor();
    n = static_cast<int>(
        std::min<std::int64_t>((frozen_total.minor() + max - 1) / max, kMaxInstallments + 1));
  }
  // With max_installment, plan interest and the remainder in the last installment can push the
  // last one over the maximum; one more installment then brings it back under.
  for (;; ++n) {
    if (n > kMaxInstallments) {
      return invalid_input("an installment of at most " + with_code(*request.max_installment) +
                               " needs more than " + std::to_string(kMaxInstallments) + " installments",
                           "max_installment");
    }
    plan.plan_interest = plan_interest_for(plan.principal, plan.plan_interest_bp, n, agreed_on,
                                           request.first_due, request.interval);
    plan.total = frozen_total + plan.plan_interest;
    MW_ASSIGN_OR_RETURN(plan.installments,
                        schedule(plan.total, n, request.first_due, request.interval, calendar));
    if (!request.max_installment || plan.installments.back().amount <= *request.max_installment) break;
  }
  return plan;
}

std::string_view to_string(PlanEventKind kind) {
  switch (kind) {
    case PlanEventKind::kInstallmentDueSoon:
      return "installment_due_soon";
    case PlanEventKind::kInstallmentMissed:
      return "installment_missed";
    case PlanEventKind::kPartialPayment:
      return "partial_payment";
    case PlanEventKind::kFinalNotice:
      return "final_notice";
    case PlanEventKind::kDefaulted:
      return "defaulted";
    case PlanEventKind::kCompleted:
      return "completed";
  }
  return "completed";
}

namespace {

bool counts_for(const PaymentPlan& plan, const Payment& p, const Date& as_of) {
  if (p.date < plan.agreed_on || as_of < p.date || !p.amount.is_positive()) return false;
  if (!(p.amount.currency() == plan.total.currency())) return false;
  if (p.item.empty()) return p.debtor == plan.debtor;
  return std::find(plan.items.begin(), plan.items.end(), p.item) != plan.items.end();
}

std::string installment_name(int index) { return "installment " + std::to_string(index + 1); }

// Replays the payments over the installments, oldest unpaid first.
struct Replay {
  std::optional<Date> completed_on;
  std::vector<PlanEvent> payment_events;  // partial payment confirmations
};

Replay replay_payments(PlanEvaluation& ev, std::span<const Payment> payments, const Date& as_of) {
  PaymentPlan& plan = ev.plan;
  std::vector<const Payment*> counted;
  for (const auto& p : payments) {
    if (counts_for(plan, p, as_of)) counted.push_back(&p);
  }
  std::stable_sort(counted.begin(), counted.end(),
                   [](const Payment* a, const Payment* b) { return a->date < b->date; });

  Replay replay;
  std::size_t next = 0;  // the oldest installment not fully paid
  for (const Payment* p : counted) {
    Money rest = p->amount;
    const std::size_t first_touched = next;
    std::size_t last_touched = next;
    while (rest.is_positive() && next < plan.installments.size()) {
      Installment& inst = plan.installments[next];
      const Money take = min(rest, inst.amount - inst.paid);
      inst.paid += take;
      rest -= take;
      last_touched = next;
      if (inst.paid == inst.amount) ++next;
    }
    ev.unapplied += rest;
    ev.paid_total += p->amount - rest;
    if (ev.paid_total >= plan.total) {
      if (!replay.completed_on) replay.completed_on = p->date;
      continue;
    }
    std::string text = "payment of " + with_code(p->amount) + " on " + format_date(p->date) +
                       " credited to " + installment_name(static_cast<int>(first_touched));
    if (last_touched > first_touched) text += " to " + std::to_string(last_touched + 1);
    text += "; " + with_code(plan.total - ev.paid_total) + " of the plan remains open";
    replay.payment_events.push_back({PlanEventKind::kPartialPayment, static_cast<int>(last_touched), p->date,
                                     p->amount, std::move(text)});
  }
  return replay;
}

// § 367 I BGB inside the plan: costs, then interest, then principal.
void split_367(PlanEvaluation& ev) {
  const PaymentPlan& plan = ev.plan;
  const Allocation367 a =
      allocate_367({plan.costs, plan.interest + plan.plan_interest, plan.principal}, ev.paid_total);
  ev.paid_costs = a.to_costs;
  ev.paid_interest = a.to_interest;
  ev.paid_principal = a.to_principal;
}

bool in_arrears(const PaymentPlan& plan, const Installment& inst, const Date& as_of) {
  return add_days(inst.due, plan.grace_days) < as_of && inst.paid < inst.amount;
}

bool has_charges(const PaymentPlan& plan) { return plan.plan_interest_bp > 0 || plan.costs.is_positive(); }

int threshold_bp_498(const PaymentPlan& plan) {
  const Date last_due = plan.installments.empty() ? plan.agreed_on : plan.installments.back().due;
  for (const auto& t : kThresholds498) {
    if (t.max_term_years == 0 || last_due <= add_years(plan.agreed_on, t.max_term_years)) return t.share_bp;
  }
  return kThresholds498.back().share_bp;
}

// The Verfallklausel once enough consecutive installments are in arrears: defaulted, a § 498
// final notice to send, or (consumer plan with charges, conditions not met) nothing yet.
void apply_default_rule(PlanEvaluation& ev, const Date& as_of, bool consumer, int oldest_arrears) {
  PaymentPlan& plan = ev.plan;
  const Money remaining = plan.total - ev.paid_total;
  std::string rule = std::to_string(ev.consecutive_arrears) + " consecutive installments in arrears (" +
                     with_code(ev.arrears) + ", grace " + std::to_string(plan.grace_days) + " days)";
  if (consumer && has_charges(plan)) {
    const int share_bp = threshold_bp_498(plan);
    const bool share_reached =
        static_cast<Int128>(ev.arrears.minor()) * 10000 >= static_cast<Int128>(plan.total.minor()) * share_bp;
    if (!share_reached) return;  // § 498 I Nr. 1: the arrears are too small to terminate
    rule += ", at least " + std::to_string(share_bp / 100) + " % of the nominal amount " +
            with_code(plan.total) + " (§ 498 I Nr. 1 BGB)";
    const Date oldest_due = plan.installments[static_cast<std::size_t>(oldest_arrears)].due;
    const bool notice_covers_arrears = plan.final_notice_date && oldest_due < *plan.final_notice_date;
    if (!notice_covers_arrears) {
      ev.events.push_back({PlanEventKind::kFinalNotice, -1, as_of, ev.arrears,
                           rule + "; set a deadline of at least two weeks to pay " + with_code(ev.arrears) +
                               ", stating that otherwise the whole remainder of " + with_code(remaining) +
                               " falls due, and offer a talk about a settlement (§ 498 I Nr. 2, S. 2 BGB)"});
      return;
    }
    if (days_between(*plan.final_notice_date, as_of) < kFinalNoticeDays) return;  // deadline still running
    rule += "; the final notice of " + format_date(*plan.final_notice_date) + " went unanswered for " +
            std::to_string(kFinalNoticeDays) + " days (§ 498 I Nr. 2 BGB)";
  }
  plan.status = PlanStatus::kDefaulted;
  ev.events.push_back({PlanEventKind::kDefaulted, -1, as_of, remaining,
                       "plan " + plan.id + " defaulted: " + rule + "; the remainder of " +
                           with_code(remaining) + " is due at once and dunning resumes"});
}

}  // namespace

PlanEvaluation evaluate_plan(const PaymentPlan& plan, std::span<const Payment> payments, const Date& as_of,
                             bool consumer, int reminder_days_before) {
  const Currency cur = plan.total.currency();
  PlanEvaluation ev{plan,
                    {},
                    Money::zero(cur),
                    Money::zero(cur),
                    Money::zero(cur),
                    Money::zero(cur),
                    Money::zero(cur),
                    Money::zero(cur),
                    0,
                    Money::zero(cur)};
  for (auto& inst : ev.plan.installments) inst.paid = Money::zero(cur);
  Replay replay = replay_payments(ev, payments, as_of);
  split_367(ev);
  ev.remaining = max(plan.total - ev.paid_total, Money::zero(cur));

  int run = 0;
  int oldest_arrears = -1;
  for (std::size_t i = 0; i < ev.plan.installments.size(); ++i) {
    const Installment& inst = ev.plan.installments[i];
    if (!in_arrears(ev.plan, inst, as_of)) {
      run = 0;
      continue;
    }
    if (oldest_arrears < 0) oldest_arrears = static_cast<int>(i);
    ev.arrears += inst.amount - inst.paid;
    ev.consecutive_arrears = std::max(ev.consecutive_arrears, ++run);
  }
  if (plan.status != PlanStatus::kActive) return ev;

  ev.events = std::move(replay.payment_events);
  if (ev.remaining.is_zero()) {
    ev.plan.status = PlanStatus::kCompleted;
    ev.events.push_back({PlanEventKind::kCompleted, -1, replay.completed_on.value_or(as_of), plan.total,
                         "plan " + plan.id + " completed: " + with_code(plan.total) + " paid in full"});
    return ev;
  }

  for (std::size_t i = 0; i < ev.plan.installments.size(); ++i) {
    const Installment& inst = ev.plan.installments[i];
    const Money open = inst.amount - inst.paid;
    const int index = static_cast<int>(i);
    if (in_arrears(ev.plan, inst, as_of)) {
      ev.events.push_back(
          {PlanEventKind::kInstallmentMissed, index, add_days(inst.due, plan.grace_days + 1), open,
           installment_name(index) + " of " + with_code(inst.amount) + " due " + format_date(inst.due) +
               " is in arrears after " + std::to_string(plan.grace_days) + " grace days; " + with_code(open) +
               " open"});
    } else if (reminder_days_before > 0 && open.is_positive() && as_of <= inst.due &&
               days_between(as_of, inst.due) <= reminder_days_before) {
      ev.events.push_back({PlanEventKind::kInstallmentDueSoon, index, inst.due, open,
                           installment_name(index) + " of " + with_code(inst.amount) + " falls due on " +
                               format_date(inst.due) + "; " + with_code(open) + " open"});
    }
  }

  const int needed =
      consumer ? std::max(plan.default_after_missed, kMinConsumerMissed) : plan.default_after_missed;
  if (ev.consecutive_arrears >= needed) apply_default_rule(ev, as_of, consumer, oldest_arrears);
  // On one day the installments' events come first, then the plan's own (installment -1).
  const auto order = [](const PlanEvent& e) { return e.installment < 0 ? kMaxInstallments : e.installment; };
  std::stable_sort(ev.events.begin(), ev.events.end(), [&](const PlanEvent& a, const PlanEvent& b) {
    if (a.date != b.date) return a.date < b.date;
    return order(a) < order(b);
  });
  return ev;
}

bool plan_covers(const PaymentPlan& plan, std::string_view item_id) {
  return plan.status == PlanStatus::kActive &&
         std::find(plan.items.begin(), plan.items.end(), item_id) != plan.items.end();
}

std::string explain(const PaymentPlan& plan) {
  std::string items;
  for (const auto& id : plan.items) items += (items.empty() ? "" : ", ") + id;
  std::string text =
      "Payment plan " + plan.id + " for debtor " + plan.debtor + " (items " + items + "), agreed on " +
      format_date(plan.agreed_on) +
      "; the agreement acknowledges the claim, so limitation restarts (§ 212 I Nr. 1 BGB). Frozen at "
      "agreement: principal " +
      with_code(plan.principal) + ", costs " + with_code(plan.costs) + ", default interest " +
      with_code(plan.interest) + ".";
  if (plan.plan_interest_bp > 0) {
    text += " Plan interest " + format_percent_bp(plan.plan_interest_bp) +
            " % p.a., simple, act/365, on the principal falling by equal parts at each installment: " +
            with_code(plan.plan_interest) + ".";
  }
  const std::size_t n = plan.installments.size();
  if (n > 0) {
    text += " Total " + with_code(plan.total) + " in " + std::to_string(n) + " " +
            std::string(to_string(plan.interval)) + " installments of " +
            with_code(plan.installments.front().amount);
    if (plan.installments.back().amount != plan.installments.front().amount) {
      text += " (last " + with_code(plan.installments.back().amount) + ")";
    }
    text += ", from " + format_date(plan.installments.front().due) + " to " +
            format_date(plan.installments.back().due) +
            ", due dates moved off weekends and holidays (§ 193 BGB).";
  }
  text += " The whole remainder falls due when " + std::to_string(plan.default_after_missed) +
          " consecutive installments are in arrears for more than " + std::to_string(plan.grace_days) +
          " days; for a consumer with a plan that costs interest or fees also § 498 BGB (10 % or 5 % of the "
          "nominal amount, two-week final notice). Status: " +
          std::string(to_string(plan.status)) + ".";
  return text;
}

}  // namespace mahnwerk::core
