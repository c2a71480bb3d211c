// The Mahnvorschlag: from a Mandant's state, a policy and a day, which debtor gets which notice
// with which charges — one notice per debtor and currency — and which items are skipped, and
// why. Pure and deterministic: the same input gives the same proposal, byte for byte.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "connector/core/basiszins.h"
#include "connector/core/calendar.h"
#include "connector/core/model.h"
#include "connector/core/policy.h"
#include "connector/core/result.h"

namespace mahnwerk::core {

// One overdue item on a notice.
struct NoticeItem {
  std::size_t item_index = 0;  // into State::items
  int level = 0;               // the item's level after this run (index into Policy::levels)
  bool escalated = false;      // true: the item reaches `level` with this notice
  Money open_amount;           // principal still open
  Money interest;              // default interest to date, where the level claims it (else 0)
  Money fee;                   // this item's share of the Mahngebühr
  Money flat_fee;              // € 40 claimed with this notice (else 0)
};

struct ProposedCharge {
  static constexpr int kNoRate = -1000000;

  // Wide members first: 96 bytes, not 104 (a large run holds over a million charges).
  std::size_t item_index = 0;
  Money amount;
  Money claimed_before;     // kInterest: interest claimed by earlier notices
  std::string explanation;  // rule, dates, rate; empty when the engine renders lazily
  ChargeKind kind = ChargeKind::kFee;
  bool fee_per_notice = false;  // kFee: a share of a per-notice fee (else per item)
  // kInterest: the agreed rate was above the statutory one in every interest period.
  bool agreed_rate_throughout = false;
  int level = 0;
  // With claimed_before, what the explanation says, so explain() can render it on demand.
  Date default_since;          // Verzug start of the item
  int surcharge_bp = 0;        // kInterest: points over the Basiszinssatz
  int last_rate_bp = kNoRate;  // kInterest: rate of the last interest period, if any
  // kInterest: the debtor's agreed rate (§ 288 III BGB, p.a.) when it was above the statutory
  // rate in at least one interest period, so it is what the debtor owes there; 0 otherwise.
  int agreed_rate_bp = 0;
};

// Appends the explanation of `charge` (what ProposedCharge::explanation holds when rendered
// eagerly) to `out`. `policy` is the one the charge was proposed under.
void explain(std::string& out, const ProposedCharge& charge, const Policy& policy);

struct Notice {
  std::size_t debtor_index = 0;  // into State::debtors
  int level = 0;                 // highest item level
  Currency currency;
  std::vector<NoticeItem> items;         // overdue items
  std::vector<std::size_t> not_yet_due;  // items listed for information
  std::vector<ProposedCharge> charges;
  Money total;    // open amounts + interest + fees + flat fees
  Date deadline;  // as_of + deadline days, § 193
  std::string explanation;
};

enum class SkipReason {
  kDebtorBlocked,  // Debtor::block_until >= as_of
  kItemBlocked,    // OpenItem::block_until >= as_of
  kDisputed,
  kInsolvent,
  kInPaymentPlan,      // covered by an active plan
  kCoveredByCredit,    // unapplied payments and credit notes cover the overdue total
  kBelowMinimum,       // below min_amount or min_percent
  kTooSoon,            // the debtor's last notice is more recent than min_days_between_notices
  kWaiting,            // overdue, but the next level's threshold is not reached yet
  kFinalLevelReached,  // all levels sent; see final_actions
  kPaid,               // nothing open
};
std::string_view to_string(SkipReason reason);  // "debtor_blocked", "item_blocked", ...

struct Skipped {
  std::size_t item_index = 0;
  SkipReason reason = SkipReason::kPaid;
  std::string detail;  // "blocked until 2025-07-31: Ratenzahlung angefragt"
};

// The policy's final action (Mahnbescheid, Inkasso): only ever proposed, never executed
// without a person's approval.
struct FinalActionProposal {
  std::size_t debtor_index = 0;
  FinalAction action = FinalAction::kNone;
  std::vector<std::size_t> items;
  Money total;
  std::string explanation;
};

struct Proposal {
  Date as_of;
  std::vector<Notice> notices;
  std::vector<Skipped> skipped;
  std::vector<FinalActionProposal> final_actions;
};

// REQUIRES: validate(policy) is empty. Broken references in `state` are invalid input.
Result<Proposal> propose(const State& state, const Policy& policy, const Date& as_of,
                         const BasiszinsTable& table, const HolidayCalendar& calendar);

struct ProposalScratch;  // working memory of ProposalEngine, reused across runs

// The Mahnvorschlag for a worker that proposes again and again: keeps the claims, the dunning
// history and its other working memory between runs, so steady state allocates nothing per
// item. Same results as propose().
class ProposalEngine {
 public:
  // REQUIRES: validate(policy) is empty. Keeps references: policy, table and calendar must
  // outlive the engine.
  ProposalEngine(const Policy& policy, const BasiszinsTable& table, const HolidayCalendar& calendar);
  ~ProposalEngine();
  ProposalEngine(ProposalEngine&&) noexcept;
  ProposalEngine& operator=(ProposalEngine&&) noexcept;

  // Whether charges get their explanation text (default) or only the data for explain():
  // a caller that writes the texts out one by one saves holding them all (a large run has
  // over a million).
  void set_charge_explanations(bool render) { render_charge_explanations_ = render; }
  // One-shot use: free the claim computation's working memory once the dunning history is
  // loaded, instead of keeping it for the next run (lower peak memory, slower reuse).
  void set_one_shot(bool one_shot) { one_shot_ = one_shot; }

  // The proposal for `state` on `as_of` into `out`, reusing the capacity of its vectors and
  // strings. Broken references are invalid input, as for propose(); `out` is then unspecified.
  Status propose_into(const State& state, const Date& as_of, Proposal& out);

 private:
  const Policy* policy_;
  const BasiszinsTable* table_;
  const HolidayCalendar* calendar_;
  std::unique_ptr<ProposalScratch> scratch_;
  bool render_charge_explanations_ = true;
  bool one_shot_ = false;
};

}  // namespace mahnwerk::core
