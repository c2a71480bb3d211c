// Dunning policy: the Mahngebühr formula, enum names, and validate() — every lawful-fee rule
// broken, named by field path, and accepted again once overridden with a reason.
#include "connector/core/policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

namespace mahnwerk::core {
namespace {

Money eur(std::string_view text) { return Money::parse(text).value(); }

Fee fee(std::string_view fixed, int percent_bp = 0, std::string_view min = "0",
        std::optional<std::string_view> max = {}) {
  Fee f;
  f.fixed = eur(fixed);
  f.percent_bp = percent_bp;
  f.min = eur(min);
  if (max) f.max = eur(*max);
  return f;
}

Level level(std::string name, std::string template_name, Tone tone) {
  Level l;
  l.name = std::move(name);
  l.template_name = std::move(template_name);
  l.tone = tone;
  return l;
}

// config/policies/standard.json, built by hand.
Policy standard_like() {
  Policy p;
  p.name = "Standard";
  Level reminder = level("Zahlungserinnerung", "reminder", Tone::kFriendly);
  reminder.days_after_due = 7;
  Level mahnung = level("1. Mahnung", "mahnung", Tone::kFirm);
  mahnung.days_after_previous = 14;
  mahnung.fee = fee("0.76");
  mahnung.flat_fee_b2b = true;
  mahnung.interest = true;
  Level last = level("letzte Mahnung", "final_notice", Tone::kFinal);
  last.days_after_previous = 14;
  last.fee = fee("0.76");
  last.interest = true;
  last.announces_court = true;
  p.levels = {reminder, mahnung, last};
  p.min_amount = eur("5.00");
  p.final_action = FinalAction::kMahnbescheid;
  p.material_cost_letter = eur("0.76");
  p.material_cost_email = eur("0.00");
  return p;
}

std::vector<std::string> paths_of(const std::vector<Error>& errors) {
  std::vector<std::string> paths;
  for (const auto& e : errors) paths.push_back(e.context);
  return paths;
}

std::string describe(const std::vector<Error>& errors) {
  std::string out;
  for (const auto& e : errors) out += "\n  " + e.to_string();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Fee::on

struct FeeCase {
  const char* what;
  Fee fee;
  const char* open_amount;
  const char* expected;
};

TEST(PolicyFee, FixedPlusPercentClampedAndRoundedHalfUp) {
  const FeeCase cases[] = {
      {"zero fee", fee("0"), "1000.00", "0.00"},
      {"fixed only", fee("0.76"), "1000.00", "0.76"},
      {"fixed on a zero open amount", fee("0.76"), "0.00", "0.76"},
      {"1.5 % of 100.00", fee("0", 150), "100.00", "1.50"},
      {"1.5 % of 33.33 = 0.49995 rounds up", fee("0", 150), "33.33", "0.50"},
      {"1 % of 0.50 = 0.005: exactly half, up", fee("0", 100), "0.50", "0.01"},
      {"1 % of 0.49 = 0.0049 rounds down", fee("0", 100), "0.49", "0.00"},
      {"fixed 1.00 + 2 % of 10.00", fee("1.00", 200), "10.00", "1.20"},
      {"1 % of 10.00 = 0.10 raised to min 0.50", fee("0", 100, "0.50", "5.00"), "10.00", "0.50"},
      {"5 % of 1000.00 = 50.00 capped at max 2.50", fee("0", 500, "0", "2.50"), "1000.00", "2.50"},
      {"fixed + percent capped at max", fee("1.00", 100, "0", "1.50"), "100.00", "1.50"},
      {"min applies to a zero open amount", fee("0", 100, "0.30", "1.00"), "0.00", "0.30"},
      {"max below min: max wins (validate() refuses such a fee)", fee("0", 100, "2.00", "1.00"), "50.00",
       "1.00"},
      {"percentage of a large amount stays exact", fee("0", 1, "0", {}), "92233720368547.75",
       "9223372036.85"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(c.fee.on(eur(c.open_amount)), eur(c.expected)) << c.what;
  }
}

TEST(PolicyFee, UsesTheCurrencyOfTheOpenAmount) {
  Fee f;
  f.fixed = Money(0, Currency::from_code("JPY").value());
  f.min = f.fixed;
  f.percent_bp = 100;
  const Money open(12345, Currency::from_code("JPY").value());
  EXPECT_EQ(f.on(open), Money(123, open.currency()));  // 123.45 yen rounds to 123
  EXPECT_EQ(Fee{}.on(open), Money::zero(open.currency()));
}

// ---------------------------------------------------------------------------------------------
// Names

TEST(PolicyNames, RoundTripEveryEnumValue) {
  for (auto v : {FeeBasis::kPerNotice, FeeBasis::kPerItem})
    EXPECT_EQ(parse_fee_basis(to_string(v)).value(), v);
  for (auto v : {Channel::kLetter, Channel::kEmail, Channel::kSourceSystem}) {
    EXPECT_EQ(parse_channel(to_string(v)).value(), v);
  }
  for (auto v : {Tone::kFriendly, Tone::kFirm, Tone::kFinal}) EXPECT_EQ(parse_tone(to_string(v)).value(), v);
  for (auto v : {FinalAction::kNone, FinalAction::kMahnbescheid, FinalAction::kInkasso}) {
    EXPECT_EQ(parse_final_action(to_string(v)).value(), v);
  }
  EXPECT_EQ(to_string(Channel::kSourceSystem), "source_system");
  EXPECT_EQ(to_string(FeeBasis::kPerItem), "per_item");
}

TEST(PolicyNames, UnknownNamesListTheKnownOnes) {
  EXPECT_EQ(parse_channel("fax").error().message,
            "unknown channel \"fax\" (expected letter, email or source_system)");
  EXPECT_EQ(parse_final_action("klage").error().message,
            "unknown final action \"klage\" (expected none, mahnbescheid or inkasso)");
  EXPECT_EQ(parse_fee_basis("Per_Notice").error().kind, ErrorKind::kInvalidInput);
  EXPECT_FALSE(parse_tone("angry").ok());
}

TEST(PolicyMaterialCost, PerChannelAndTheLowerOneForTheSourceSystem) {
  Policy p = standard_like();
  EXPECT_EQ(p.material_cost(Channel::kLetter), eur("0.76"));
  EXPECT_EQ(p.material_cost(Channel::kEmail), eur("0.00"));
  // The source system may print or e-mail: the lower ceiling is lawful either way.
  EXPECT_EQ(p.material_cost(Channel::kSourceSystem), eur("0.00"));
  p.material_cost_email = eur("0.10");
  p.material_cost_letter = eur("0.05");
  EXPECT_EQ(p.material_cost(Channel::kSourceSystem), eur("0.05"));
}

// ---------------------------------------------------------------------------------------------
// validate(): lawful fees

TEST(PolicyValidate, TheStandardPolicyIsValid) {
  const auto errors = validate(standard_like());
  EXPECT_TRUE(errors.empty()) << describe(errors);
}

struct RuleCase {
  const char* what;
  std::function<void(Policy&)> change;
  std::vector<std::string> expected_paths;
  std::vector<std::string> rules;  // what the override needs to name
};

std::vector<RuleCase> rule_cases() {
  return {
      {"fixed fee on the first notice",
       [](Policy& p) { p.levels[0].fee = fee("0.50"); },
       {"levels[0].fee.fixed"},
       {"fee_on_first_level"}},
      {"percentage fee on the first notice",
       [](Policy& p) { p.levels[0].fee = fee("0", 100, "0", "0.50"); },
       {"levels[0].fee.percent"},
       {"fee_on_first_level"}},
      {"minimum fee on the first notice",
       [](Policy& p) { p.levels[0].fee = fee("0", 0, "0.20"); },
       {"levels[0].fee.min"},
       {"fee_on_first_level"}},
      {"a € 2.50 Mahnpauschale (BGH VIII ZR 95/18)",
       [](Policy& p) { p.levels[1].fee = fee("2.50"); },
       {"levels[1].fee.fixed"},
       {"fee_above_material_cost"}},
      {"a letter fee on an e-mail notice",
       [](Policy& p) { p.levels[1].channel = Channel::kEmail; },
       {"levels[1].fee.fixed"},
       {"fee_above_material_cost"}},
      {"a letter fee on the source system's notice",
       [](Policy& p) { p.levels[2].channel = Channel::kSourceSystem; },
       {"levels[2].fee.fixed"},
       {"fee_above_material_cost"}},
      {"min above the material cost",
       [](Policy& p) { p.levels[2].fee.min = eur("1.00"); },
       {"levels[2].fee.min"},
       {"fee_above_material_cost"}},
      {"max above the material cost",
       [](Policy& p) { p.levels[1].fee = fee("0", 100, "0", "5.00"); },
       {"levels[1].fee.max"},
       {"fee_above_material_cost"}},
      {"fixed and max above the material cost",
       [](Policy& p) { p.levels[1].fee = fee("1.00", 100, "0", "5.00"); },
       {"levels[1].fee.fixed", "levels[1].fee.max"},
       {"fee_above_material_cost"}},
      {"a per-item fee multiplies one letter's cost",
       [](Policy& p) { p.levels[1].fee.basis = FeeBasis::kPerItem; },
       {"levels[1].fee.basis"},
       {"fee_above_material_cost"}},
      // Overriding only the missing max must not lift the material-cost ceiling as well.
      {"a percentage fee without max",
       [](Policy& p) { p.levels[1].fee = fee("0", 100); },
       {"levels[1].fee.max"},
       {"percent_fee_without_max", "fee_above_material_cost"}},
      {"the € 40 on two levels",
       [](Policy& p) { p.levels[2].flat_fee_b2b = true; },
       {"levels[2].flat_fee_b2b"},
       {"flat_fee_twice"}},
      {"the € 40 on all three levels",
       [](Policy& p) {
         for (auto& l : p.levels) l.flat_fee_b2b = true;
       },
       {"levels[1].flat_fee_b2b", "levels[2].flat_fee_b2b"},
       {"flat_fee_twice"}},
      {"two rules at once",
       [](Policy& p) {
         p.levels[0].fee = fee("0.50");
         p.levels[2].flat_fee_b2b = true;
       },
       {"levels[0].fee.fixed", "levels[2].flat_fee_b2b"},
       {"fee_on_first_level", "flat_fee_twice"}},
  };
}

TEST(PolicyValidate, EachLawfulFeeRuleBrokenNamesTheField) {
  for (const auto& c : rule_cases()) {
    Policy p = standard_like();
    c.change(p);
    const auto errors = validate(p);
    EXPECT_EQ(paths_of(errors), c.expected_paths) << c.what << describe(errors);
    for (const auto& e : errors) {
      EXPECT_EQ(e.kind, ErrorKind::kBadConfig) << c.what;
      const bool names_a_rule = std::ranges::any_of(c.rules, [&](const std::string& rule) {
        return e.message.find("[rule " + rule + ";") != std::string::npos;
      });
      EXPECT_TRUE(names_a_rule) << c.what << ": " << e.message;
    }
  }
}

TEST(PolicyValidate, TheSameViolationOverriddenWithAReasonIsAccepted) {
  for (const auto& c : rule_cases()) {
    Policy p = standard_like();
    c.change(p);
    for (const auto& rule : c.rules) {
      p.overrides.push_back({rule, "Kanzlei-Beschluss 2025-03: documented costs, see file 17"});
    }
    const auto errors = validate(p);
    EXPECT_TRUE(errors.empty()) << c.what << describe(errors);
  }
}

TEST(PolicyValidate, OverridingTheMissingMaxAloneKeepsTheMaterialCostCeiling) {
  Policy p = standard_like();
  p.levels[1].fee = fee("0", 100);
  p.overrides.push_back({"percent_fee_without_max", "large claims only"});
  const auto errors = validate(p);
  ASSERT_EQ(paths_of(errors), std::vector<std::string>{"levels[1].fee.percent"}) << describe(errors);
  EXPECT_NE(errors[0].message.find("[rule fee_above_material_cost"), std::string::npos);
}

TEST(PolicyValidate, AFeeUpToADocumentedHigherMaterialCostIsLawful) {
  Policy p = standard_like();
  p.material_cost_letter = eur("1.05");
  p.levels[1].fee = fee("0", 100, "0.50", "1.05");
  p.levels[2].fee = fee("1.05");
  const auto errors = validate(p);
  EXPECT_TRUE(errors.empty()) << describe(errors);
}

TEST(PolicyValidate, AnOverrideWithoutReasonDoesNotCount) {
  Policy p = standard_like();
  p.levels[0].fee = fee("0.50");
  p.overrides.push_back({"fee_on_first_level", "  "});
  const auto errors = validate(p);
  EXPECT_EQ(paths_of(errors), (std::vector<std::string>{"levels[0].fee.fixed", "overrides[0].reason"}))
      << describe(errors);
  EXPECT_FALSE(p.overridden("fee_on_first_level"));
}

TEST(PolicyValidate, AnOverrideOfAnUnknownRuleIsAnError) {
  Policy p = standard_like();
  p.overrides.push_back({"fee_above_material_costs", "typo"});
  p.overrides.push_back({"negative_amount", "structural rules cannot be overridden"});
  p.overrides.push_back({"", ""});
  const auto errors = validate(p);
  EXPECT_EQ(paths_of(errors), (std::vector<std::string>{"overrides[0].rule", "overrides[1].rule",
                                                        "overrides[2].rule", "overrides[2].reason"}))
      << describe(errors);
  EXPECT_NE(errors[0].message.find("known: fee_on_first_level, fee_above_material_cost"), std::string::npos)
      << errors[0].message;
}

// ---------------------------------------------------------------------------------------------
// validate(): structure

struct StructureCase {
  const char* what;
  std::function<void(Policy&)> change;
  std::vector<std::string> expected_paths;
};

TEST(PolicyValidate, StructuralErrorsNameTheFieldAndCannotBeOverridden) {
  const StructureCase cases[] = {
      {"no name", [](Policy& p) { p.name = " "; }, {"name"}},
      {"no levels", [](Policy& p) { p.levels.clear(); }, {"levels"}},
      {"a level without name", [](Policy& p) { p.levels[1].name.clear(); }, {"levels[1].name"}},
      {"a level without template",
       [](Policy& p) { p.levels[2].template_name.clear(); },
       {"levels[2].template"}},
      {"first level before the due date",
       [](Policy& p) { p.levels[0].days_after_due = -3; },
       {"levels[0].days_after_due"}},
      {"first level counting from a previous notice",
       [](Policy& p) { p.levels[0].days_after_previous = 5; },
       {"levels[0].days_after_previous"}},
      {"later level without days_after_previous",
       [](Policy& p) { p.levels[1].days_after_previous = 0; },
       {"levels[1].days_after_previous"}},
      {"later level counting from the due date",
       [](Policy& p) {
         p.levels[2].days_after_due = 42;
         p.levels[2].days_after_previous = 0;
       },
       {"levels[2].days_after_due", "levels[2].days_after_previous"}},
      {"no payment deadline", [](Policy& p) { p.levels[0].deadline_days = 0; }, {"levels[0].deadline_days"}},
      {"plan default level beyond the levels", [](Policy& p) { p.levels.resize(1); }, {"plan_default_level"}},
      {"negative fee", [](Policy& p) { p.levels[1].fee.fixed = eur("-0.76"); }, {"levels[1].fee.fixed"}},
      {"percentage above 100",
       [](Policy& p) { p.levels[1].fee = fee("0", 10001, "0", "0.50"); },
       {"levels[1].fee.percent"}},
      {"negative max", [](Policy& p) { p.levels[1].fee.max = eur("-1.00"); }, {"levels[1].fee.max"}},
      {"min above max",
       [](Policy& p) { p.levels[1].fee = fee("0", 100, "0.50", "0.30"); },
       {"levels[1].fee.min"}},
      {"fee in another currency",
       [](Policy& p) { p.levels[1].fee.fixed = Money(76, Currency::from_code("USD").value()); },
       {"levels[1].fee.fixed"}},
      {"negative min_amount", [](Policy& p) { p.min_amount = eur("-5.00"); }, {"min_amount"}},
      {"min_percent above 100", [](Policy& p) { p.min_percent_bp = 10001; }, {"min_percent"}},
      {"negative min_days_between_notices",
       [](Policy& p) { p.min_days_between_notices = -1; },
       {"min_days_between_notices"}},
      {"negative final_action_days", [](Policy& p) { p.final_action_days = -14; }, {"final_action_days"}},
      {"negative material cost",
       [](Policy& p) { p.material_cost_email = eur("-0.01"); },
       {"material_cost.email"}},
      {"negative receipt assumption",
       [](Policy& p) { p.claim.receipt_assumption_days = -1; },
       {"interest.receipt_assumption_days"}},
      {"unknown holiday region", [](Policy& p) { p.holiday_region = "DE-XX"; }, {"holiday_region"}},
  };
  for (const auto& c : cases) {
    Policy p = standard_like();
    c.change(p);
    for (const char* rule :
         {"fee_on_first_level", "fee_above_material_cost", "percent_fee_without_max", "flat_fee_twice"}) {
      p.overrides.push_back({rule, "every rule overridden: structure still counts"});
    }
    const auto errors = validate(p);
    EXPECT_EQ(paths_of(errors), c.expected_paths) << c.what << describe(errors);
    for (const auto& e : errors) EXPECT_EQ(e.kind, ErrorKind::kBadConfig) << c.what;
  }
}

TEST(PolicyValidate, ReportsEveryViolationInDocumentOrder) {
  Policy p = standard_like();
  p.name.clear();
  p.levels[0].fee = fee("1.00");  // first level and above the material cost
  p.levels[1].days_after_previous = 0;
  p.levels[2].flat_fee_b2b = true;
  p.overrides.push_back({"nope", "x"});
  const auto errors = validate(p);
  EXPECT_EQ(paths_of(errors), (std::vector<std::string>{"name", "levels[0].fee.fixed", "levels[0].fee.fixed",
                                                        "levels[1].days_after_previous",
                                                        "levels[2].flat_fee_b2b", "overrides[0].rule"}))
      << describe(errors);
}

TEST(PolicyValidate, MessagesExplainTheLaw) {
  Policy p = standard_like();
  p.levels[0].fee = fee("0.50");
  p.levels[1].fee = fee("2.50");
  p.levels[2].flat_fee_b2b = true;
  const auto errors = validate(p);
  ASSERT_EQ(errors.size(), 3u) << describe(errors);
  EXPECT_NE(errors[0].message.find("§ 286 I BGB"), std::string::npos) << errors[0].message;
  EXPECT_NE(errors[1].message.find("fixed fee 2.50 exceeds the material cost 0.76 of a notice by letter"),
            std::string::npos)
      << errors[1].message;
  EXPECT_NE(errors[1].message.find("VIII ZR 95/18"), std::string::npos);
  EXPECT_NE(errors[2].message.find("§ 288 V BGB"), std::string::npos) << errors[2].message;
}

}  // namespace
}  // namespace mahnwerk::core
