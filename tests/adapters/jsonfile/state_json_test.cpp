// Canonical state JSON: a full document, and every kind of bad input with its context.
#include "adapters/jsonfile/state_json.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "adapters/jsonfile/state_writer.h"

namespace mahnwerk::jsonfile {
namespace {

constexpr std::string_view kGood = R"({
  // comments and trailing commas are allowed
  "debtors": [
    {"id": "D1", "name": "Muster GmbH", "kind": "business", "email": "buchhaltung@muster.example",
     "address": {"street": "Hauptstr. 1", "zip": "10115", "city": "Berlin"}, "agreed_interest_rate": "12.5"},
    {"id": "C1", "name": "Erika Mustermann", "kind": "consumer", "language": "de", "insolvent": false,
     "block_until": "2025-12-31", "block_reason": "Ratenzahlung vereinbart"},
  ],
  "items": [
    {"id": "i1", "number": "RE-2025-001", "debtor": "D1", "invoice_date": "2025-01-10",
     "due_date": "2025-02-09", "due_date_agreed": true, "amount": "1190.00", "open_amount": "590.00"},
    {"id": "i2", "debtor": "C1", "invoice_date": "2025-03-01", "amount": 99.5, "currency": "EUR",
     "consumer_notice": true, "received_date": "2025-03-04", "interest_blocked": true},
  ],
  "payments": [
    {"item": "i1", "date": "2025-03-01", "amount": "600.00", "reference": "Überweisung"},
    {"debtor": "C1", "date": "2025-04-01", "amount": "10.00"},
  ],
  "notices": [{"item": "i2", "level": 1, "date": "2025-04-10"}],
})";

TEST(StateJson, ParsesACompleteDocument) {
  auto state = parse_state(kGood, "STATE.json");
  ASSERT_TRUE(state.ok()) << state.error().to_string();
  ASSERT_EQ(state->debtors.size(), 2u);
  EXPECT_EQ(state->debtors[0].address.city, "Berlin");
  EXPECT_EQ(state->debtors[0].address.country, "DE");
  EXPECT_EQ(state->debtors[1].kind, core::DebtorKind::kConsumer);
  EXPECT_EQ(state->debtors[1].block_until, core::make_date(2025, 12, 31));
  EXPECT_EQ(state->debtors[0].agreed_interest_bp, 1250);  // § 288 III BGB, p.a.
  EXPECT_EQ(state->debtors[1].agreed_interest_bp, std::nullopt);
  ASSERT_EQ(state->items.size(), 2u);
  EXPECT_FALSE(state->items[0].interest_blocked);
  EXPECT_TRUE(state->items[1].interest_blocked);  // Zinssperre
  EXPECT_EQ(state->items[0].open_amount.minor(), 59000);
  EXPECT_TRUE(state->items[0].due_date_agreed);
  EXPECT_EQ(state->items[1].number, "i2");          // defaults to the id
  EXPECT_EQ(state->items[1].amount.minor(), 9950);  // a JSON number, read without double
  EXPECT_EQ(state->items[1].open_amount.minor(), 9950);
  EXPECT_FALSE(state->items[1].due_date.has_value());
  ASSERT_EQ(state->payments.size(), 2u);
  EXPECT_EQ(state->payments[1].debtor, "C1");
  ASSERT_EQ(state->notices.size(), 1u);
  EXPECT_EQ(state->notices[0].level, 1);
}

constexpr std::string_view kWithPlans = R"({
  "creditor": {"name": "Beispiel GmbH", "address": {"street": "Ring 2", "zip": "80331", "city": "München"},
               "email": "forderungen@beispiel.example", "phone": "+49 89 123456",
               "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX", "bank": "Commerzbank",
               "vat_id": "DE123456789"},
  "charges": [
    {"item": "i1", "kind": "fee", "level": 1, "amount": "2.50", "date": "2025-03-01"},
    {"item": "i1", "kind": "flat_fee", "amount": "40.00", "date": "2025-03-01"},
  ],
  "plans": [
    {"id": "P1", "debtor": "D1", "items": ["i1", "i2"], "agreed_on": "2025-04-01",
     "principal": "1000.00", "costs": "42.50", "interest": "25.00", "plan_interest_rate": "4.5",
     "plan_interest": "7.50", "total": "1075.00", "interval": "biweekly",
     "installments": [{"due": "2025-04-15", "amount": "537.50", "paid": "537.50"},
                      {"due": "2025-04-29", "amount": "537.50"}],
     "default_after_missed": 3, "grace_days": 0, "final_notice_date": "2025-05-10", "status": "defaulted"},
    {"id": "P2", "debtor": "D1", "items": ["i3"], "agreed_on": "2025-04-01", "principal": "10.00",
     "installments": [{"due": "2025-05-02", "amount": "10.00"}]},
  ],
})";

TEST(StateJson, ParsesPlansChargesAndTheCreditor) {
  auto state = parse_state(kWithPlans, "STATE.json");
  ASSERT_TRUE(state.ok()) << state.error().to_string();
  const core::Creditor& c = state->creditor;
  EXPECT_EQ(c.name, "Beispiel GmbH");
  EXPECT_EQ(c.address.city, "München");
  EXPECT_EQ(c.address.country, "DE");
  EXPECT_EQ(c.iban, "DE89 3704 0044 0532 0130 00");
  EXPECT_EQ(c.bic, "COBADEFFXXX");
  EXPECT_EQ(c.vat_id, "DE123456789");

  ASSERT_EQ(state->charges.size(), 2u);
  EXPECT_EQ(state->charges[0].kind, core::ChargeKind::kFee);
  EXPECT_EQ(state->charges[0].level, 1);
  EXPECT_EQ(state->charges[0].amount.minor(), 250);
  EXPECT_EQ(state->charges[1].kind, core::ChargeKind::kFlatFee);
  EXPECT_EQ(state->charges[1].level, 0);

  ASSERT_EQ(state->plans.size(), 2u);
  const core::PaymentPlan& p = state->plans[0];
  EXPECT_EQ(p.items, (std::vector<std::string>{"i1", "i2"}));
  EXPECT_EQ(p.agreed_on, core::make_date(2025, 4, 1));
  EXPECT_EQ(p.costs.minor(), 4250);
  EXPECT_EQ(p.plan_interest_bp, 450);
  EXPECT_EQ(p.total.minor(), 107500);
  EXPECT_EQ(p.interval, core::PlanInterval::kBiweekly);
  ASSERT_EQ(p.installments.size(), 2u);
  EXPECT_EQ(p.installments[0].paid.minor(), 53750);
  EXPECT_EQ(p.installments[1].paid.minor(), 0);
  EXPECT_EQ(p.default_after_missed, 3);
  EXPECT_EQ(p.grace_days, 0);
  EXPECT_EQ(p.final_notice_date, core::make_date(2025, 5, 10));
  EXPECT_EQ(p.status, core::PlanStatus::kDefaulted);
  // Defaults: total computed, monthly, two missed, seven grace days, active.
  const core::PaymentPlan& q = state->plans[1];
  EXPECT_EQ(q.total.minor(), 1000);
  EXPECT_EQ(q.interval, core::PlanInterval::kMonthly);
  EXPECT_EQ(q.default_after_missed, 2);
  EXPECT_EQ(q.grace_days, 7);
  EXPECT_FALSE(q.final_notice_date.has_value());
  EXPECT_EQ(q.status, core::PlanStatus::kActive);
}

struct BadCase {
  const char* json;
  const char* context;
  const char* message_part;
};

TEST(StateJson, BadInputNamesSourceAndField) {
  const BadCase cases[] = {
      {R"({"items": [)", "S.json, line 1, column 12", "malformed JSON"},
      {R"({"debtors": [{"id": "D1"}]})", "S.json, debtors[0].kind", "missing field"},
      {R"({"debtors": [{"id": "D1", "kind": "alien"}]})", "S.json, debtors[0].kind", "alien"},
      {R"({"items": [{"id": "i", "debtor": "D", "invoice_date": "2025-02-30", "amount": "1.00"}]})",
       "S.json, items[0].invoice_date", "not a date"},
      {R"({"items": [{"id": "i", "debtor": "D", "invoice_date": "2025-02-03", "amount": "-1.00"}]})",
       "S.json, items[0].amount", "negative"},
      {R"({"items": [{"id": "i", "debtor": "D", "invoice_date": "2025-02-03", "amount": "1.00", "currency": "XXX"}]})",
       "S.json, items[0].currency", "unknown currency"},
      {R"({"items": [{"id": "i", "debtor": "D", "invoice_date": "2025-02-03", "amount": "1.001"}]})",
       "S.json, items[0].amount", "decimals"},
      {R"({"items": [{"id": "i", "debtor": "D", "invoice_date": "2025-02-03", "amount": "1.00", "open_amount": "2.00"}]})",
       "S.json, items[0].open_amount", "exceeds"},
      {R"({"items": [{"id": "i", "debtor": "D", "invoice_date": "2025-02-03", "due_date": "2025-01-01", "amount": "1"}]})",
       "S.json, items[0].due_date", "before the invoice date"},
      {R"({"items": [{"id": "i", "debtor": "D", "invoice_date": "2025-02-03", "amount": "1"},
                     {"id": "i", "debtor": "D", "invoice_date": "2025-02-03", "amount": "1"}]})",
       "S.json, items[1].id", "duplicate"},
      {R"({"payments": [{"date": "2025-02-03", "amount": "1"}]})", "S.json, payments[0].item",
       "names an item"},
      {R"({"payments": [{"item": "i", "date": "2025-02-03", "amount": "0.00"}]})",
       "S.json, payments[0].amount", "zero"},
      {R"({"items": {"id": "i"}})", "S.json, items", "expected an array"},
      {R"([1, 2])", "S.json", "top"},
      {R"({"notices": [{"item": "i", "level": 100, "date": "2025-02-03"}]})", "S.json, notices[0].level",
       "between"},
      {R"({"charges": [{"item": "i", "kind": "penalty", "amount": "5", "date": "2025-02-03"}]})",
       "S.json, charges[0].kind", "unknown charge kind"},
      {R"({"creditor": {"iban": "DE89 3704 0044 0532 0130 01"}})", "S.json, creditor.iban",
       "not a valid IBAN"},
      {R"({"plans": [{"id": "P", "debtor": "D", "items": ["i"], "agreed_on": "2025-01-01", "principal": "100.00",
                      "total": "90.00", "installments": [{"due": "2025-02-01", "amount": "90.00"}]}]})",
       "S.json, plans[0].total", "differs"},
      {R"({"plans": [{"id": "P", "debtor": "D", "items": ["i"], "agreed_on": "2025-01-01", "principal": "100.00",
                      "installments": [{"due": "2025-02-01", "amount": "60.00"}, {"due": "2025-03-01", "amount": "30.00"}]}]})",
       "S.json, plans[0].installments", "add up to 90.00"},
      {R"({"plans": [{"id": "P", "debtor": "D", "items": ["i"], "agreed_on": "2025-01-01", "principal": "100.00",
                      "installments": [{"due": "2025-02-01", "amount": "50.00"}, {"due": "2025-02-01", "amount": "50.00"}]}]})",
       "S.json, plans[0].installments[1].due", "does not follow"},
      {R"({"plans": [{"id": "P", "debtor": "D", "items": ["i"], "agreed_on": "2025-01-01", "principal": "10.00",
                      "installments": [{"due": "2025-02-01", "amount": "10.00", "paid": "11.00"}]}]})",
       "S.json, plans[0].installments[0].paid", "exceeds"},
      {R"({"plans": [{"id": "P", "debtor": "D", "items": [], "agreed_on": "2025-01-01", "principal": "10.00",
                      "installments": [{"due": "2025-02-01", "amount": "10.00"}]}]})",
       "S.json, plans[0].items", "at least one item"},
      {R"({"plans": [{"id": "P", "debtor": "D", "items": ["i"], "agreed_on": "2025-01-01", "principal": "10.00",
                      "status": "paused", "installments": [{"due": "2025-02-01", "amount": "10.00"}]}]})",
       "S.json, plans[0].status", "unknown plan status"},
      {R"({"plans": [{"id": "P", "debtor": "D", "items": ["i"], "agreed_on": "2025-01-01", "principal": "10.00",
                      "plan_interest_rate": "4.555", "installments": [{"due": "2025-02-01", "amount": "10.00"}]}]})",
       "S.json, plans[0].plan_interest_rate", "more than two decimals"},
      {R"({"debtors": [{"id": "D1", "kind": "business", "agreed_interest_rate": "-1.00"}]})",
       "S.json, debtors[0].agreed_interest_rate", "negative"},
      {R"({"debtors": [{"id": "D1", "kind": "business", "agreed_interest_rate": true}]})",
       "S.json, debtors[0].agreed_interest_rate", "expected a percentage"},
      {R"({"debtors": [{"id": "D1", "kind": "business", "agreed_interest_rate": "zwölf"}]})",
       "S.json, debtors[0].agreed_interest_rate", ""},
      {R"({"items": [{"id": "i", "debtor": "D", "invoice_date": "2025-02-03", "amount": "1", "interest_blocked": 1}]})",
       "S.json, items[0].interest_blocked", ""},
      {R"({"debtors": [{"id": "D1", "kind": "business"}, {"id": "D2", "kind": "business", "dunning_settings": true}]})",
       "S.json, debtors[1].dunning_settings", ""},
  };
  for (const auto& c : cases) {
    auto state = parse_state(c.json, "S.json");
    ASSERT_FALSE(state.ok()) << c.json;
    EXPECT_EQ(state.error().kind, core::ErrorKind::kInvalidInput) << c.json;
    EXPECT_EQ(state.error().context, c.context) << c.json;
    EXPECT_NE(state.error().message.find(c.message_part), std::string::npos)
        << c.json << " -> " << state.error().message;
  }
}

TEST(StateJson, ReadsTheDebtorsOwnDunningSettingsBesideTheState) {
  const char* json = R"({"debtors": [
      {"id": "10100", "kind": "consumer"},
      {"id": "10200", "kind": "consumer", "dunning_settings": "fee=own;fee2=0.50 EUR"},
      {"id": "10300", "kind": "consumer", "block_until": "9999-12-31", "dunning_settings": "mahnung=9"},
      {"id": "10400", "kind": "consumer", "dunning_settings": ""}]})";
  auto document = parse_state_document(json, "S.json");
  ASSERT_TRUE(document.ok()) << document.error().to_string();
  ASSERT_EQ(document->state.debtors.size(), 4u);
  ASSERT_EQ(document->debtor_settings.size(), 2u);  // an empty text is none
  EXPECT_EQ(document->debtor_settings[0].debtor, "10200");
  EXPECT_EQ(document->debtor_settings[0].settings, "fee=own;fee2=0.50 EUR");
  EXPECT_EQ(document->debtor_settings[1].debtor, "10300");
  EXPECT_EQ(document->debtor_settings[1].settings, "mahnung=9");
  // parse_state() reads the same document and leaves the settings out.
  auto state = parse_state(json, "S.json");
  ASSERT_TRUE(state.ok()) << state.error().to_string();
  EXPECT_EQ(state->debtors.size(), 4u);
}

TEST(StateJson, MissingFileIsNotFound) {
  auto state = load_state("/nonexistent/state.json");
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.error().kind, core::ErrorKind::kNotFound);
  EXPECT_EQ(state.error().context, "/nonexistent/state.json");
}

}  // namespace
}  // namespace mahnwerk::jsonfile

namespace mahnwerk::jsonfile {
namespace {

// The reader streams record by record; these pin its handling of the document's shape.
TEST(StateJsonStreaming, SkipsUnknownMembersAndTakesNullAsAbsent) {
  auto state = parse_state(R"({"exported_by": {"tool": "x", "nested": [[1, {"a": [2]}], {}]}, "items": null,
                               "debtors": [{"id": "D", "kind": "business"}], "version": 3, "notes": []})",
                           "S.json");
  ASSERT_TRUE(state.ok()) << state.error().to_string();
  EXPECT_EQ(state->debtors.size(), 1u);
  EXPECT_TRUE(state->items.empty());
}

TEST(StateJsonStreaming, RefusesShapesTheFormatDoesNotHave) {
  const struct {
    const char* json;
    const char* context;
    const char* message_part;
  } cases[] = {
      {R"({"debtors": [], "debtors": []})", "S.json, debtors", "given twice"},
      {R"({"creditor": [1]})", "S.json, creditor", "expected an object"},
      {R"({"items": 5})", "S.json, items", "expected an array"},
      {R"({"items": [5]})", "S.json, items[0]", "expected an object"},
      {R"(5)", "S.json", "top"},
      {"{\"debtors\": [\n  {\"id\": \"D\", \"kind\": \"business\"},\n  {\"id\": }\n]}",
       "S.json, line 3, column 10", "malformed JSON"},
  };
  for (const auto& c : cases) {
    auto state = parse_state(c.json, "S.json");
    ASSERT_FALSE(state.ok()) << c.json;
    EXPECT_EQ(state.error().context, c.context) << c.json << " -> " << state.error().to_string();
    EXPECT_NE(state.error().message.find(c.message_part), std::string::npos) << state.error().message;
  }
}

}  // namespace
}  // namespace mahnwerk::jsonfile

namespace mahnwerk::jsonfile {
namespace {

// A file is mapped and read as one string; the state and every error (line and column
// included) must be exactly those of reading the same text through a stream (parse_state).
std::string large_state(int items, const char* separator) {
  std::string text =
      "{\"debtors\":[{\"id\":\"D0\",\"kind\":\"business\"},{\"id\":\"D1\",\"kind\":\"consumer\"}],";
  text += "\"items\":[";
  for (int i = 0; i < items; ++i) {
    if (i > 0) text += separator;
    const std::string id = "I" + std::to_string(i);
    text += "{\"id\":\"" + id + "\",\"number\":\"RE-" + id + "\",\"debtor\":\"D" + std::to_string(i % 2) +
            "\",\"invoice_date\":\"2025-0" + std::to_string(1 + i % 9) + "-1" + std::to_string(i % 10) +
            "\",\"due_date\":\"2025-10-01\",\"amount\":\"" + std::to_string(100 + i) +
            ".50\",\"source_version\":\"v-" + std::string(80, 'x') + "\"}";
  }
  text += "],\"payments\":[{\"item\":\"I7\",\"date\":\"2025-11-02\",\"amount\":\"10.00\"}],";
  text += "\"notices\":[{\"item\":\"I3\",\"level\":0,\"date\":\"2025-10-20\"}],";
  text += "\"creditor\":{\"name\":\"Gläubiger GmbH\"}}";
  return text;
}

std::string canonical(const core::State& state) {
  std::ostringstream out;
  write_state(out, state);
  return out.str();
}

void expect_as_one_part(const std::string& text, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_GE(text.size(), std::size_t{1} << 20);
  // One file per test: ctest runs the tests of this binary in parallel, and truncating a file
  // another test has mapped would kill that test with SIGBUS.
  const std::string path = testing::TempDir() + "/mahnwerk_large_state_" +
                           testing::UnitTest::GetInstance()->current_test_info()->name() + ".json";
  {
    std::ofstream file(path, std::ios::binary);
    file << text;
  }
  const auto from_file = load_state(path);
  const auto one_part = parse_state(text, path);
  std::remove(path.c_str());
  ASSERT_EQ(from_file.ok(), one_part.ok())
      << (one_part.ok() ? from_file.error() : one_part.error()).to_string();
  if (one_part.ok()) {
    EXPECT_EQ(canonical(*from_file), canonical(*one_part));
  } else {
    EXPECT_EQ(from_file.error().to_string(), one_part.error().to_string());
    EXPECT_EQ(from_file.error().kind, one_part.error().kind);
  }
}

TEST(StateJsonLargeFile, ReadsAsInOnePart) {
  const std::string text = large_state(5000, ",");
  expect_as_one_part(text, "compact");
  expect_as_one_part(large_state(5000, ",\n    "), "one item per line");
  auto state = load_state("/dev/null");  // not a regular file with content: read as a stream
  EXPECT_FALSE(state.ok());
}

TEST(StateJsonLargeFile, ErrorsAreThoseOfOnePart) {
  const std::string text = large_state(5000, ",");
  const auto replaced = [&](const std::string& from, const std::string& to) {
    std::string changed = text;
    const std::size_t at = changed.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return changed.replace(at, from.size(), to);
  };
  expect_as_one_part(replaced("\"RE-I4999\",\"debtor\":\"D1\",\"invoice_date\":\"2025-0",
                              "\"RE-I4999\",\"debtor\":\"D1\",\"invoice_date\":\"2025-1"),
                     "a bad date in the last item");
  expect_as_one_part(replaced("{\"id\":\"I4998\"", "{\"id\":\"I1\""), "a repeated id in the second half");
  expect_as_one_part(replaced("\"payments\":[", "\"debtors\":[],\"payments\":["), "a member given twice");
  expect_as_one_part(replaced("\"notices\":[{", "\"notices\":[\n{\n,"), "a syntax error near the end");
  expect_as_one_part(replaced("\"RE-I2500\"", "\"RE-I2500},{\\\"id\\\":\""), "a record start in a string");
  {
    // A record in a comment, just where the reader looks for a place to split the file.
    std::string commented = text;
    const std::size_t at = commented.find("},{\"id\":", commented.size() / 2) + 2;
    commented.insert(
        at, "// },{\"id\":\"X\",\"debtor\":\"D0\",\"invoice_date\":\"2025-01-01\",\"amount\":\"1.00\"}\n");
    expect_as_one_part(commented, "a record in a comment");
  }
  expect_as_one_part(replaced("\"RE-I2500\"", "\"RE-I2500 // \""), "a comment sign in a string");
  expect_as_one_part(text + "  // trailing comment\n", "a trailing comment");
  expect_as_one_part(text + "{}", "a second document");
}

}  // namespace
}  // namespace mahnwerk::jsonfile
