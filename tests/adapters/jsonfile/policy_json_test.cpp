// Dunning policy files: the shipped config/policies/standard.json, defaults, and errors that
// name the file and the field (syntax, types, unknown names, validation).
#include "adapters/jsonfile/policy_json.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace mahnwerk::jsonfile {
namespace {

using core::Channel;
using core::ErrorKind;
using core::Money;
using core::Tone;

constexpr std::string_view kSource = "policy.json";

Money eur(std::string_view text) { return Money::parse(text).value(); }

std::string source_dir() {
  const char* dir = std::getenv("MAHNWERK_SOURCE_DIR");
  return dir == nullptr ? std::string() : std::string(dir);
}

core::Error parse_error(std::string_view json) {
  auto policy = parse_policy(json, kSource);
  EXPECT_FALSE(policy.ok()) << json;
  return policy.ok() ? core::Error{} : policy.error();
}

// A valid two-level policy; the arguments add members to level 0, level 1 and the top object.
std::string two_levels(std::string_view level0_extra, std::string_view level1_extra,
                       std::string_view top_extra = "") {
  return std::string(R"({"name": "T", "material_cost": {"letter": "0.76"}, "levels": [
      {"name": "Erinnerung", "days_after_due": 7, "template": "reminder")") +
         std::string(level0_extra) + R"(},
      {"name": "Mahnung", "days_after_previous": 14, "template": "mahnung")" +
         std::string(level1_extra) + "}]" + std::string(top_extra) + "}";
}

TEST(PolicyJson, LoadsTheShippedStandardPolicy) {
  ASSERT_FALSE(source_dir().empty()) << "MAHNWERK_SOURCE_DIR is not set";
  auto loaded = load_policy(source_dir() + "/config/policies/standard.json");
  ASSERT_TRUE(loaded.ok()) << loaded.error().to_string();
  const core::Policy& p = *loaded;
  EXPECT_EQ(p.name, "Standard");
  ASSERT_EQ(p.levels.size(), 3u);

  const auto& reminder = p.levels[0];
  EXPECT_EQ(reminder.name, "Zahlungserinnerung");
  EXPECT_EQ(reminder.days_after_due, 7);
  EXPECT_TRUE(reminder.fee.is_zero());
  EXPECT_FALSE(reminder.flat_fee_b2b);
  EXPECT_FALSE(reminder.interest);
  EXPECT_EQ(reminder.template_name, "reminder");
  EXPECT_EQ(reminder.tone, Tone::kFriendly);

  const auto& mahnung = p.levels[1];
  EXPECT_EQ(mahnung.name, "1. Mahnung");
  EXPECT_EQ(mahnung.days_after_previous, 14);
  EXPECT_EQ(mahnung.fee.fixed, eur("0.76"));
  EXPECT_EQ(mahnung.fee.basis, core::FeeBasis::kPerNotice);
  EXPECT_TRUE(mahnung.flat_fee_b2b);
  EXPECT_TRUE(mahnung.interest);
  EXPECT_EQ(mahnung.template_name, "mahnung");
  EXPECT_EQ(mahnung.tone, Tone::kFirm);
  EXPECT_FALSE(mahnung.announces_court);

  const auto& last = p.levels[2];
  EXPECT_EQ(last.name, "letzte Mahnung");
  EXPECT_EQ(last.days_after_previous, 14);
  EXPECT_EQ(last.fee.fixed, eur("0.76"));
  EXPECT_FALSE(last.flat_fee_b2b);
  EXPECT_TRUE(last.interest);
  EXPECT_EQ(last.template_name, "final_notice");
  EXPECT_EQ(last.tone, Tone::kFinal);
  EXPECT_TRUE(last.announces_court);

  for (const auto& level : p.levels) {
    EXPECT_EQ(level.channel, Channel::kLetter) << level.name;
    EXPECT_EQ(level.deadline_days, 14) << level.name;
    EXPECT_LE(level.fee.fixed, p.material_cost(level.channel)) << level.name;
  }
  EXPECT_EQ(p.min_amount, eur("5.00"));
  EXPECT_EQ(p.min_percent_bp, 0);
  EXPECT_EQ(p.min_days_between_notices, 7);
  EXPECT_FALSE(p.allow_skip_levels);
  EXPECT_EQ(p.final_action, core::FinalAction::kMahnbescheid);
  EXPECT_EQ(p.final_action_days, 14);
  EXPECT_EQ(p.material_cost_letter, eur("0.76"));
  EXPECT_EQ(p.material_cost_email, eur("0.00"));
  EXPECT_EQ(p.claim.convention, core::DayCount::kAct365);
  EXPECT_EQ(p.claim.receipt_assumption_days, 3);
  EXPECT_TRUE(p.claim.claim_flat_fee);
  EXPECT_EQ(p.holiday_region, "DE");
  EXPECT_TRUE(p.overrides.empty());
  EXPECT_TRUE(core::validate(p).empty());
}

TEST(PolicyJson, AbsentFieldsTakeTheDefaults) {
  auto p = parse_policy(R"({"name": "Minimal", "levels": [{"name": "Erinnerung", "days_after_due": 0,
                                                             "template": "reminder"}]})",
                        kSource);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  ASSERT_EQ(p->levels.size(), 1u);
  const auto& level = p->levels[0];
  EXPECT_TRUE(level.fee.is_zero());
  EXPECT_EQ(level.fee.basis, core::FeeBasis::kPerNotice);
  EXPECT_FALSE(level.fee.max.has_value());
  EXPECT_EQ(level.deadline_days, 14);
  EXPECT_EQ(level.channel, Channel::kLetter);
  EXPECT_EQ(level.tone, Tone::kFriendly);
  EXPECT_EQ(p->min_amount, eur("0.00"));
  EXPECT_EQ(p->min_days_between_notices, 7);
  EXPECT_EQ(p->final_action, core::FinalAction::kNone);
  EXPECT_EQ(p->material_cost_letter, eur("0.00"));
  EXPECT_EQ(p->claim.receipt_assumption_days, 3);
  EXPECT_EQ(p->holiday_region, "DE");
}

TEST(PolicyJson, ReadsEveryFieldNumbersAsText) {
  auto p = parse_policy(two_levels(R"(, "channel": "email", "tone": "friendly")",
                                   R"(, "fee": {"fixed": 0.10, "percent": "1.5", "min": "0.20", "max": 0.76,
                                        "basis": "per_notice"},
                                        "flat_fee_b2b": true, "interest": true, "deadline_days": 10,
                                        "channel": "source_system", "tone": "firm", "announces_court": true)",
                                   R"(, "currency": "EUR", "min_amount": 2.5, "min_percent": "0.25",
                                      "min_days_between_notices": 5, "allow_skip_levels": true,
                                      "final_action": "inkasso", "final_action_days": 21,
                                      "interest": {"convention": "30/360", "receipt_assumption_days": 4,
                                                   "claim_flat_fee": false},
                                      "holiday_region": "DE-BY",
                                      "overrides": [{"rule": "fee_above_material_cost",
                                                     "reason": "source system posts letters at 0.76"}])"),
                        kSource);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  const auto& fee = p->levels[1].fee;
  EXPECT_EQ(fee.fixed, eur("0.10"));
  EXPECT_EQ(fee.percent_bp, 150);
  EXPECT_EQ(fee.min, eur("0.20"));
  EXPECT_EQ(fee.max, eur("0.76"));
  EXPECT_EQ(p->levels[0].channel, Channel::kEmail);
  EXPECT_EQ(p->levels[1].channel, Channel::kSourceSystem);
  EXPECT_EQ(p->levels[1].tone, Tone::kFirm);
  EXPECT_EQ(p->levels[1].deadline_days, 10);
  EXPECT_TRUE(p->levels[1].announces_court);
  EXPECT_EQ(p->min_amount, eur("2.50"));
  EXPECT_EQ(p->min_percent_bp, 25);
  EXPECT_EQ(p->min_days_between_notices, 5);
  EXPECT_TRUE(p->allow_skip_levels);
  EXPECT_EQ(p->final_action, core::FinalAction::kInkasso);
  EXPECT_EQ(p->final_action_days, 21);
  EXPECT_EQ(p->claim.convention, core::DayCount::k30E360);
  EXPECT_EQ(p->claim.receipt_assumption_days, 4);
  EXPECT_FALSE(p->claim.claim_flat_fee);
  EXPECT_EQ(p->holiday_region, "DE-BY");
  ASSERT_EQ(p->overrides.size(), 1u);
  EXPECT_EQ(p->overrides[0].rule, "fee_above_material_cost");
}

TEST(PolicyJson, AmountsTakeThePolicyCurrency) {
  auto p = parse_policy(R"({"name": "CHF", "currency": "CHF", "min_amount": "5",
                            "material_cost": {"letter": "1.10"},
                            "levels": [{"name": "E", "days_after_due": 7, "template": "reminder"},
                                       {"name": "M", "days_after_previous": 14, "template": "mahnung",
                                        "fee": {"fixed": "1.10"}}]})",
                        kSource);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->levels[1].fee.fixed.currency().code(), "CHF");
  EXPECT_EQ(p->levels[0].fee.fixed.currency().code(), "CHF");
  EXPECT_EQ(p->material_cost_email.currency().code(), "CHF");
}

TEST(PolicyJson, NamesLineAndColumnOfASyntaxError) {
  const core::Error error = parse_error(
      "{\n"
      "  \"name\": \"T\",\n"
      "  \"levels\": [\n"
      "    {\"name\" \"Erinnerung\"}\n"
      "  ]\n"
      "}\n");
  EXPECT_EQ(error.kind, ErrorKind::kBadConfig);
  EXPECT_EQ(error.context, "policy.json, line 4, column 13");
  EXPECT_NE(error.message.find("malformed JSON"), std::string::npos) << error.message;
}

struct FieldCase {
  const char* what;
  std::string json;
  const char* context;
  const char* message_part;
};

TEST(PolicyJson, WrongTypesUnknownNamesAndFieldsNameThePath) {
  const FieldCase cases[] = {
      {"top level not an object", "[]", "policy.json", "expected a JSON object"},
      {"no name", R"({"levels": []})", "policy.json, name", "missing field"},
      {"levels not an array", R"({"name": "T", "levels": {}})", "policy.json, levels", "expected an array"},
      {"a level not an object", R"({"name": "T", "levels": [7]})", "policy.json, levels[0]",
       "expected an object"},
      {"fee amount of the wrong type", two_levels("", R"(, "fee": {"fixed": true})"),
       "policy.json, levels[1].fee.fixed", "expected an amount"},
      {"fee amount with three decimals", two_levels("", R"(, "fee": {"fixed": "0.765"})"),
       "policy.json, levels[1].fee.fixed", "not an amount"},
      {"negative fee", two_levels("", R"(, "fee": {"fixed": "-0.76"})"), "policy.json, levels[1].fee.fixed",
       "negative amount"},
      {"fee not an object", two_levels("", R"(, "fee": "0.76")"), "policy.json, levels[1].fee",
       "expected an object"},
      {"bool as a string", two_levels("", R"(, "interest": "yes")"), "policy.json, levels[1].interest",
       "expected true or false"},
      {"days as a word", two_levels("", R"(, "deadline_days": "vierzehn")"),
       "policy.json, levels[1].deadline_days", "expected a whole number"},
      {"negative days", two_levels(R"(, "deadline_days": -1)", ""), "policy.json, levels[0].deadline_days",
       "must be between"},
      {"percent not a number", two_levels("", R"(, "fee": {"percent": "1,5", "max": "0.76"})"),
       "policy.json, levels[1].fee.percent", "not a percentage"},
      {"negative percent", two_levels("", "", R"(, "min_percent": "-1")"), "policy.json, min_percent",
       "negative percentage"},
      {"unknown channel", two_levels("", R"(, "channel": "fax")"), "policy.json, levels[1].channel",
       "unknown channel \"fax\" (expected letter, email or source_system)"},
      {"unknown tone", two_levels(R"(, "tone": "angry")", ""), "policy.json, levels[0].tone", "unknown tone"},
      {"unknown fee basis", two_levels("", R"(, "fee": {"basis": "per_letter"})"),
       "policy.json, levels[1].fee.basis", "unknown fee basis"},
      {"unknown final action", two_levels("", "", R"(, "final_action": "klage")"),
       "policy.json, final_action", "unknown final action \"klage\""},
      {"unknown day count", two_levels("", "", R"(, "interest": {"convention": "act/999"})"),
       "policy.json, interest.convention", "unknown day-count convention"},
      {"unknown currency", two_levels("", "", R"(, "currency": "EURO")"), "policy.json, currency", ""},
      {"misspelt level field", two_levels("", R"(, "flat_fee_b2c": true)"),
       "policy.json, levels[1].flat_fee_b2c", "unknown field (expected one of: name, days_after_due"},
      {"misspelt top field", two_levels("", "", R"(, "min_ammount": "5.00")"), "policy.json, min_ammount",
       "unknown field"},
      {"statutory rate not configurable", two_levels("", "", R"(, "interest": {"pp_business": 9})"),
       "policy.json, interest.pp_business", "unknown field"},
      {"misspelt material cost",
       R"({"name": "T", "material_cost": {"post": "0.76"},
           "levels": [{"name": "E", "days_after_due": 7, "template": "reminder"}]})",
       "policy.json, material_cost.post", "unknown field (expected one of: letter, email)"},
      {"a field given twice", two_levels("", "", R"(, "material_cost": {"letter": "5.00"})"),
       "policy.json, material_cost", "field given twice"},
      {"a level field given twice", two_levels("", R"(, "flat_fee_b2b": true, "flat_fee_b2b": false)"),
       "policy.json, levels[1].flat_fee_b2b", "field given twice"},
      {"override without rule", two_levels("", "", R"(, "overrides": [{"reason": "x"}])"),
       "policy.json, overrides[0].rule", "missing field"},
      {"first level counted from a previous notice", two_levels(R"(, "days_after_previous": 3)", ""),
       "policy.json, levels[0].days_after_previous", "the first level is triggered by days_after_due"},
      {"later level counted from the due date", two_levels("", R"(, "days_after_due": 21)"),
       "policy.json, levels[1].days_after_due", "a later level is triggered by days_after_previous"},
      {"first level without trigger", R"({"name": "T", "levels": [{"name": "E", "template": "reminder"}]})",
       "policy.json, levels[0].days_after_due", "missing field"},
      {"later level without trigger",
       R"({"name": "T", "levels": [{"name": "E", "days_after_due": 7, "template": "reminder"},
                                   {"name": "M", "template": "mahnung"}]})",
       "policy.json, levels[1].days_after_previous", "missing field"},
      {"level without template", R"({"name": "T", "levels": [{"name": "E", "days_after_due": 7}]})",
       "policy.json, levels[0].template", "missing field"},
  };
  for (const auto& c : cases) {
    const core::Error error = parse_error(c.json);
    EXPECT_EQ(error.kind, ErrorKind::kBadConfig) << c.what;
    EXPECT_EQ(error.context, c.context) << c.what << ": " << error.to_string();
    EXPECT_NE(error.message.find(c.message_part), std::string::npos) << c.what << ": " << error.message;
  }
}

TEST(PolicyJson, RefusesAPolicyThatBreaksALawfulFeeRule) {
  const core::Error error = parse_error(two_levels(R"(, "fee": {"fixed": "0.76"})", ""));
  EXPECT_EQ(error.kind, ErrorKind::kBadConfig);
  EXPECT_EQ(error.context, "policy.json, levels[0].fee.fixed");
  EXPECT_NE(error.message.find("[rule fee_on_first_level;"), std::string::npos) << error.message;
}

TEST(PolicyJson, AcceptsTheSameViolationOverriddenWithAReason) {
  auto p = parse_policy(two_levels(R"(, "fee": {"fixed": "0.76"})", "",
                                   R"json(, "overrides": [{"rule": "fee_on_first_level",
                                         "reason": "all invoices carry an agreed calendar date (§ 286 II Nr. 1)"}])json"),
                        kSource);
  ASSERT_TRUE(p.ok()) << p.error().to_string();
  EXPECT_EQ(p->levels[0].fee.fixed, eur("0.76"));
  EXPECT_TRUE(p->overridden("fee_on_first_level"));
}

TEST(PolicyJson, ReportsAllViolationsTogetherOnePerLine) {
  const core::Error error =
      parse_error(two_levels(R"(, "fee": {"fixed": "0.76"})", R"(, "fee": {"fixed": "2.50"})",
                             R"(, "overrides": [{"rule": "fee_on_first_level"}])"));
  EXPECT_EQ(error.kind, ErrorKind::kBadConfig);
  EXPECT_EQ(error.context, "policy.json");
  const std::string& m = error.message;
  EXPECT_EQ(m.substr(0, m.find('\n')), "3 problems:");
  EXPECT_NE(m.find("\nlevels[0].fee.fixed: a fee on the first notice is unlawful"), std::string::npos) << m;
  EXPECT_NE(m.find("\nlevels[1].fee.fixed: fixed fee 2.50 exceeds the material cost 0.76"), std::string::npos)
      << m;
  EXPECT_NE(m.find("\noverrides[0].reason: an override needs a reason"), std::string::npos) << m;
}

TEST(PolicyJson, AMissingFileIsNotFound) {
  auto p = load_policy("/nonexistent/mahnwerk/policy.json");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(p.error().context, "/nonexistent/mahnwerk/policy.json");
}

}  // namespace
}  // namespace mahnwerk::jsonfile
