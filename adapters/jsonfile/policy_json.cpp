// config/policies/*.json -> core::Policy, then core::validate.
#include "adapters/jsonfile/policy_json.h"

#include <algorithm>
#include <initializer_list>
#include <vector>

#include "adapters/jsonfile/json_util.h"
#include "connector/core/basiszins.h"
#include "connector/core/interest.h"

namespace mahnwerk::jsonfile {
namespace {

using core::Result;
using core::Status;

constexpr core::ErrorKind kConfigError = core::ErrorKind::kBadConfig;
constexpr int kMaxDays = 3650;

// A policy decides about fees and court steps: a misspelt key ("flat_fee_b2c") must not pass
// silently as "absent", nor a repeated one silently take its first value, so every object
// lists the members it accepts, each at most once.
Status check_members(const rapidjson::Value& object, const Fields& f,
                     std::initializer_list<std::string_view> known) {
  auto problems = member_problems(object, f, known, /*refuse_repeats=*/true);
  if (!problems.empty()) return problems.front();
  return core::Ok{};
}

// An enum member: absent gives `fallback`; an unknown name is refused with the list of names.
template <typename Enum, typename Parse>
Result<Enum> optional_enum(const Fields& f, const char* name, Enum fallback, Parse parse) {
  if (!f.has(name)) return fallback;
  std::string text;
  MW_ASSIGN_OR_RETURN(text, f.required_string(name));
  auto value = parse(text);
  if (!value) return f.error(name, value.error().message);
  return *value;
}

// A percentage ("1.50" or 1.5) in basis points; absent is 0.
Result<int> optional_percent_bp(const Fields& f, const char* name) {
  if (!f.has(name)) return 0;
  std::string text;
  MW_ASSIGN_OR_RETURN(text, f.required_string(name));
  auto bp = core::parse_percent_bp(text);
  if (!bp) return f.error(name, bp.error().message);
  if (*bp < 0) return f.error(name, "negative percentage \"" + text + "\" not allowed here");
  return *bp;
}

Result<core::Money> money_or_zero(const Fields& f, const char* name, core::Currency currency) {
  std::optional<core::Money> money;
  MW_ASSIGN_OR_RETURN(money, f.optional_money(name, currency));
  return money.value_or(core::Money::zero(currency));
}

Result<core::Fee> parse_fee(const rapidjson::Value& v, const std::string& path, core::Currency currency) {
  const Fields f(v, path, kConfigError);
  if (auto s = f.check_object(); !s) return s.error();
  if (auto s = check_members(v, f, {"fixed", "percent", "min", "max", "basis"}); !s) return s.error();
  core::Fee fee;
  MW_ASSIGN_OR_RETURN(fee.fixed, money_or_zero(f, "fixed", currency));
  MW_ASSIGN_OR_RETURN(fee.percent_bp, optional_percent_bp(f, "percent"));
  MW_ASSIGN_OR_RETURN(fee.min, money_or_zero(f, "min", currency));
  MW_ASSIGN_OR_RETURN(fee.max, f.optional_money("max", currency));
  MW_ASSIGN_OR_RETURN(fee.basis,
                      optional_enum(f, "basis", core::FeeBasis::kPerNotice, core::parse_fee_basis));
  return fee;
}

// The first level counts from the due date, later ones from the previous notice: the key that
// does not fit the level is an error, not a silent zero.
Result<core::Level> parse_trigger(const Fields& f, std::size_t index, core::Level level) {
  const char* own = index == 0 ? "days_after_due" : "days_after_previous";
  const char* other = index == 0 ? "days_after_previous" : "days_after_due";
  if (f.has(other)) {
    return f.error(other, index == 0 ? "the first level is triggered by days_after_due"
                                     : "a later level is triggered by days_after_previous");
  }
  if (!f.has(own)) return f.error(own, "missing field");
  int& days = index == 0 ? level.days_after_due : level.days_after_previous;
  MW_ASSIGN_OR_RETURN(days, f.optional_int(own, 0, 0, kMaxDays));
  return level;
}

Result<core::Level> parse_level(const rapidjson::Value& v, std::size_t index, core::Currency currency) {
  const Fields f(v, "levels[" + std::to_string(index) + "]", kConfigError);
  if (auto s = f.check_object(); !s) return s.error();
  if (auto s = check_members(v, f,
                             {"name", "days_after_due", "days_after_previous", "fee", "flat_fee_b2b",
                              "interest", "deadline_days", "template", "channel", "tone", "announces_court"});
      !s) {
    return s.error();
  }
  core::Level level;
  MW_ASSIGN_OR_RETURN(level.name, f.required_string("name"));
  MW_ASSIGN_OR_RETURN(level, parse_trigger(f, index, std::move(level)));
  level.fee.fixed = level.fee.min = core::Money::zero(currency);
  if (const auto* fee = f.find("fee"))
    MW_ASSIGN_OR_RETURN(level.fee, parse_fee(*fee, f.path_of("fee"), currency));
  MW_ASSIGN_OR_RETURN(level.flat_fee_b2b, f.optional_bool("flat_fee_b2b", false));
  MW_ASSIGN_OR_RETURN(level.interest, f.optional_bool("interest", false));
  MW_ASSIGN_OR_RETURN(level.deadline_days, f.optional_int("deadline_days", level.deadline_days, 0, kMaxDays));
  MW_ASSIGN_OR_RETURN(level.template_name, f.required_string("template"));
  MW_ASSIGN_OR_RETURN(level.channel, optional_enum(f, "channel", level.channel, core::parse_channel));
  MW_ASSIGN_OR_RETURN(level.tone, optional_enum(f, "tone", level.tone, core::parse_tone));
  MW_ASSIGN_OR_RETURN(level.announces_court, f.optional_bool("announces_court", false));
  return level;
}

Status parse_material_cost(const Fields& root, core::Policy& policy, core::Currency currency) {
  policy.material_cost_letter = policy.material_cost_email = core::Money::zero(currency);
  const auto* v = root.find("material_cost");
  if (v == nullptr) return core::Ok{};
  const Fields f(*v, root.path_of("material_cost"), kConfigError);
  if (auto s = f.check_object(); !s) return s.error();
  if (auto s = check_members(*v, f, {"letter", "email"}); !s) return s.error();
  MW_ASSIGN_OR_RETURN(policy.material_cost_letter, money_or_zero(f, "letter", currency));
  MW_ASSIGN_OR_RETURN(policy.material_cost_email, money_or_zero(f, "email", currency));
  return core::Ok{};
}

Status parse_interest(const Fields& root, core::ClaimPolicy& claim) {
  const auto* v = root.find("interest");
  if (v == nullptr) return core::Ok{};
  const Fields f(*v, root.path_of("interest"), kConfigError);
  if (auto s = f.check_object(); !s) return s.error();
  if (auto s = check_members(*v, f, {"convention", "receipt_assumption_days", "claim_flat_fee"}); !s) {
    return s.error();
  }
  MW_ASSIGN_OR_RETURN(claim.convention,
                      optional_enum(f, "convention", claim.convention, core::parse_day_count));
  MW_ASSIGN_OR_RETURN(claim.receipt_assumption_days,
                      f.optional_int("receipt_assumption_days", claim.receipt_assumption_days, 0, 60));
  MW_ASSIGN_OR_RETURN(claim.claim_flat_fee, f.optional_bool("claim_flat_fee", claim.claim_flat_fee));
  return core::Ok{};
}

Result<core::Override> parse_override(const rapidjson::Value& v, std::size_t index) {
  const Fields f(v, "overrides[" + std::to_string(index) + "]", kConfigError);
  if (auto s = f.check_object(); !s) return s.error();
  if (auto s = check_members(v, f, {"rule", "reason"}); !s) return s.error();
  core::Override o;
  MW_ASSIGN_OR_RETURN(o.rule, f.required_string("rule"));
  // A missing reason is left to core::validate, which explains what an override needs.
  MW_ASSIGN_OR_RETURN(o.reason, f.optional_string("reason"));
  return o;
}

Result<core::Currency> parse_currency(const Fields& root) {
  std::string code;
  MW_ASSIGN_OR_RETURN(code, root.optional_string("currency", "EUR"));
  auto currency = core::Currency::from_code(code);
  if (!currency) return root.error("currency", currency.error().message);
  return *currency;
}

template <typename T, typename Parse>
Status parse_array(const Fields& root, const char* name, bool required, Parse parse, std::vector<T>& out) {
  const rapidjson::Value* array = nullptr;
  MW_ASSIGN_OR_RETURN(array, root.array(name, required));
  out.reserve(array->Size());
  for (rapidjson::SizeType i = 0; i < array->Size(); ++i) {
    auto parsed = parse((*array)[i], i);
    if (!parsed) return parsed.error();
    out.push_back(std::move(parsed).value());
  }
  return core::Ok{};
}

Result<core::Policy> parse_document(const rapidjson::Value& doc) {
  const Fields root(doc, "", kConfigError);
  if (!doc.IsObject()) return core::Error{kConfigError, "expected a JSON object at the top", ""};
  if (auto s =
          check_members(doc, root,
                        {"name", "currency", "levels", "min_amount", "min_percent",
                         "min_days_between_notices", "allow_skip_levels", "final_action", "final_action_days",
                         "plan_default_level", "material_cost", "interest", "holiday_region", "overrides"});
      !s) {
    return s.error();
  }
  core::Policy policy;
  MW_ASSIGN_OR_RETURN(policy.name, root.required_string("name"));
  core::Currency currency;
  MW_ASSIGN_OR_RETURN(currency, parse_currency(root));
  auto level = [currency](const rapidjson::Value& v, std::size_t i) { return parse_level(v, i, currency); };
  if (auto s = parse_array(root, "levels", true, level, policy.levels); !s) return s.error();
  MW_ASSIGN_OR_RETURN(policy.min_amount, money_or_zero(root, "min_amount", currency));
  MW_ASSIGN_OR_RETURN(policy.min_percent_bp, optional_percent_bp(root, "min_percent"));
  MW_ASSIGN_OR_RETURN(
      policy.min_days_between_notices,
      root.optional_int("min_days_between_notices", policy.min_days_between_notices, 0, kMaxDays));
  MW_ASSIGN_OR_RETURN(policy.allow_skip_levels, root.optional_bool("allow_skip_levels", false));
  MW_ASSIGN_OR_RETURN(policy.final_action, optional_enum(root, "final_action", core::FinalAction::kNone,
                                                         core::parse_final_action));
  MW_ASSIGN_OR_RETURN(policy.final_action_days,
                      root.optional_int("final_action_days", policy.final_action_days, 0, kMaxDays));
  // Default: the level after the first reminder, or the only level of a one-level policy.
  const int default_plan_level = std::min(1, std::max(0, static_cast<int>(policy.levels.size()) - 1));
  MW_ASSIGN_OR_RETURN(policy.plan_default_level,
                      root.optional_int("plan_default_level", default_plan_level, 0, 99));
  if (auto s = parse_material_cost(root, policy, currency); !s) return s.error();
  if (auto s = parse_interest(root, policy.claim); !s) return s.error();
  MW_ASSIGN_OR_RETURN(policy.holiday_region, root.optional_string("holiday_region", policy.holiday_region));
  if (auto s = parse_array(root, "overrides", false, parse_override, policy.overrides); !s) return s.error();
  return policy;
}

// All violations at once: fixing a policy one error per run would be tedious.
core::Error violations_error(const std::vector<core::Error>& errors, std::string_view source) {
  if (errors.size() == 1) return errors.front().within(source);
  std::string message = std::to_string(errors.size()) + " problems:";
  for (const auto& e : errors) message += "\n" + e.to_string();
  return core::Error{kConfigError, std::move(message), std::string(source)};
}

}  // namespace

Result<core::Policy> parse_policy(std::string_view json, std::string_view source) {
  auto doc = parse_json(json, source, kConfigError);
  if (!doc) return doc.error();
  auto policy = parse_document(*doc);
  if (!policy) return policy.error().within(source);
  if (const auto errors = core::validate(*policy); !errors.empty()) return violations_error(errors, source);
  return policy;
}

Result<core::Policy> load_policy(const std::string& path) {
  auto text = read_file(path);
  if (!text) return text.error();
  return parse_policy(*text, path);
}

}  // namespace mahnwerk::jsonfile
