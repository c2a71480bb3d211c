// Canonical state JSON: a full document, and every kind of bad input with its context.
#include "adapters/jsonfile/state_json.h"

#include <gtest/gtest.h>

namespace mahnwerk::jsonfile {
namespace {

constexpr std::string_view kGood = R"({
  // comments and trailing commas are allowed
  "debtors": [
    {"id": "D1", "name": "Muster GmbH", "kind": "business", "email": "buchhaltung@muster.example",
     "address": {"street": "Hauptstr. 1", "zip": "10115", "city": "Berlin"}},
    {"id": "C1", "name": "Erika Mustermann", "kind": "consumer", "language": "de", "insolvent": false,
     "block_until": "2025-12-31", "block_reason": "Ratenzahlung vereinbart"},
  ],
  "items": [
    {"id": "i1", "number": "RE-2025-001", "debtor": "D1", "invoice_date": "2025-01-10",
     "due_date": "2025-02-09", "due_date_agreed": true, "amount": "1190.00", "open_amount": "590.00"},
    {"id": "i2", "debtor": "C1", "invoice_date": "2025-03-01", "amount": 99.5, "currency": "EUR",
     "consumer_notice": true, "received_date": "2025-03-04"},
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
  ASSERT_EQ(state->items.size(), 2u);
  EXPECT_EQ(state->items[0].open_amount.minor(), 59000);
  EXPECT_TRUE(state->items[0].due_date_agreed);
  EXPECT_EQ(state->items[1].number, "i2");  // defaults to the id
  EXPECT_EQ(state->items[1].amount.minor(), 9950);  // a JSON number, read without double
  EXPECT_EQ(state->items[1].open_amount.minor(), 9950);
  EXPECT_FALSE(state->items[1].due_date.has_value());
  ASSERT_EQ(state->payments.size(), 2u);
  EXPECT_EQ(state->payments[1].debtor, "C1");
  ASSERT_EQ(state->notices.size(), 1u);
  EXPECT_EQ(state->notices[0].level, 1);
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
      {R"({"payments": [{"date": "2025-02-03", "amount": "1"}]})", "S.json, payments[0].item", "names an item"},
      {R"({"payments": [{"item": "i", "date": "2025-02-03", "amount": "0.00"}]})", "S.json, payments[0].amount", "zero"},
      {R"({"items": {"id": "i"}})", "S.json, items", "expected an array"},
      {R"([1, 2])", "S.json", "top"},
      {R"({"notices": [{"item": "i", "level": 100, "date": "2025-02-03"}]})", "S.json, notices[0].level", "between"},
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

TEST(StateJson, MissingFileIsNotFound) {
  auto state = load_state("/nonexistent/state.json");
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.error().kind, core::ErrorKind::kNotFound);
  EXPECT_EQ(state.error().context, "/nonexistent/state.json");
}

}  // namespace
}  // namespace mahnwerk::jsonfile
