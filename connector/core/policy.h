// A dunning policy (Mahnrichtlinie): the ordered levels a debtor passes through, their fees,
// deadlines, templates and channels, and the rules that keep dunning lawful and fair. Policies
// are data (config/policies/*.json); validate() refuses one that would break the law unless the
// office overrides the rule explicitly, with a reason.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connector/core/claim.h"
#include "connector/core/money.h"
#include "connector/core/result.h"

namespace mahnwerk::core {

enum class FeeBasis { kPerNotice, kPerItem };
enum class Channel { kLetter, kEmail, kSourceSystem };
enum class Tone { kFriendly, kFirm, kFinal };
enum class FinalAction { kNone, kMahnbescheid, kInkasso };

std::string_view to_string(FeeBasis basis);      // "per_notice" | "per_item"
std::string_view to_string(Channel channel);     // "letter" | "email" | "source_system"
std::string_view to_string(Tone tone);           // "friendly" | "firm" | "final"
std::string_view to_string(FinalAction action);  // "none" | "mahnbescheid" | "inkasso"
Result<FeeBasis> parse_fee_basis(std::string_view text);
Result<Channel> parse_channel(std::string_view text);
Result<Tone> parse_tone(std::string_view text);
Result<FinalAction> parse_final_action(std::string_view text);

// A Mahngebühr: fixed + percent of the open amount, clamped to [min, max]; rounded half-up.
struct Fee {
  Money fixed;
  int percent_bp = 0;  // of the open amount, in basis points (1.5 % = 150)
  Money min;
  std::optional<Money> max;  // required whenever percent_bp > 0 (validate() checks)
  FeeBasis basis = FeeBasis::kPerNotice;

  bool is_zero() const { return fixed.is_zero() && percent_bp == 0 && min.is_zero(); }
  // The fee on `open_amount` (zero for a zero fee). REQUIRES: open_amount in fixed's currency.
  Money on(const Money& open_amount) const;
};

struct Level {
  std::string name;             // "Zahlungserinnerung", "1. Mahnung", ...
  int days_after_due = 0;       // trigger of the first level: days after the due date
  int days_after_previous = 0;  // trigger of later levels: days after the previous notice
  Fee fee;
  bool flat_fee_b2b = false;  // claim the € 40 (§ 288 V) at this level
  bool interest = false;      // claim default interest at this level
  int deadline_days = 14;     // payment deadline: as_of + this, moved per § 193
  std::string template_name;  // in config/templates/<language>/
  Channel channel = Channel::kLetter;
  Tone tone = Tone::kFriendly;
  bool announces_court = false;  // letter announces the court procedure (last level)
};

// An explicit departure from a lawful-fee rule, documented with its reason.
struct Override {
  std::string rule;    // the rule's id, e.g. "fee_above_material_cost"
  std::string reason;  // why the office departs from it (required)
};

struct Policy {
  std::string name;
  std::vector<Level> levels;         // in order; at least one
  Money min_amount;                  // open amounts below are not escalated
  int min_percent_bp = 0;            // ... nor below this share of the invoice amount
  int min_days_between_notices = 7;  // per debtor
  bool allow_skip_levels = false;
  FinalAction final_action = FinalAction::kNone;  // proposed after the last level, never executed
  int final_action_days = 14;                     // days after the last level before it is proposed
  // When a payment plan defaults (Verfallklausel), dunning of its items resumes directly at
  // this level (index into levels): the debtor has already been reminded and agreed a plan.
  int plan_default_level = 1;
  // Material costs (Sachkosten) of one notice per channel: the lawful ceiling of a Mahngebühr.
  Money material_cost_letter;  // print, envelope, postage
  Money material_cost_email;   // 0 by default
  ClaimPolicy claim;           // receipt assumption, day count, flat fee
  std::string holiday_region = "DE";
  std::vector<Override> overrides;

  bool overridden(std::string_view rule) const;
  Money material_cost(Channel channel) const;
};

// Every rule a policy breaks, each error naming the field ("levels[1].fee.fixed"). Empty: valid.
// Rules (ids usable in overrides):
//   fee_on_first_level       — the first notice may itself create Verzug; a fee there is unlawful
//   fee_above_material_cost  — a fee (fixed, min or max) above the level channel's material cost
//   percent_fee_without_max  — a percentage fee needs a max
//   flat_fee_twice           — flat_fee_b2b on more than one level (the € 40 is owed once)
// Structural errors (no levels, a later level without days_after_previous > 0, negative
// amounts, unknown rule in an override, override without a reason) cannot be overridden.
std::vector<Error> validate(const Policy& policy);

}  // namespace mahnwerk::core
