// Fault injection: the SPEC parser, deterministic firing, and every fault kind over real HTTPS —
// including the 504 after the write was committed, which a client must resolve through the
// invoice's related vouchers before it retries — and the admin endpoints.
#include <algorithm>
#include <chrono>

#include "tests/sim/faults.h"
#include "tests/sim/sim_test_util.h"

namespace mahnwerk::sim {
namespace {

using testing::Caller;
using testing::parse;
using testing::start;
using testing::text;

Data lex_data(int n = 300) {
  GenerateOptions g;
  g.system = System::kLexoffice;
  g.invoices = n;
  g.seed = 3;
  return generate(g);
}

const Invoice& open_invoice(const Data& data) {
  return *std::find_if(data.invoices.begin(), data.invoices.end(), [](const Invoice& i) {
    return i.status == "open" && i.type == "invoice" && !i.contact_id.empty();
  });
}

std::string dunning(const Invoice& inv) {
  return R"({"voucherDate":"2026-11-02T10:00:00.000+01:00","address":{"contactId":")" + inv.contact_id +
         R"("},"lineItems":[{"type":"text","name":"1. Mahnung","description":"Rechnung offen"}],)"
         R"("totalPrice":{"currency":"EUR"},"title":"Mahnung","remark":"mahnwerk:key-1"})";
}

TEST(SimFaults, SpecParsesAndBadRulesAreRefused) {
  const auto rules = parse_faults(
      " 504@dunnings:nth=1 ; 429@voucherlist:every=5,count=2;delay:ms=200;"
      "drop@payments:p=0.25,seed=9,commit=1;duplicate@voucherlist:nth=2;truncate;500");
  ASSERT_EQ(rules.size(), 7u);
  EXPECT_EQ(rules[0].kind, FaultKind::k504);
  EXPECT_EQ(rules[0].route, "dunnings");
  EXPECT_EQ(rules[0].nth, 1);
  EXPECT_EQ(rules[1].every, 5);
  EXPECT_EQ(rules[1].count, 2);
  EXPECT_EQ(rules[2].route, "any");
  EXPECT_EQ(rules[2].delay, std::chrono::milliseconds(200));
  EXPECT_EQ(rules[3].seed, 9u);
  EXPECT_TRUE(rules[3].commit);
  EXPECT_DOUBLE_EQ(rules[3].p, 0.25);
  EXPECT_TRUE(parse_faults("").empty());
  for (const char* bad :
       {"explode", "429@", "delay", "500:every=x", "500:p=2", "500:colour=red", "500:every"}) {
    EXPECT_THROW(parse_faults(bad), std::invalid_argument) << bad;
  }
}

TEST(SimFaults, FiringIsDeterministic) {
  auto rules = parse_faults("429@voucherlist:every=3,count=2;500@voucherlist:nth=4");
  std::vector<std::string> acts;
  for (int i = 0; i < 10; ++i) {
    const FaultDecision d = decide(rules, i % 2 == 0 ? "voucherlist" : "contacts");
    acts.push_back(d.act ? std::string(to_string(*d.act)) : "-");
  }
  // voucherlist requests are the even ones: its 3rd (i=4) fires 429, its 4th (i=6) 500, its 6th (i=10) — out
  // of range.
  EXPECT_EQ(acts, (std::vector<std::string>{"-", "-", "-", "-", "429", "-", "500", "-", "-", "-"}));

  auto a = parse_faults("drop:p=0.3,seed=42");
  auto b = parse_faults("drop:p=0.3,seed=42");
  int fired = 0;
  for (int i = 0; i < 200; ++i) {
    const bool x = decide(a, "r").act.has_value();
    EXPECT_EQ(x, decide(b, "r").act.has_value());
    fired += x;
  }
  EXPECT_GT(fired, 30);
  EXPECT_LT(fired, 90);
}

TEST(SimFaults, ReadFaultsOverTheWire) {
  auto sim = start(lex_data(),
                   "429@voucherlist:nth=1;500@voucherlist:nth=2;504@voucherlist:nth=3;"
                   "drop@voucherlist:nth=4;truncate@voucherlist:nth=5;delay@voucherlist:nth=6,ms=300");
  Caller c(*sim);
  const std::string list = "/voucherlist?voucherType=invoice&voucherStatus=open&size=50";
  const http::Outcome r429 = c.get(list);
  EXPECT_EQ(r429.response.status, 429);
  EXPECT_EQ(r429.response.body, R"({"message":"Too Many Requests"})");
  const http::Outcome r500 = c.get(list);
  EXPECT_EQ(r500.response.status, 500);
  EXPECT_EQ(text(parse(r500.response.body)["message"]), "Internal server error or rate limit exceeded");
  const http::Outcome r504 = c.get(list);
  EXPECT_EQ(r504.response.status, 504);
  EXPECT_EQ(r504.response.body, R"({"message":"Endpoint request timed out"})");
  // On a fresh connection each: the client would quietly repeat a GET whose pooled connection broke.
  const http::Outcome dropped = Caller(*sim).get(list);
  ASSERT_FALSE(dropped.ok());
  EXPECT_EQ(dropped.response.status, 0);
  const http::Outcome truncated = Caller(*sim).get(list);
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.response.status, 0);
  const auto t0 = std::chrono::steady_clock::now();
  const http::Outcome delayed = c.get(list);
  EXPECT_TRUE(delayed.ok());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(300));
  EXPECT_TRUE(c.get(list).ok());

  const RouteCounts counts = sim->counts("voucherlist");
  EXPECT_EQ(counts.total, 7);
  EXPECT_EQ(counts.by_status.at("429"), 1);
  EXPECT_EQ(counts.by_status.at("drop"), 1);
  EXPECT_EQ(counts.by_status.at("truncate"), 1);
  EXPECT_EQ(counts.by_status.at("200"), 2);
}

TEST(SimFaults, DuplicatePageRepeatsTheLastRecordOfThePreviousPage) {
  auto sim = start(lex_data(), "duplicate@voucherlist:nth=2");
  Caller c(*sim);
  const std::string list =
      "/voucherlist?voucherType=invoice&voucherStatus=open&sort=updatedDate,ASC&size=20&page=";
  const auto page0 = parse(c.get(list + "0").response.body);
  const auto page1 = parse(c.get(list + "1").response.body);
  EXPECT_EQ(text(page1["content"][0]["id"]), text(page0["content"][19]["id"]));
  const auto again = parse(c.get(list + "1").response.body);
  EXPECT_NE(text(again["content"][0]["id"]), text(page0["content"][19]["id"]));
  EXPECT_EQ(text(again["content"][1]["id"]), text(page1["content"][0 + 2]["id"]));
}

TEST(SimFaults, GatewayTimeoutAfterCommitLeavesTheDunningLinkedFromTheInvoice) {
  const Data data = lex_data();
  const Invoice& inv = open_invoice(data);
  auto sim =
      start(data, "504@dunnings:nth=1;500@dunnings:nth=2;drop@dunnings:nth=3,commit=1;drop@dunnings:nth=4");
  Caller c(*sim);
  const std::string target = "/dunnings?precedingSalesVoucherId=" + inv.id;
  const http::Outcome timed_out = c.post(target, dunning(inv));
  EXPECT_EQ(timed_out.response.status, 504);
  ASSERT_EQ(sim->created().size(), 1u);  // committed before the gateway gave up
  const auto invoice = parse(c.get("/invoices/" + inv.id).response.body);
  ASSERT_EQ(invoice["relatedVouchers"].Size(), 1u);
  const std::string id = text(invoice["relatedVouchers"][0]["id"]);
  const auto landed = parse(c.get("/dunnings/" + id).response.body);
  EXPECT_EQ(text(landed["remark"]), "mahnwerk:key-1");
  EXPECT_EQ(text(landed["lineItems"][0]["description"]), "Rechnung offen");

  EXPECT_EQ(c.post(target, dunning(inv)).response.status, 500);  // refused before the write
  EXPECT_EQ(sim->created().size(), 1u);
  EXPECT_FALSE(Caller(*sim).post(target, dunning(inv)).ok());  // dropped after the write
  EXPECT_EQ(sim->created().size(), 2u);
  EXPECT_FALSE(Caller(*sim).post(target, dunning(inv)).ok());  // dropped before the write
  EXPECT_EQ(sim->created().size(), 2u);
  EXPECT_EQ(c.post(target, dunning(inv)).response.status, 201);
  EXPECT_EQ(sim->created().size(), 3u);
}

TEST(SimFaults, SevdeskReminderTimeoutAfterCommitIsFoundByItsNote) {
  GenerateOptions g;
  g.system = System::kSevdesk;
  g.invoices = 100;
  const Data data = generate(g);
  const Invoice& inv = *std::find_if(data.invoices.begin(), data.invoices.end(),
                                     [](const Invoice& i) { return i.status == "200"; });
  auto sim = start(data, "504@createInvoiceReminder:nth=1");
  Caller c(*sim);
  const http::Outcome o = c.post(
      "/Invoice/Factory/createInvoiceReminder?invoice[id]=" + inv.id + "&invoice[objectName]=Invoice",
      R"({"invoice":{"id":)" + inv.id +
          R"(,"objectName":"Invoice"},"dunningLevel":2,"reminderCharge":5,"customerInternalNote":"mahnwerk:k7"})");
  EXPECT_EQ(o.response.status, 504);
  const auto found = parse(
      c.get("/Invoice?showMa=all&invoiceType=MA&customerIntenalNote=mahnwerk:k7&limit=1000").response.body);
  ASSERT_EQ(found["objects"].Size(), 1u);
  EXPECT_EQ(text(found["objects"][0]["dunningLevel"]), "2");
  EXPECT_EQ(text(found["objects"][0]["reminderCharge"]), "5");
  EXPECT_EQ(text(found["objects"][0]["customerInternalNote"]), "mahnwerk:k7");
  EXPECT_EQ(
      parse(c.get("/Invoice?showMa=all&customerIntenalNote=mahnwerk:other").response.body)["objects"].Size(),
      0u);
}

TEST(SimFaults, AdminEndpointsSetFaultsAndRateAndReportState) {
  const Data data = lex_data(50);
  auto sim = start(data);
  Caller c(*sim);
  EXPECT_EQ(c.post("/_sim/faults", "nonsense").response.status, 400);
  ASSERT_TRUE(c.post("/_sim/faults", "429@contacts:every=2").ok());
  EXPECT_EQ(c.get("/contacts").response.status, 200);
  EXPECT_EQ(c.get("/contacts").response.status, 429);
  const auto state = parse(c.get("/_sim/state").response.body);
  EXPECT_EQ(text(state["system"]), "lexoffice");
  EXPECT_EQ(text(state["requests"]["contacts"]["total"]), "2");
  EXPECT_EQ(text(state["requests"]["contacts"]["429"]), "1");
  EXPECT_EQ(text(state["faults"][0]["fired"]), "1");
  EXPECT_TRUE(state["dunnings"].IsArray());

  ASSERT_TRUE(c.post("/_sim/faults", "").ok());
  ASSERT_TRUE(c.post("/_sim/rate", R"({"per_second":1,"burst":1,"off":false})").ok());
  EXPECT_EQ(c.get("/contacts").response.status, 200);
  EXPECT_EQ(c.get("/contacts").response.status, 429);
  ASSERT_TRUE(c.post("/_sim/rate", R"({"off":true})").ok());
  EXPECT_EQ(c.get("/contacts").response.status, 200);

  // A payment booked behind the API's back: the open amount drops, the version and updatedDate move.
  const Invoice& inv = open_invoice(data);
  ASSERT_TRUE(c.post("/_sim/pay", R"({"invoice_id":")" + inv.id + R"(","amount":"1.00"})").ok());
  const auto payments = parse(c.get("/payments/" + inv.id).response.body);
  EXPECT_EQ(parse_cents(text(payments["openAmount"])), inv.open_cents - 100);
  EXPECT_EQ(text(parse(c.get("/invoices/" + inv.id).response.body)["version"]),
            std::to_string(inv.version + 1));
  ASSERT_TRUE(c.post("/_sim/reset", "").ok());
  EXPECT_EQ(sim->counts("contacts").total, 0);
}

}  // namespace
}  // namespace mahnwerk::sim
