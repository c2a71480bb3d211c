// The sevDesk simulator over real HTTPS: /Invoice with status filters and limit/offset up to
// 1,000, string-typed numbers, the plain token header, contacts, payments (bookAmount and
// getIsPartiallyPaid), and reminders (MA invoices) with dunning level and reminder charge.
#include <algorithm>
#include <set>

#include "tests/sim/sim_test_util.h"

namespace mahnwerk::sim {
namespace {

using testing::Caller;
using testing::parse;
using testing::start;
using testing::text;

Data sev_data(int invoices = 2'500) {
  GenerateOptions g;
  g.system = System::kSevdesk;
  g.invoices = invoices;
  g.seed = 11;
  g.today = "2026-11-02";
  return generate(g);
}

const Invoice& first_with_status(const Data& data, const std::string& status) {
  return *std::find_if(data.invoices.begin(), data.invoices.end(),
                       [&status](const Invoice& i) { return i.status == status; });
}

TEST(SevdeskSim, InvoicesPageByLimitAndOffsetPerStatus) {
  const Data data = sev_data();
  auto sim = start(data);
  Caller c(*sim);
  for (const std::string status : {"200", "750"}) {
    std::set<std::string> expected;
    for (const Invoice& i : data.invoices) {
      if (i.status == status) expected.insert(i.id);
    }
    std::vector<std::string> seen;
    for (int offset = 0;; offset += 1000) {
      const http::Outcome o =
          c.get("/Invoice?status=" + status + "&limit=1000&countAll=true&offset=" + std::to_string(offset));
      ASSERT_TRUE(o.ok()) << o.response.body;
      const auto doc = parse(o.response.body);
      EXPECT_EQ(text(doc["total"]), std::to_string(expected.size()));
      for (const auto& row : doc["objects"].GetArray()) {
        seen.push_back(text(row["id"]));
        EXPECT_EQ(text(row["status"]), status);
        EXPECT_EQ(text(row["objectName"]), "Invoice");
      }
      if (doc["objects"].Size() < 1000) break;
    }
    EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end(), [](const std::string& a, const std::string& b) {
      return std::stoll(a) < std::stoll(b);
    }));
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), expected) << status;
  }
}

TEST(SevdeskSim, NumbersAreStringsExceptPaidAmountAndThereIsNoDueDate) {
  const Data data = sev_data(50);
  const Invoice& inv = first_with_status(data, "750");
  auto sim = start(data);
  Caller c(*sim);
  const http::Outcome o = c.get("/Invoice/" + inv.id);
  ASSERT_TRUE(o.ok());
  const std::string& body = o.response.body;
  EXPECT_NE(body.find("\"id\":\"" + inv.id + "\""), std::string::npos);
  EXPECT_NE(body.find("\"sumGross\":\"" + format_decimal(inv.total_cents, false) + "\""), std::string::npos);
  EXPECT_NE(body.find("\"paidAmount\":" + format_decimal(inv.total_cents - inv.open_cents, false) + ","),
            std::string::npos);
  EXPECT_NE(body.find("\"timeToPay\":\"" + std::to_string(inv.time_to_pay) + "\""), std::string::npos);
  EXPECT_EQ(body.find("dueDate"), std::string::npos);
  const auto doc = parse(body);
  ASSERT_TRUE(doc["objects"].IsArray());
  EXPECT_EQ(text(doc["objects"][0]["contact"]["objectName"]), "Contact");
  EXPECT_EQ(text(parse(c.get("/Invoice/" + inv.id + "/getIsPartiallyPaid").response.body)["objects"]),
            "true");
}

TEST(SevdeskSim, LimitDefaultsTo100AndMustStayWithin1000) {
  auto sim = start(sev_data(1'500));
  Caller c(*sim);
  EXPECT_EQ(parse(c.get("/Invoice").response.body)["objects"].Size(), 100u);
  for (const std::string bad : {"0", "1001", "x"}) {
    const http::Outcome o = c.get("/Invoice?limit=" + bad);
    EXPECT_EQ(o.response.status, 400) << bad;
    const auto doc = parse(o.response.body);
    EXPECT_TRUE(doc["objects"].IsNull());
    EXPECT_EQ(text(doc["error"]["code"]), "400");
  }
}

TEST(SevdeskSim, TokenGoesInTheAuthorizationHeaderWithoutBearer) {
  auto sim = start(sev_data(10));
  Caller c(*sim);
  for (const std::string& auth :
       std::vector<std::string>{"Bearer " + sim->api_key(), std::string(32, 'f'), ""}) {
    const http::Outcome o = c.call(http::Method::kGet, "/Invoice", "", auth);
    EXPECT_EQ(o.response.status, 401) << auth;
    EXPECT_EQ(text(parse(o.response.body)["error"]["message"]), "Authentication required");
  }
  EXPECT_TRUE(c.get("/Invoice").ok());
}

TEST(SevdeskSim, ReminderIsAnMaInvoiceWithRisingDunningLevelAndCharge) {
  const Data data = sev_data(50);
  const Invoice& inv = first_with_status(data, "200");
  auto sim = start(data);
  Caller c(*sim);
  const std::string target =
      "/Invoice/Factory/createInvoiceReminder?invoice[id]=" + inv.id + "&invoice[objectName]=Invoice";
  const std::string body =
      R"({"invoice":{"id":)" + inv.id + R"(,"objectName":"Invoice"},"reminderCharge":"5.00"})";
  const http::Outcome first = c.post(target, body);
  ASSERT_EQ(first.response.status, 200) << first.response.body;
  const auto ma = parse(first.response.body);
  EXPECT_EQ(text(ma["objects"]["invoiceType"]), "MA");
  EXPECT_EQ(text(ma["objects"]["dunningLevel"]), "1");
  EXPECT_EQ(text(ma["objects"]["reminderCharge"]), "5");
  EXPECT_EQ(text(ma["objects"]["origin"]["id"]), inv.id);
  EXPECT_EQ(parse_cents(text(ma["objects"]["reminderTotal"])), inv.open_cents + 500);

  const auto second =
      parse(c.post(target, R"({"invoice":{"id":)" + inv.id + R"(,"objectName":"Invoice"}})").response.body);
  EXPECT_EQ(text(second["objects"]["dunningLevel"]), "2");
  const auto last = parse(c.get("/Invoice/" + inv.id + "/getLastDunning").response.body);
  EXPECT_EQ(text(last["objects"]["id"]), text(second["objects"]["id"]));
  EXPECT_EQ(text(parse(c.get("/Invoice/" + inv.id).response.body)["objects"][0]["dunningLevel"]), "2");

  // Reminders are listed only when asked for.
  EXPECT_EQ(c.get("/Invoice?limit=1000").response.body.find("\"invoiceType\":\"MA\""), std::string::npos);
  EXPECT_EQ(parse(c.get("/Invoice?invoiceType=MA").response.body)["objects"].Size(), 2u);

  // The charge of a draft reminder can be set afterwards.
  const std::string ma_id = text(second["objects"]["id"]);
  const auto updated = parse(c.put("/Invoice/" + ma_id, R"({"reminderCharge":"2.50"})").response.body);
  EXPECT_EQ(text(updated["objects"]["reminderCharge"]), "2.5");

  const std::vector<Created> made = sim->created();
  ASSERT_EQ(made.size(), 2u);
  EXPECT_EQ(made[0].dunning_level, 1);
  EXPECT_EQ(made[0].charge_cents, 500);
  EXPECT_EQ(made[1].charge_cents, 250);
}

TEST(SevdeskSim, ReminderRefusals) {
  const Data data = sev_data(50);
  const Invoice& paid = first_with_status(data, "1000");
  auto sim = start(data);
  Caller c(*sim);
  const http::Outcome not_open =
      c.post("/Invoice/Factory/createInvoiceReminder?invoice[id]=" + paid.id + "&invoice[objectName]=Invoice",
             R"({"invoice":{"id":)" + paid.id + R"(,"objectName":"Invoice"}})");
  EXPECT_EQ(not_open.response.status, 422);
  EXPECT_TRUE(parse(not_open.response.body)["error"].HasMember("exceptionUUID"));
  EXPECT_EQ(c.post("/Invoice/Factory/createInvoiceReminder", R"({"other":1})").response.status, 422);
  EXPECT_EQ(c.post("/Invoice/Factory/createInvoiceReminder?invoice[id]=1&invoice[objectName]=Invoice",
                   R"({"invoice":{"id":1,"objectName":"Invoice"}})")
                .response.status,
            404);
  EXPECT_TRUE(sim->created().empty());
}

TEST(SevdeskSim, BookAmountMovesTheStatusFrom200Over750To1000) {
  const Data data = sev_data(50);
  const Invoice& inv = first_with_status(data, "200");
  auto sim = start(data);
  Caller c(*sim);
  const std::string half = format_cents(inv.total_cents / 2);
  const auto log = parse(c.put("/Invoice/" + inv.id + "/bookAmount",
                               R"({"amount":)" + half + R"(,"date":1790000000,"type":"N"})")
                             .response.body);
  EXPECT_EQ(text(log["objects"]["fromStatus"]), "200");
  EXPECT_EQ(text(log["objects"]["toStatus"]), "750");
  EXPECT_EQ(text(parse(c.get("/Invoice/" + inv.id + "/getIsPartiallyPaid").response.body)["objects"]),
            "true");
  const std::string rest = format_cents(inv.total_cents - inv.total_cents / 2);
  const auto done = parse(c.put("/Invoice/" + inv.id + "/bookAmount",
                                R"({"amount":")" + rest + R"(","date":1790000000,"type":"N"})")
                              .response.body);
  EXPECT_EQ(text(done["objects"]["toStatus"]), "1000");
  const auto row = parse(c.get("/Invoice/" + inv.id).response.body);
  EXPECT_EQ(parse_cents(text(row["objects"][0]["paidAmount"])), inv.total_cents);
  EXPECT_NE(text(row["objects"][0]["payDate"]), "null");
  const auto log_rows =
      parse(c.get("/InvoiceLog?invoice[id]=" + inv.id + "&invoice[objectName]=Invoice").response.body);
  ASSERT_EQ(log_rows["objects"].Size(), 2u);
  EXPECT_EQ(parse_cents(text(log_rows["objects"][0]["ammountPayed"])), inv.total_cents / 2);
  EXPECT_EQ(text(log_rows["objects"][1]["invoice"]["id"]), inv.id);
}

TEST(SevdeskSim, ContactsWithoutDepthAreOrganisationsOnly) {
  const Data data = sev_data(200);
  const auto companies =
      std::count_if(data.contacts.begin(), data.contacts.end(), [](const Contact& c) { return c.company; });
  ASSERT_LT(companies, static_cast<long>(data.contacts.size()));
  auto sim = start(data);
  Caller c(*sim);
  EXPECT_EQ(text(parse(c.get("/Contact?countAll=true").response.body)["total"]), std::to_string(companies));
  const auto all = parse(c.get("/Contact?depth=1&countAll=true&limit=1000").response.body);
  EXPECT_EQ(text(all["total"]), std::to_string(data.contacts.size()));
  const Contact& person =
      *std::find_if(data.contacts.begin(), data.contacts.end(), [](const Contact& x) { return !x.company; });
  const auto one = parse(c.get("/Contact/" + person.id).response.body);
  EXPECT_TRUE(one["objects"][0]["name"].IsNull());
  EXPECT_EQ(text(one["objects"][0]["familyname"]), person.last_name);
  const auto mail = parse(c.get("/CommunicationWay?contact[id]=" + person.id).response.body);
  EXPECT_EQ(text(mail["objects"][0]["value"]), person.email);
}

}  // namespace
}  // namespace mahnwerk::sim
