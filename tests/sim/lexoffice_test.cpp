// The lexoffice simulator over real HTTPS: the voucherlist's paging, filters, sort and
// 10,000-result window, the token bucket, the error envelopes, payments, contacts with
// optimistic locking, and dunnings created as drafts and linked from their invoice.
#include <algorithm>
#include <set>
#include <thread>

#include "tests/sim/sim_test_util.h"

namespace mahnwerk::sim {
namespace {

using testing::Caller;
using testing::parse;
using testing::start;
using testing::text;

Data small_data(int invoices = 600) {
  GenerateOptions g;
  g.system = System::kLexoffice;
  g.invoices = invoices;
  g.seed = 7;
  g.today = "2026-11-02";
  return generate(g);
}

std::string dunning_body(const Invoice& inv,
                         const std::string& voucher_date = "2026-11-02T10:00:00.000+01:00") {
  return R"({"voucherDate":")" + voucher_date + R"(","address":{"contactId":")" + inv.contact_id +
         R"("},"lineItems":[{"type":"custom","name":"Mahngebühr","quantity":1,"unitName":"Stück",)"
         R"("unitPrice":{"currency":"EUR","netAmount":5.00,"grossAmount":5.00,"taxRatePercentage":0}},)"
         R"({"type":"custom","name":"Verzugszinsen","quantity":1,"unitName":"Stück",)"
         R"("unitPrice":{"currency":"EUR","netAmount":"12.34","grossAmount":"12.34","taxRatePercentage":0}}],)"
         R"("totalPrice":{"currency":"EUR"},"taxConditions":{"taxType":")" +
         inv.tax_type + R"("},"title":"Mahnung"})";
}

const Invoice& first_open(const Data& data) {
  return *std::find_if(data.invoices.begin(), data.invoices.end(), [](const Invoice& i) {
    return i.status == "open" && i.type == "invoice" && !i.contact_id.empty();
  });
}

TEST(LexofficeSim, VoucherlistPagesThroughEveryOpenItemSortedByUpdatedDate) {
  const Data data = small_data();
  std::set<std::string> expected;
  for (const Invoice& i : data.invoices) {
    if (i.status == "open" && (i.type == "invoice" || i.type == "salesinvoice")) expected.insert(i.id);
  }
  auto sim = start(data);
  Caller c(*sim);
  std::vector<std::string> seen;
  std::int64_t last_updated = INT64_MIN;
  for (int page = 0;; ++page) {
    const http::Outcome o = c.get(
        "/voucherlist?voucherType=invoice,salesinvoice&voucherStatus=open&sort=updatedDate,ASC"
        "&size=100&page=" +
        std::to_string(page));
    ASSERT_TRUE(o.ok()) << o.response.body;
    const auto doc = parse(o.response.body);
    EXPECT_EQ(text(doc["number"]), std::to_string(page));
    for (const auto& row : doc["content"].GetArray()) {
      seen.push_back(text(row["id"]));
      const std::int64_t updated = parse_instant_ms(text(row["updatedDate"]));
      EXPECT_GE(updated, last_updated);
      last_updated = updated;
      const std::string status = text(row["voucherStatus"]);
      EXPECT_TRUE(status == "open" || status == "overdue") << status;
    }
    EXPECT_EQ(text(doc["totalElements"]), std::to_string(expected.size()));
    if (text(doc["last"]) == "true") break;
    ASSERT_LT(page, 50);
  }
  EXPECT_EQ(seen.size(), expected.size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), expected);
}

TEST(LexofficeSim, OverdueRowsComeWithOpenAndOverdueCannotBeCombined) {
  auto sim = start(small_data(200));
  Caller c(*sim);
  const auto open =
      parse(c.get("/voucherlist?voucherType=invoice&voucherStatus=open&size=250").response.body);
  const auto overdue =
      parse(c.get("/voucherlist?voucherType=invoice&voucherStatus=overdue&size=250").response.body);
  std::size_t overdue_in_open = 0;
  for (const auto& row : open["content"].GetArray())
    overdue_in_open += text(row["voucherStatus"]) == "overdue";
  EXPECT_GT(overdue_in_open, 0u);
  EXPECT_EQ(overdue["content"].Size(), overdue_in_open);
  for (const auto& row : overdue["content"].GetArray()) {
    EXPECT_LT(parse_day(text(row["dueDate"]).substr(0, 10)), parse_day("2026-11-02"));
  }
  const http::Outcome mixed = c.get("/voucherlist?voucherType=invoice&voucherStatus=open,overdue");
  EXPECT_EQ(mixed.response.status, 406);
  const auto err = parse(mixed.response.body);
  EXPECT_EQ(text(err["status"]), "406");
  EXPECT_EQ(text(err["details"][0]["field"]), "voucherStatus");
}

TEST(LexofficeSim, ValidationErrorsAre406InTheRegularEnvelope) {
  auto sim = start(small_data(20));
  Caller c(*sim);
  struct Case {
    std::string query;
    std::string field;
  } cases[] = {
      {"voucherStatus=open", "voucherType"},
      {"voucherType=invoice", "voucherStatus"},
      {"voucherType=bogus&voucherStatus=open", "voucherType"},
      {"voucherType=invoice&voucherStatus=open&updatedDateFrom=02.11.2026", "updatedDateFrom"},
      {"voucherType=invoice&voucherStatus=open&sort=amount,ASC", "sort"},
  };
  for (const Case& k : cases) {
    const http::Outcome o = c.get("/voucherlist?" + k.query);
    EXPECT_EQ(o.response.status, 406) << k.query;
    const auto doc = parse(o.response.body);
    EXPECT_EQ(text(doc["error"]), "Not Acceptable");
    EXPECT_EQ(text(doc["path"]), "/v1/voucherlist");
    EXPECT_TRUE(doc.HasMember("traceId"));
    EXPECT_EQ(text(doc["details"][0]["field"]), k.field) << k.query;
  }
}

TEST(LexofficeSim, PageSizeIsCappedAt250AndAmountsKeepTheirJsonType) {
  auto sim = start(small_data(600));
  Caller c(*sim);
  const http::Outcome o = c.get("/voucherlist?voucherType=any&voucherStatus=any&size=1000");
  ASSERT_TRUE(o.ok());
  const auto doc = parse(o.response.body);
  EXPECT_EQ(text(doc["size"]), "250");
  EXPECT_EQ(doc["content"].Size(), 250u);
  // Some invoices give their amounts as strings ("74.80"), the others as numbers (74.8).
  EXPECT_NE(o.response.body.find("\"totalAmount\":\""), std::string::npos);
  EXPECT_NE(o.response.body.find("\"totalAmount\":1"), std::string::npos);
}

TEST(LexofficeSim, ResultWindowCapsAt10000AndSlicingByUpdatedDateReachesEveryRecord) {
  Data data = small_data(10'400);
  for (Invoice& i : data.invoices) {
    i.status = "open";
    i.type = "invoice";
  }
  auto sim = start(data);
  Caller c(*sim);
  const std::string base =
      "/voucherlist?voucherType=invoice&voucherStatus=open&sort=updatedDate,ASC&size=250";
  const auto last_in_window = parse(c.get(base + "&page=39").response.body);
  EXPECT_EQ(text(last_in_window["totalElements"]), "10000");  // capped: the naive reader stops here
  EXPECT_EQ(text(last_in_window["last"]), "true");
  const http::Outcome beyond = c.get(base + "&page=40");
  EXPECT_EQ(beyond.response.status, 500);
  EXPECT_EQ(text(parse(beyond.response.body)["message"]), "Maximum search window size exceeded");

  // Slice by updated day: each slice stays below the window.
  std::set<std::string> seen;
  std::int64_t from = parse_day("2024-01-01");
  const std::int64_t end = parse_day("2026-11-03");
  auto day_text = [](std::int64_t day) {
    return format_berlin(day * 86'400'000 + 12 * 3'600'000, false).substr(0, 10);
  };
  while (from < end) {
    const std::int64_t to = std::min(from + 120, end);
    for (int page = 0;; ++page) {
      const http::Outcome o = c.get(base + "&updatedDateFrom=" + day_text(from) +
                                    "&updatedDateTo=" + day_text(to - 1) + "&page=" + std::to_string(page));
      ASSERT_TRUE(o.ok()) << o.response.body;
      const auto doc = parse(o.response.body);
      for (const auto& row : doc["content"].GetArray()) seen.insert(text(row["id"]));
      if (text(doc["last"]) == "true") break;
    }
    from = to;
  }
  EXPECT_EQ(seen.size(), data.invoices.size());
}

TEST(LexofficeSim, TokenBucketRefusesWith429WithoutRetryAfterAndRefills) {
  SimOptions options;
  options.data = small_data(20);
  options.rate = std::make_unique<RateSettings>();  // 2/s, burst 2
  SimServer sim(std::move(options));
  Caller c(sim);
  std::vector<int> statuses;
  for (int i = 0; i < 5; ++i) statuses.push_back(c.get("/contacts?page=0").response.status);
  EXPECT_EQ(statuses[0], 200);
  EXPECT_EQ(statuses[1], 200);
  const long refused = std::count(statuses.begin(), statuses.end(), 429);
  EXPECT_GE(refused, 2);
  const http::Outcome limited = c.get("/contacts?page=0");
  if (limited.response.status == 429) {
    EXPECT_EQ(http::find_header(limited.response.headers, "Retry-After"), nullptr);
    EXPECT_EQ(text(parse(limited.response.body)["message"]), "Too Many Requests");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(c.get("/contacts?page=0").response.status, 200);
  EXPECT_GE(sim.counts("contacts").by_status["429"], refused);

  // The gateway's disguise: a refusal reported as 500.
  sim.set_rate(RateSettings{2.0, 1.0, false, 1});
  c.get("/contacts?page=0");
  const http::Outcome disguised = c.get("/contacts?page=0");
  EXPECT_EQ(disguised.response.status, 500);
  EXPECT_EQ(text(parse(disguised.response.body)["message"]), "Internal server error or rate limit exceeded");
}

TEST(LexofficeSim, WrongOrMissingBearerTokenIs401) {
  auto sim = start(small_data(5));
  Caller c(*sim);
  for (const std::string auth : {"Bearer wrong", "test-api-key", ""}) {
    const http::Outcome o = c.call(http::Method::kGet, "/contacts", "", auth);
    EXPECT_EQ(o.response.status, 401) << auth;
    EXPECT_EQ(o.response.body, R"({"message":"Unauthorized"})");
  }
}

TEST(LexofficeSim, DunningIsCreatedAsDraftAndLinkedFromTheInvoice) {
  const Data data = small_data(50);
  const Invoice& inv = first_open(data);
  auto sim = start(data);
  Caller c(*sim);
  const auto before = parse(c.get("/invoices/" + inv.id).response.body);
  EXPECT_EQ(before["relatedVouchers"].Size(), 0u);

  const http::Outcome created = c.post("/dunnings?precedingSalesVoucherId=" + inv.id, dunning_body(inv));
  ASSERT_EQ(created.response.status, 201) << created.response.body;
  const auto result = parse(created.response.body);
  const std::string id = text(result["id"]);
  EXPECT_EQ(text(result["resourceUri"]), sim->base_url() + "/dunnings/" + id);
  EXPECT_TRUE(result.HasMember("version"));

  const auto after = parse(c.get("/invoices/" + inv.id).response.body);
  ASSERT_EQ(after["relatedVouchers"].Size(), 1u);
  EXPECT_EQ(text(after["relatedVouchers"][0]["id"]), id);
  EXPECT_EQ(text(after["relatedVouchers"][0]["voucherType"]), "dunning");

  const auto dunning = parse(c.get("/dunnings/" + id).response.body);
  EXPECT_EQ(text(dunning["voucherStatus"]), "draft");
  EXPECT_EQ(text(dunning["relatedVouchers"][0]["id"]), inv.id);
  EXPECT_EQ(dunning["lineItems"].Size(), 2u);

  // Not a voucherlist row.
  const std::string list = c.get("/voucherlist?voucherType=any&voucherStatus=any&size=250").response.body;
  EXPECT_EQ(list.find(id), std::string::npos);

  const std::vector<Created> all = sim->created();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].invoice_id, inv.id);
  EXPECT_EQ(all[0].charge_cents, 1734);
  EXPECT_NE(sim->state_json().find("\"invoice_id\":\"" + inv.id + "\""), std::string::npos);
}

TEST(LexofficeSim, DunningValidationFailuresAre406WithTheFieldNamed) {
  const Data data = small_data(50);
  const Invoice& inv = first_open(data);
  auto sim = start(data);
  Caller c(*sim);
  const std::string other_tax = inv.tax_type == "net" ? "gross" : "net";
  struct Case {
    std::string query;
    std::string body;
    std::string field;
  } cases[] = {
      {"", dunning_body(inv), "precedingSalesVoucherId"},
      {"?precedingSalesVoucherId=" + inv.id, dunning_body(inv, "2026-11-02"), "voucherDate"},
      {"?precedingSalesVoucherId=" + inv.id, dunning_body(inv, "2026-11-02T10:00:00+01:00"), "voucherDate"},
      {"?precedingSalesVoucherId=" + inv.id,
       R"({"voucherDate":"2026-11-02T10:00:00.000+01:00","lineItems":[],"totalPrice":{"currency":"EUR"},"taxConditions":{"taxType":")" +
           inv.tax_type + R"("}})",
       "lineItems"},
      {"?precedingSalesVoucherId=" + inv.id,
       R"({"voucherDate":"2026-11-02T10:00:00.000+01:00","lineItems":[{"type":"custom","name":"x","quantity":1,"unitPrice":{"currency":"EUR","netAmount":1}}],"totalPrice":{"currency":"EUR"},"taxConditions":{"taxType":")" +
           inv.tax_type + R"("}})",
       "lineItems[0].unitPrice.taxRatePercentage"},
      {"?precedingSalesVoucherId=" + inv.id,
       R"({"voucherDate":"2026-11-02T10:00:00.000+01:00","lineItems":[{"type":"custom","name":"x","quantity":1,"unitPrice":{"currency":"EUR","netAmount":1,"grossAmount":1,"taxRatePercentage":0}}],"totalPrice":{"currency":"EUR"},"taxConditions":{"taxType":")" +
           other_tax + R"("}})",
       "taxConditions.taxType"},
      {"?precedingSalesVoucherId=00000000-0000-4000-8000-000000000000", dunning_body(inv),
       "precedingSalesVoucherId"},
  };
  for (const Case& k : cases) {
    const http::Outcome o = c.post("/dunnings" + k.query, k.body);
    EXPECT_EQ(o.response.status, 406) << k.field << ": " << o.response.body;
    const auto doc = parse(o.response.body);
    ASSERT_TRUE(doc.HasMember("details")) << o.response.body;
    EXPECT_EQ(text(doc["details"][0]["field"]), k.field);
  }
  EXPECT_TRUE(sim->created().empty());
}

TEST(LexofficeSim, PaymentsListTheItemsAndTheOpenAmount) {
  Data data = small_data(100);
  const auto paid = std::find_if(data.invoices.begin(), data.invoices.end(), [](const Invoice& i) {
    return i.status == "open" && i.open_cents < i.total_cents;
  });
  ASSERT_NE(paid, data.invoices.end());
  paid->amounts_as_strings = true;
  auto sim = start(data);
  Caller c(*sim);
  const http::Outcome o = c.get("/payments/" + paid->id);
  ASSERT_TRUE(o.ok());
  EXPECT_NE(o.response.body.find("\"openAmount\":\"" + format_cents(paid->open_cents) + "\""),
            std::string::npos);
  const auto doc = parse(o.response.body);
  EXPECT_EQ(text(doc["paymentStatus"]), "openRevenue");
  ASSERT_EQ(doc["paymentItems"].Size(), 1u);
  EXPECT_EQ(parse_cents(text(doc["paymentItems"][0]["amount"])), paid->total_cents - paid->open_cents);
  EXPECT_EQ(c.get("/payments/nope").response.status, 404);
}

TEST(LexofficeSim, ContactsPageByNameAndStaleVersionIs409) {
  const Data data = small_data(100);
  auto sim = start(data);
  Caller c(*sim);
  const auto page = parse(c.get("/contacts?page=0&size=250").response.body);
  EXPECT_EQ(text(page["totalElements"]), std::to_string(data.contacts.size()));
  std::vector<std::string> names;
  for (const auto& contact : page["content"].GetArray()) {
    names.push_back(contact.HasMember("company")
                        ? text(contact["company"]["name"])
                        : text(contact["person"]["lastName"]) + ", " + text(contact["person"]["firstName"]));
  }
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  const Contact& first = data.contacts.front();
  const auto one = parse(c.get("/contacts/" + first.id).response.body);
  EXPECT_EQ(text(one["roles"]["customer"]["number"]), std::to_string(first.number));
  EXPECT_EQ(one.HasMember("company"), first.company);

  const std::string person = R"("person":{"firstName":"Erika","lastName":"Musterfrau"})";
  const http::Outcome stale = c.put("/contacts/" + first.id, R"({"version":99,)" + person + "}");
  EXPECT_EQ(stale.response.status, 409);
  EXPECT_TRUE(parse(stale.response.body).HasMember("IssueList"));
  const http::Outcome fresh = c.put("/contacts/" + first.id, R"({"version":1,)" + person + "}");
  EXPECT_EQ(fresh.response.status, 200) << fresh.response.body;
  EXPECT_EQ(text(parse(fresh.response.body)["version"]), "2");
  EXPECT_EQ(c.put("/contacts/" + first.id, R"({"version":1,)" + person + "}").response.status, 409);
}

}  // namespace
}  // namespace mahnwerk::sim
