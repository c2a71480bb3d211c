// Dunning policy: enum names, the Mahngebühr formula, and validate(), which turns the law on
// dunning fees (research B.5) and the policy's own structure into a list of named errors.
#include "connector/core/policy.h"

#include <algorithm>
#include <array>
#include <limits>

#include "connector/core/basiszins.h"
#include "connector/core/calendar.h"

namespace mahnwerk::core {
namespace {

template <typename Enum>
struct EnumName {
  Enum value;
  std::string_view name;
};

constexpr std::array<EnumName<FeeBasis>, 2> kFeeBasisNames{{
    {FeeBasis::kPerNotice, "per_notice"},
    {FeeBasis::kPerItem, "per_item"},
}};
constexpr std::array<EnumName<Channel>, 3> kChannelNames{{
    {Channel::kLetter, "letter"},
    {Channel::kEmail, "email"},
    {Channel::kSourceSystem, "source_system"},
}};
constexpr std::array<EnumName<Tone>, 3> kToneNames{{
    {Tone::kFriendly, "friendly"},
    {Tone::kFirm, "firm"},
    {Tone::kFinal, "final"},
}};
constexpr std::array<EnumName<FinalAction>, 3> kFinalActionNames{{
    {FinalAction::kNone, "none"},
    {FinalAction::kMahnbescheid, "mahnbescheid"},
    {FinalAction::kInkasso, "inkasso"},
}};

template <typename Enum, std::size_t N>
std::string_view name_of(const std::array<EnumName<Enum>, N>& table, Enum value) {
  for (const auto& row : table) {
    if (row.value == value) return row.name;
  }
  return table.front().name;
}

// "letter, email or source_system"
template <typename Enum, std::size_t N>
std::string expected_names(const std::array<EnumName<Enum>, N>& table) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) out += i + 1 == N ? " or " : ", ";
    out += table[i].name;
  }
  return out;
}

template <typename Enum, std::size_t N>
Result<Enum> parse_enum(const std::array<EnumName<Enum>, N>& table, std::string_view what,
                        std::string_view text) {
  for (const auto& row : table) {
    if (row.name == text) return row.value;
  }
  return invalid_input("unknown " + std::string(what) + " \"" + std::string(text) + "\" (expected " +
                       expected_names(table) + ")");
}

// The lawful-fee rules an office may depart from (with a reason); see policy.h.
constexpr std::string_view kFeeOnFirstLevel = "fee_on_first_level";
constexpr std::string_view kFeeAboveMaterialCost = "fee_above_material_cost";
constexpr std::string_view kPercentFeeWithoutMax = "percent_fee_without_max";
constexpr std::string_view kFlatFeeTwice = "flat_fee_twice";
constexpr std::array<std::string_view, 4> kRuleIds{kFeeOnFirstLevel, kFeeAboveMaterialCost,
                                                   kPercentFeeWithoutMax, kFlatFeeTwice};

bool known_rule(std::string_view id) { return std::ranges::find(kRuleIds, id) != kRuleIds.end(); }

bool is_blank(std::string_view text) {
  return std::ranges::all_of(text, [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

constexpr int kHundredPercentBp = 10'000;

std::string level_path(std::size_t index) { return "levels[" + std::to_string(index) + "]"; }

// Collects violations in document order. A rule violation is dropped when the policy overrides
// that rule; structural errors always count.
class Violations {
 public:
  explicit Violations(const Policy& policy) : policy_(policy) {}

  void structural(std::string path, std::string message) {
    errors_.push_back(Error{ErrorKind::kBadConfig, std::move(message), std::move(path)});
  }
  void rule(std::string_view id, std::string path, std::string message) {
    if (policy_.overridden(id)) return;
    structural(std::move(path), std::move(message) + " [rule " + std::string(id) +
                                    "; override it with a reason if this policy must depart from it]");
  }
  std::vector<Error> take() { return std::move(errors_); }

 private:
  const Policy& policy_;
  std::vector<Error> errors_;
};

void check_amount(Violations& v, const Money& amount, Currency currency, const std::string& path) {
  if (amount.currency() != currency) {
    v.structural(path, "currency " + std::string(amount.currency().code()) + " differs from the policy's " +
                           std::string(currency.code()));
  } else if (amount.is_negative()) {
    v.structural(path, "negative amount " + amount.to_string());
  }
}

void check_non_negative(Violations& v, int value, const std::string& path) {
  if (value < 0) v.structural(path, "must not be negative, got " + std::to_string(value));
}

bool fee_amounts_in(const Fee& fee, Currency currency) {
  return fee.fixed.currency() == currency && fee.min.currency() == currency &&
         (!fee.max || fee.max->currency() == currency);
}

void check_fee_structure(Violations& v, const Fee& fee, Currency currency, const std::string& path) {
  check_amount(v, fee.fixed, currency, path + ".fixed");
  if (fee.percent_bp < 0 || fee.percent_bp > kHundredPercentBp) {
    v.structural(path + ".percent",
                 "must lie between 0 and 100 %, got " + format_percent_bp(fee.percent_bp) + " %");
  }
  check_amount(v, fee.min, currency, path + ".min");
  if (fee.max) check_amount(v, *fee.max, currency, path + ".max");
  if (fee.max && !fee.max->is_negative() && fee_amounts_in(fee, currency) && fee.min > *fee.max) {
    v.structural(path + ".min", "min " + fee.min.to_string() + " lies above max " + fee.max->to_string());
  }
}

// The first non-zero part of a fee, for pointing at it.
std::string nonzero_part(const Fee& fee) {
  if (!fee.fixed.is_zero()) return "fixed";
  if (fee.percent_bp != 0) return "percent";
  return "min";
}

// A Mahngebühr is Verzugsschaden (§§ 280 II, 286 BGB): only the material cost of one notice on
// its channel (BGH VIII ZR 95/18). Staff time is not recoverable, so nothing may exceed it.
void check_fee_law(Violations& v, const Policy& policy, const Level& level, std::size_t index,
                   const std::string& path) {
  const Fee& fee = level.fee;
  if (index == 0 && !fee.is_zero()) {
    v.rule(kFeeOnFirstLevel, path + "." + nonzero_part(fee),
           "a fee on the first notice is unlawful: that notice may itself create Verzug (§ 286 I BGB), "
           "and only notices after Verzug may cost anything");
  }
  if (fee.percent_bp > 0 && !fee.max) {
    v.rule(kPercentFeeWithoutMax, path + ".max",
           "a percentage fee needs a max, or it grows with the claim beyond any material cost");
    // Overriding the missing max must not silently lift the material-cost ceiling as well.
    if (policy.overridden(kPercentFeeWithoutMax)) {
      v.rule(kFeeAboveMaterialCost, path + ".percent",
             "a percentage fee without max exceeds the material cost of a notice on large claims");
    }
  }
  const Money ceiling = policy.material_cost(level.channel);
  if (!fee_amounts_in(fee, ceiling.currency())) return;  // reported as a structural error
  const std::string channel(to_string(level.channel));
  auto above = [&](const Money& amount, const char* part) {
    if (amount > ceiling) {
      v.rule(kFeeAboveMaterialCost, path + "." + part,
             std::string(part) + " fee " + amount.to_string() + " exceeds the material cost " +
                 ceiling.to_string() + " of a notice by " + channel +
                 " (only print, envelope and postage are recoverable, BGH VIII ZR 95/18)");
    }
  };
  above(fee.fixed, "fixed");
  above(fee.min, "min");
  if (fee.max) above(*fee.max, "max");
  // A notice bundles all of a debtor's items: a per-item fee multiplies one letter's cost.
  if (fee.basis == FeeBasis::kPerItem && !fee.is_zero()) {
    v.rule(kFeeAboveMaterialCost, path + ".basis",
           "a per-item fee charges one notice's material cost once per invoice on it; use per_notice");
  }
}

void check_level(Violations& v, const Policy& policy, std::size_t index, int& flat_fee_levels) {
  const Level& level = policy.levels[index];
  const std::string path = level_path(index);
  if (is_blank(level.name)) v.structural(path + ".name", "a level needs a name");
  if (index == 0) {
    check_non_negative(v, level.days_after_due, path + ".days_after_due");
    if (level.days_after_previous != 0) {
      v.structural(path + ".days_after_previous",
                   "the first level is triggered by days_after_due; there is no previous notice");
    }
  } else {
    if (level.days_after_due != 0) {
      v.structural(path + ".days_after_due",
                   "a later level is triggered by days_after_previous, not by the due date");
    }
    if (level.days_after_previous <= 0) {
      v.structural(path + ".days_after_previous", "a later level needs days_after_previous > 0, got " +
                                                      std::to_string(level.days_after_previous));
    }
  }
  if (level.deadline_days <= 0) {
    v.structural(path + ".deadline_days",
                 "a payment deadline needs at least one day, got " + std::to_string(level.deadline_days));
  }
  if (is_blank(level.template_name)) v.structural(path + ".template", "a level needs a template");
  check_fee_structure(v, level.fee, policy.min_amount.currency(), path + ".fee");
  check_fee_law(v, policy, level, index, path + ".fee");
  if (level.flat_fee_b2b && ++flat_fee_levels > 1) {
    v.rule(kFlatFeeTwice, path + ".flat_fee_b2b",
           "the € 40 Verzugspauschale (§ 288 V BGB) is owed once per invoice; an earlier level claims it "
           "already");
  }
}

void check_top_level(Violations& v, const Policy& policy) {
  const Currency currency = policy.min_amount.currency();
  if (is_blank(policy.name)) v.structural("name", "a policy needs a name");
  if (policy.levels.empty()) v.structural("levels", "a policy needs at least one level");
  check_amount(v, policy.min_amount, currency, "min_amount");
  if (policy.min_percent_bp < 0 || policy.min_percent_bp > kHundredPercentBp) {
    v.structural("min_percent",
                 "must lie between 0 and 100 %, got " + format_percent_bp(policy.min_percent_bp) + " %");
  }
  check_non_negative(v, policy.min_days_between_notices, "min_days_between_notices");
  check_non_negative(v, policy.final_action_days, "final_action_days");
  if (policy.plan_default_level < 0 ||
      (!policy.levels.empty() && policy.plan_default_level >= static_cast<int>(policy.levels.size()))) {
    v.structural("plan_default_level", "must name a level: 0 to " + std::to_string(policy.levels.size() - 1) +
                                           ", got " + std::to_string(policy.plan_default_level));
  }
  check_amount(v, policy.material_cost_letter, currency, "material_cost.letter");
  check_amount(v, policy.material_cost_email, currency, "material_cost.email");
  check_non_negative(v, policy.claim.receipt_assumption_days, "interest.receipt_assumption_days");
  if (auto region = parse_region(policy.holiday_region); !region) {
    v.structural("holiday_region", region.error().message);
  }
}

void check_overrides(Violations& v, const Policy& policy) {
  for (std::size_t i = 0; i < policy.overrides.size(); ++i) {
    const Override& o = policy.overrides[i];
    const std::string path = "overrides[" + std::to_string(i) + "]";
    if (!known_rule(o.rule)) {
      std::string known;
      for (const auto id : kRuleIds) known += (known.empty() ? "" : ", ") + std::string(id);
      v.structural(path + ".rule", "unknown rule \"" + o.rule + "\" (known: " + known + ")");
    }
    if (is_blank(o.reason)) {
      v.structural(path + ".reason",
                   "an override needs a reason: why does this policy depart from the rule?");
    }
  }
}

}  // namespace

std::string_view to_string(FeeBasis basis) { return name_of(kFeeBasisNames, basis); }
std::string_view to_string(Channel channel) { return name_of(kChannelNames, channel); }
std::string_view to_string(Tone tone) { return name_of(kToneNames, tone); }
std::string_view to_string(FinalAction action) { return name_of(kFinalActionNames, action); }

Result<FeeBasis> parse_fee_basis(std::string_view text) {
  return parse_enum(kFeeBasisNames, "fee basis", text);
}
Result<Channel> parse_channel(std::string_view text) { return parse_enum(kChannelNames, "channel", text); }
Result<Tone> parse_tone(std::string_view text) { return parse_enum(kToneNames, "tone", text); }
Result<FinalAction> parse_final_action(std::string_view text) {
  return parse_enum(kFinalActionNames, "final action", text);
}

Money Fee::on(const Money& open_amount) const {
  const Currency currency = open_amount.currency();
  if (is_zero()) return Money::zero(currency);
  // Exact: the percentage part is rounded once, half-up to the minor unit.
  const std::int64_t percent_part = round_fraction(static_cast<Int128>(open_amount.minor()) * percent_bp,
                                                   kHundredPercentBp, Rounding::kHalfUp);
  Int128 fee = static_cast<Int128>(fixed.minor()) + percent_part;
  fee = std::max<Int128>(fee, min.minor());
  if (max) fee = std::min<Int128>(fee, max->minor());
  if (fee > std::numeric_limits<std::int64_t>::max() || fee < std::numeric_limits<std::int64_t>::min()) {
    throw MoneyError("fee out of range");
  }
  return Money(static_cast<std::int64_t>(fee), currency);
}

bool Policy::overridden(std::string_view rule) const {
  return std::ranges::any_of(overrides,
                             [&](const Override& o) { return o.rule == rule && !is_blank(o.reason); });
}

// The source system may print or e-mail its own dunning document; unknown which, so the
// lower ceiling keeps the fee lawful either way.
Money Policy::material_cost(Channel channel) const {
  switch (channel) {
    case Channel::kLetter:
      return material_cost_letter;
    case Channel::kEmail:
      return material_cost_email;
    case Channel::kSourceSystem:
      if (material_cost_letter.currency() != material_cost_email.currency()) return material_cost_email;
      return core::min(material_cost_letter, material_cost_email);
  }
  return material_cost_email;
}

std::vector<Error> validate(const Policy& policy) {
  Violations v(policy);
  check_top_level(v, policy);
  int flat_fee_levels = 0;
  for (std::size_t i = 0; i < policy.levels.size(); ++i) check_level(v, policy, i, flat_fee_levels);
  check_overrides(v, policy);
  return v.take();
}

}  // namespace mahnwerk::core
