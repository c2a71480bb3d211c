// Positive letters: replays each plan with evaluate_plan and keeps the events of the run's
// window; confirms the partial payments no plan counts from the claims' open totals.
#include "connector/core/events.h"

#include <algorithm>
#include <array>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "connector/core/plan.h"

namespace mahnwerk::core {
namespace {

// The order of the kinds on one day: the agreement before the payments on it, the plan's
// completion after them, reminders of what comes next last.
constexpr std::array<LetterEventKind, 4> kKindOrder = {
    LetterEventKind::kPlanAgreed, LetterEventKind::kPartialPayment, LetterEventKind::kPlanCompleted,
    LetterEventKind::kInstallmentReminder};

std::size_t kind_rank(LetterEventKind kind) {
  return static_cast<std::size_t>(std::find(kKindOrder.begin(), kKindOrder.end(), kind) - kKindOrder.begin());
}

struct Window {
  Date since;
  Date as_of;
  bool contains(const Date& d) const { return since <= d && d <= as_of; }
};

// An event with what it is sorted by.
struct Pending {
  LetterEvent event;
  Date happened;  // the agreement, the payment or the installment's due date
  std::size_t input_order = 0;
};

// Ids of the state resolved once.
struct Lookup {
  std::unordered_map<std::string_view, std::size_t> debtors;
  std::unordered_map<std::string_view, std::size_t> items;
  std::vector<std::vector<std::size_t>> items_of_debtor;

  explicit Lookup(const State& state) : items_of_debtor(state.debtors.size()) {
    for (std::size_t d = 0; d < state.debtors.size(); ++d) debtors.emplace(state.debtors[d].id, d);
    for (std::size_t i = 0; i < state.items.size(); ++i) {
      items.emplace(state.items[i].id, i);
      if (auto d = debtors.find(state.items[i].debtor); d != debtors.end())
        items_of_debtor[d->second].push_back(i);
    }
  }
  const std::size_t* debtor(std::string_view id) const {
    const auto it = debtors.find(id);
    return it == debtors.end() ? nullptr : &it->second;
  }
  const std::size_t* item(std::string_view id) const {
    const auto it = items.find(id);
    return it == items.end() ? nullptr : &it->second;
  }
};

// The plans that may count a payment (evaluate_plan: a covered item, or naming no item the
// plan's debtor), so that neither the plans nor the payments are scanned once per other.
struct PlansByPayer {
  std::unordered_map<std::string_view, std::vector<std::size_t>> by_item;
  std::unordered_map<std::string_view, std::vector<std::size_t>> by_debtor;

  explicit PlansByPayer(const State& state) {
    for (std::size_t i = 0; i < state.plans.size(); ++i) {
      const PaymentPlan& plan = state.plans[i];
      if (plan.status == PlanStatus::kCancelled) continue;
      by_debtor[plan.debtor].push_back(i);
      for (const std::string& item : plan.items) by_item[item].push_back(i);
    }
  }
  std::span<const std::size_t> of(const Payment& p) const {
    const auto& map = p.item.empty() ? by_debtor : by_item;
    const auto it = map.find(p.item.empty() ? std::string_view(p.debtor) : std::string_view(p.item));
    return it == map.end() ? std::span<const std::size_t>() : std::span<const std::size_t>(it->second);
  }
};

// Mirrors evaluate_plan's choice of payments (plan.h): the ones an active plan counts are
// confirmed through the plan, not as plain payments.
bool counted_by(const PaymentPlan& plan, const Payment& p, const Date& as_of) {
  if (plan.status != PlanStatus::kActive) return false;
  if (p.date < plan.agreed_on || as_of < p.date || !p.amount.is_positive()) return false;
  if (!(p.amount.currency() == plan.total.currency())) return false;
  if (p.item.empty()) return p.debtor == plan.debtor;
  return std::find(plan.items.begin(), plan.items.end(), p.item) != plan.items.end();
}

// The events of one plan in the window.
class PlanEvents {
 public:
  PlanEvents(const State& state, const Window& window, int reminder_days_before, std::vector<Pending>& out)
      : state_(state), window_(window), reminder_days_before_(reminder_days_before), out_(out) {}

  Status add(const PaymentPlan& plan, std::size_t debtor_index, std::span<const Payment> payments) {
    const bool consumer = is_consumer(state_.debtors[debtor_index].kind);
    const PlanEvaluation ev = evaluate_plan(plan, payments, window_.as_of, consumer, reminder_days_before_);
    if (window_.contains(plan.agreed_on)) {
      if (auto s = push(ev.plan, LetterEventKind::kPlanAgreed, plan.agreed_on, nullptr); !s) return s;
    }
    if (plan.status != PlanStatus::kActive) return Ok{};  // evaluate_plan gives it no events
    Money paid = Money::zero(plan.total.currency());
    for (const PlanEvent& e : ev.events) {
      if (e.kind == PlanEventKind::kPartialPayment) paid += e.amount;
      if (auto s = add_event(ev.plan, e, paid); !s) return s;
    }
    return Ok{};
  }

 private:
  Status add_event(const PaymentPlan& plan, const PlanEvent& e, const Money& paid_so_far) {
    switch (e.kind) {
      case PlanEventKind::kPartialPayment: {
        if (!window_.contains(e.date)) return Ok{};
        return push(plan, LetterEventKind::kPartialPayment, e.date, [&](LetterEvent& letter) {
          letter.amount = e.amount;
          letter.amount_date = e.date;
          letter.balance = max(plan.total - paid_so_far, Money::zero(plan.total.currency()));
        });
      }
      case PlanEventKind::kCompleted: {
        if (!window_.contains(e.date)) return Ok{};
        return push(plan, LetterEventKind::kPlanCompleted, e.date,
                    [&](LetterEvent& letter) { letter.amount_date = e.date; });
      }
      case PlanEventKind::kInstallmentDueSoon: {
        // The reminder day lies in exactly one window: one reminder per installment. On or before
        // the agreement day the plan_agreed letter has just listed the installment.
        const Date reminder_day = add_days(e.date, -reminder_days_before_);
        if (!window_.contains(reminder_day) || reminder_day <= plan.agreed_on) return Ok{};
        return push(plan, LetterEventKind::kInstallmentReminder, e.date, [&](LetterEvent& letter) {
          letter.amount = e.amount;
          letter.amount_date = e.date;
          letter.deadline = e.date;
        });
      }
      case PlanEventKind::kInstallmentMissed:
      case PlanEventKind::kFinalNotice:
      case PlanEventKind::kDefaulted:
        return Ok{};
    }
    return Ok{};
  }

  template <typename Fill>
  Status push(const PaymentPlan& plan, LetterEventKind kind, const Date& happened, Fill fill) {
    LetterEvent letter;
    MW_ASSIGN_OR_RETURN(letter, plan_letter_event(state_, plan, kind, window_.as_of));
    if constexpr (!std::is_same_v<Fill, std::nullptr_t>) fill(letter);
    out_.push_back(Pending{std::move(letter), happened, out_.size()});
    return Ok{};
  }

  const State& state_;
  Window window_;
  int reminder_days_before_;
  std::vector<Pending>& out_;
};

// The plans' letters, each plan replayed over the payments it may count.
Status add_plan_events(const State& state, const Lookup& lookup, const PlansByPayer& plans,
                       const Window& window, int reminder_days_before, std::vector<Pending>& out) {
  std::vector<std::vector<Payment>> payments_of(state.plans.size());
  for (const Payment& p : state.payments) {
    for (const std::size_t plan : plans.of(p)) payments_of[plan].push_back(p);
  }
  PlanEvents events(state, window, reminder_days_before, out);
  for (std::size_t i = 0; i < state.plans.size(); ++i) {
    const PaymentPlan& plan = state.plans[i];
    if (plan.status == PlanStatus::kCancelled) continue;
    if (plan.status != PlanStatus::kActive && !window.contains(plan.agreed_on)) continue;
    const std::size_t* d = lookup.debtor(plan.debtor);
    const std::string context = "plans[" + std::to_string(i) + "]";
    if (d == nullptr) return invalid_input("unknown debtor \"" + plan.debtor + "\"", context + ".debtor");
    if (auto s = events.add(plan, *d, payments_of[i]); !s) return s.error().within(context);
  }
  return Ok{};
}

// A plain partial payment: the items it leaves open and their open total, or nothing when it
// settled them.
Status add_payment_event(const State& state, const ClaimSet& claims, const Lookup& lookup,
                         const Window& window, std::size_t index, std::vector<Pending>& out) {
  const Payment& p = state.payments[index];
  const std::string context = "payments[" + std::to_string(index) + "]";
  const Currency currency = p.amount.currency();
  LetterEvent letter;
  letter.kind = LetterEventKind::kPartialPayment;
  letter.date = window.as_of;
  letter.reference = p.reference;
  letter.currency = currency;
  letter.amount = p.amount;
  letter.amount_date = p.date;
  letter.balance = Money::zero(currency);
  if (!p.item.empty()) {
    const std::size_t* item = lookup.item(p.item);
    if (item == nullptr) return invalid_input("unknown item \"" + p.item + "\"", context + ".item");
    if (!(state.items[*item].currency() == currency)) {
      return invalid_input("payment in " + std::string(currency.code()) + " on item \"" + p.item + "\" in " +
                               std::string(state.items[*item].currency().code()),
                           context + ".amount");
    }
    const std::size_t* debtor = lookup.debtor(state.items[*item].debtor);
    if (debtor == nullptr) {
      return invalid_input(
          "item \"" + p.item + "\" names unknown debtor \"" + state.items[*item].debtor + "\"",
          context + ".item");
    }
    letter.debtor_index = *debtor;
    if (claims.claims[*item].open_total.is_positive()) {
      letter.items.push_back(*item);
      letter.balance = claims.claims[*item].open_total;
    }
  } else {
    const std::size_t* debtor = lookup.debtor(p.debtor);
    if (debtor == nullptr) return invalid_input("unknown debtor \"" + p.debtor + "\"", context + ".debtor");
    letter.debtor_index = *debtor;
    for (const std::size_t i : lookup.items_of_debtor[*debtor]) {
      const Money& open = claims.claims[i].open_total;
      if (!(state.items[i].currency() == currency) || !open.is_positive()) continue;
      letter.items.push_back(i);
      letter.balance += open;
    }
  }
  if (letter.items.empty()) return Ok{};  // settled in full: no letter
  out.push_back(Pending{std::move(letter), p.date, out.size()});
  return Ok{};
}

Status add_payment_events(const State& state, const ClaimSet& claims, const Lookup& lookup,
                          const PlansByPayer& plans, const Window& window, std::vector<Pending>& out) {
  for (std::size_t i = 0; i < state.payments.size(); ++i) {
    const Payment& p = state.payments[i];
    if (!window.contains(p.date) || !p.amount.is_positive()) continue;
    const auto candidates = plans.of(p);
    const bool by_plan = std::any_of(candidates.begin(), candidates.end(), [&](std::size_t plan) {
      return counted_by(state.plans[plan], p, window.as_of);
    });
    if (by_plan) continue;
    if (auto s = add_payment_event(state, claims, lookup, window, i, out); !s) return s;
  }
  return Ok{};
}

// Two letters of one debtor and kind with the same reference would share a file name: the
// later ones get "-2", "-3", ... (skipping references already in use).
void make_references_unique(std::vector<LetterEvent>& events) {
  using Key = std::tuple<std::size_t, LetterEventKind, std::string>;
  std::set<Key> used;
  for (const LetterEvent& e : events) used.emplace(e.debtor_index, e.kind, e.reference);
  std::set<Key> seen;
  for (LetterEvent& e : events) {
    if (seen.emplace(e.debtor_index, e.kind, e.reference).second) continue;
    const std::string base = e.reference.empty() ? "" : e.reference + "-";
    for (int n = 2;; ++n) {
      std::string candidate = base + std::to_string(n);
      if (used.emplace(e.debtor_index, e.kind, candidate).second) {
        seen.emplace(e.debtor_index, e.kind, candidate);
        e.reference = std::move(candidate);
        break;
      }
    }
  }
}

}  // namespace

Result<std::vector<LetterEvent>> positive_events(const State& state, const ClaimSet& claims,
                                                 const Date& since, const Date& as_of,
                                                 int reminder_days_before) {
  if (as_of < since) {
    return invalid_input(
        "the window starts on " + format_date(since) + ", after its end " + format_date(as_of), "since");
  }
  if (reminder_days_before < 0 || reminder_days_before > kMaxReminderDaysBefore) {
    return invalid_input("reminder days must lie between 0 and " + std::to_string(kMaxReminderDaysBefore) +
                             ", got " + std::to_string(reminder_days_before),
                         "reminder_days_before");
  }
  if (claims.claims.size() != state.items.size()) {
    return Error{ErrorKind::kInternal,
                 "claims for " + std::to_string(claims.claims.size()) + " items, the state has " +
                     std::to_string(state.items.size()),
                 {}};
  }
  const Lookup lookup(state);
  const Window window{since, as_of};
  std::vector<Pending> pending;
  const PlansByPayer plans(state);
  if (auto s = add_plan_events(state, lookup, plans, window, reminder_days_before, pending); !s)
    return s.error();
  if (auto s = add_payment_events(state, claims, lookup, plans, window, pending); !s) return s.error();

  std::sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) {
    return std::forward_as_tuple(a.event.debtor_index, a.happened, kind_rank(a.event.kind), a.event.reference,
                                 a.input_order) < std::forward_as_tuple(b.event.debtor_index, b.happened,
                                                                        kind_rank(b.event.kind),
                                                                        b.event.reference, b.input_order);
  });
  std::vector<LetterEvent> events;
  events.reserve(pending.size());
  for (Pending& p : pending) events.push_back(std::move(p.event));
  make_references_unique(events);
  return events;
}

}  // namespace mahnwerk::core
