// The REST engine against scripted remotes (no network): the shipped lexoffice and sevDesk
// mappings, paging styles, result-window slicing, the incremental cursor with look-back and
// (id, version) de-duplication, the per-record detail cache, write-back templates, the lookup
// after an ambiguous 504, the mapping of errors to push outcomes, OAuth2 refresh-token
// persistence, and no secret in any log line, error or message at trace level.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "adapters/rest/mapping.h"
#include "adapters/rest/rest_adapter.h"
#include "adapters/rest/transforms.h"
#include "tests/adapters/rest/fake_remote.h"

namespace mahnwerk::rest {
namespace {

using testing::CapturingLog;
using testing::FakeTransport;
using testing::parse_url;
using testing::reply;

std::string source_dir() {
  const char* dir = std::getenv("MAHNWERK_SOURCE_DIR");
  return dir != nullptr ? dir : ".";
}

Mapping shipped(const std::string& name) {
  auto m = load_mapping(source_dir() + "/mappings/" + name + ".json");
  EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().to_string());
  return std::move(m).value();
}

std::string temp_dir(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("mahnwerk-rest-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// --- a scripted lexoffice

struct LxInvoice {
  std::string id;
  std::string contact;
  std::string date;  // YYYY-MM-DD
  std::string total;
  std::string open;
  std::string updated;  // RFC 3339
  std::string status = "open";
  bool open_as_string = false;
};

class FakeLexoffice {
 public:
  std::vector<LxInvoice> invoices;
  std::map<std::string, std::vector<std::string>> related;  // invoice -> dunning ids
  std::map<std::string, std::string> dunnings;              // id -> body posted
  std::map<std::string, int> payments_requests;
  int window_errors = 0;
  bool commit_then_504 = false;
  std::string secret_echo;  // echoed into error bodies

  http::Exchange operator()(const http::Request& r) {
    const auto u = parse_url(r.url);
    if (u.path == "/v1/voucherlist") return voucherlist(u);
    if (u.path == "/v1/contacts") {
      return reply(
          200,
          R"({"content":[{"id":"c1","version":1,"company":{"name":"Testfirma GmbH"},)"
          R"("addresses":{"billing":[{"street":"Hauptstr. 5","zip":"12345","city":"Musterort","countryCode":"DE"}]},)"
          R"("emailAddresses":{"business":["rechnung@testfirma.de"]}},)"
          R"({"id":"c2","version":3,"person":{"firstName":"Erika","lastName":"Musterfrau"},)"
          R"("emailAddresses":{"private":["erika@example.org"]}}],"first":true,"last":true,"number":0})");
    }
    if (u.path.starts_with("/v1/payments/")) {
      const std::string id = u.path.substr(13);
      ++payments_requests[id];
      return reply(
          200,
          R"({"openAmount":50.00,"paymentStatus":"openRevenue","currency":"EUR","paymentItems":[)"
          R"({"paymentItemType":"manualPayment","postingDate":"2025-05-02T00:00:00.000+02:00","amount":30.0,"currency":"EUR"},)"
          R"({"paymentItemType":"cashDiscount","postingDate":"2025-05-03T00:00:00.000+02:00","amount":"20.00","currency":"EUR"},)"
          R"({"paymentItemType":"dunningCosts","postingDate":"2025-05-04T00:00:00.000+02:00","amount":5,"currency":"EUR"}]})");
    }
    if (u.path == "/v1/dunnings" && r.method == http::Method::kPost) {
      const std::string invoice = u.get("precedingSalesVoucherId");
      const std::string id = "dun-" + std::to_string(dunnings.size() + 1);
      dunnings[id] = r.body;
      related[invoice].push_back(id);
      if (commit_then_504) return reply(504, R"({"message":"Endpoint request timed out"})");
      return reply(201, R"({"id":")" + id + R"(","resourceUri":"https://api.test/v1/dunnings/)" + id +
                            R"(","version":0})");
    }
    if (u.path.starts_with("/v1/invoices/")) {
      const std::string id = u.path.substr(13);
      std::string rel;
      for (const auto& d : related[id]) {
        rel += std::string(rel.empty() ? "" : ",") + R"({"id":")" + d +
               R"(","voucherNumber":null,"voucherType":"dunning"})";
      }
      return reply(200, R"({"id":")" + id +
                            R"(","version":2,"relatedVouchers":[{"id":"q1","voucherType":"quotation"})" +
                            (rel.empty() ? "" : ",") + rel + "]}");
    }
    if (u.path.starts_with("/v1/dunnings/")) {
      const std::string id = u.path.substr(13);
      auto it = dunnings.find(id);
      if (it == dunnings.end()) return reply(404, R"({"message":"not found"})");
      // The stored dunning: the posted body with its id.
      std::string body = it->second;
      body.insert(1, R"("id":")" + id + R"(","voucherStatus":"draft",)");
      return reply(200, body);
    }
    return reply(404, R"({"message":"no route )" + u.path + R"( )" + secret_echo + R"("})");
  }

  http::Exchange voucherlist(const testing::ParsedUrl& u) {
    const std::string status = u.get("voucherStatus");
    const std::string from = u.get("voucherDateFrom", "0000-00-00");
    const std::string to = u.get("voucherDateTo", "9999-99-99");
    const std::string updated_from = u.get("updatedDateFrom");
    std::vector<const LxInvoice*> rows;
    for (const auto& inv : invoices) {
      const bool status_ok = status == "open" ? (inv.status == "open" || inv.status == "overdue")
                                              : status.find(inv.status) != std::string::npos;
      if (!status_ok || inv.date < from || inv.date > to) continue;
      if (!updated_from.empty() && inv.updated.substr(0, 10) < updated_from) continue;
      rows.push_back(&inv);
    }
    std::stable_sort(rows.begin(), rows.end(), [](auto* a, auto* b) { return a->date < b->date; });
    const int page = std::stoi(u.get("page", "0"));
    const int size = std::min(250, std::stoi(u.get("size", "25")));
    if (page * size + size > 10000) {
      ++window_errors;
      return reply(
          500,
          R"({"status":500,"error":"Internal Server Error","message":"Maximum search window size exceeded"})");
    }
    const std::size_t total = std::min<std::size_t>(rows.size(), 10000);
    std::string content;
    for (std::size_t i = static_cast<std::size_t>(page * size);
         i < std::min(total, static_cast<std::size_t>((page + 1) * size)); ++i) {
      const LxInvoice& inv = *rows[i];
      const std::string open = inv.open_as_string ? "\"" + inv.open + "\"" : inv.open;
      content += std::string(content.empty() ? "" : ",") + R"({"id":")" + inv.id +
                 R"(","voucherType":"invoice","voucherStatus":")" + inv.status + R"(","voucherNumber":"RE)" +
                 inv.id + R"(","voucherDate":")" + inv.date + R"(T00:00:00.000+02:00","updatedDate":")" +
                 inv.updated + R"(","dueDate":")" + inv.date + R"(T00:00:00.000+02:00","contactId":")" +
                 inv.contact + R"(","totalAmount":)" + inv.total + R"(,"openAmount":)" + open +
                 R"(,"currency":"EUR","archived":false})";
    }
    const bool last = static_cast<std::size_t>((page + 1) * size) >= total;
    return reply(200, R"({"content":[)" + content + R"(],"last":)" + (last ? "true" : "false") +
                          R"(,"totalElements":)" + std::to_string(total) + R"(,"number":)" +
                          std::to_string(page) + R"(,"size":)" + std::to_string(size) + "}");
  }
};

class RestAdapterTest : public ::testing::Test {
 protected:
  RestAdapterTest()
      : http_clock_(http::TimePoint{std::chrono::sys_days{std::chrono::year{2025} / 6 / 30}}),
        sleeper_(http_clock_, transport_),
        random_(7),
        clock_(std::chrono::sys_days{std::chrono::year{2025} / 6 / 30} + std::chrono::hours(6)) {}

  std::unique_ptr<RestAdapter> make(Mapping mapping, RestSettings settings = {},
                                    std::string secret = kSecret) {
    if (settings.mapping.empty()) settings.mapping = mapping.name;
    if (settings.base_url.empty()) settings.base_url = "https://api.test";
    settings.credential = "tenant-1/" + mapping.name;
    return std::make_unique<RestAdapter>(std::move(mapping), std::move(settings), std::move(secret),
                                         transport_, clock_,
                                         http::ClientEnvironment{&http_clock_, &sleeper_, &random_, &log_});
  }

  std::vector<std::string> paths() const {
    std::vector<std::string> out;
    for (const auto& r : transport_.requests) out.push_back(parse_url(r.url).path);
    return out;
  }

  static constexpr const char* kSecret = "sk-live-4f9a8b7c6d5e";
  FakeTransport transport_;
  http::ManualClock http_clock_;
  http::VirtualSleeper sleeper_;
  http::SeededRandom random_;
  CapturingLog log_;
  sync::ManualClock clock_;
};

sync::OutboxEntry outbox(std::string kind, std::string payload, std::string key = "k-1") {
  sync::OutboxEntry e;
  e.tenant = "tenant-1";
  e.kind = std::move(kind);
  e.target = "item:inv-1";
  e.idempotency_key = std::move(key);
  e.payload = std::move(payload);
  return e;
}

const char* kDunningPayload =
    R"({"tenant":"tenant-1","type":"dunning_document","item":"inv-1","number":"RE-1","debtor":"c1","level":1,)"
    R"("amount":"119.00","currency":"EUR","date":"2025-06-30","text":"1. Mahnung"})";
const char* kFeePayload =
    R"({"tenant":"tenant-1","type":"fee","item":"inv-1","number":"RE-1","debtor":"c1","level":1,)"
    R"("amount":"5.00","currency":"EUR","account":"8400","date":"2025-01-15","text":"Mahngebühr"})";

// --- mappings

TEST(Mappings, ShippedMappingsLoad) {
  for (const char* name : {"lexoffice", "sevdesk"}) {
    auto m = load_mapping(source_dir() + "/mappings/" + std::string(name) + ".json");
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    EXPECT_EQ(m->name, name);
    EXPECT_TRUE(m->streams.count("items"));
    EXPECT_TRUE(m->lookup.has_value());
    EXPECT_TRUE(m->writes.count("dunning_document"));
  }
  auto found = find_mapping("lexoffice", {"/nonexistent", source_dir() + "/mappings"});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->rate->per_second, 2.0);
  auto missing = find_mapping("nosuchsystem", {source_dir() + "/mappings"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nosuchsystem.json"), std::string::npos);
}

TEST(Mappings, ValidationErrorsNameFileAndPointer) {
  const std::string ok_items =
      R"("items":{"request":{"path":"/x"},"records":"/rows","fields":{"id":"/id","debtor":"/c","invoice_date":{"pointer":"/d","transform":"date"},"amount":{"pointer":"/a","transform":"amount"},"open_amount":{"pointer":"/o","transform":"amount"}}})";
  struct Case {
    std::string body;
    std::string expected;
  };
  const Case cases[] = {
      {R"({"name":"x","base_url":"https://a.test","auth":{"type":"bearer"},"streams":{)" + ok_items + "}}",
       ""},
      {R"({"name":"x","base_url":"ftp://a","auth":{"type":"bearer"},"streams":{)" + ok_items + "}}",
       "m.json: /base_url:"},
      {R"({"name":"x","base_url":"https://a.test","auth":{"type":"magic"},"streams":{)" + ok_items + "}}",
       "m.json: /auth/type: unknown auth type \"magic\""},
      {R"({"name":"x","base_url":"https://a.test","auth":{"type":"bearer"},"streams":{"items":{"request":{"path":"/x"},"fields":{"id":"/id"}}}})",
       "m.json: /streams/items/fields/debtor: missing (required)"},
      {R"({"name":"x","base_url":"https://a.test","auth":{"type":"bearer"},"streams":{"items":{"request":{"path":"/x"},"paging":{"style":"pages"},"fields":{}}}})",
       "m.json: /streams/items/paging/style: unknown paging style \"pages\""},
      {R"({"name":"x","base_url":"https://a.test","auth":{"type":"bearer"},"streams":{"items":{"request":{"path":"/x"},"fields":{"id":{"pointer":"/id","transform":"dat"}}}}})",
       "m.json: /streams/items/fields/id/transform: unknown transform \"dat\""},
      {R"({"name":"x","base_url":"https://a.test","auth":{"type":"bearer"},"streams":{"items":{"request":{"path":"/x"},"fields":{"id":"id"}}}})",
       "m.json: /streams/items/fields/id: not a JSON pointer"},
      {R"({"name":"x","base_url":"https://a.test","auth":{"type":"bearer"},"streams":{"items":{"request":{"path":"/x"},"fields":{"due_date":{"pointer":"/d","transform":"add_days"}}}}})",
       "m.json: /streams/items/fields/due_date/days: missing (transform \"add_days\" needs it)"},
      {R"({"name":"x","base_url":"https://a.test","auth":{"type":"bearer"},"streams":{)" + ok_items +
           R"(},"writes":{"refund":{"path":"/r","reference":"/id"}}})",
       "m.json: /writes/refund: unknown outbox kind"},
      {R"({"name":"x","base_url":"https://a.test","auth":{"type":"bearer"},"streams":{)" + ok_items +
           R"(},"writes":{"fee":{"path":"/r"}}})",
       "m.json: /writes/fee/reference: missing"},
      {R"({"name":"x","base_url":"https://a.test","auth":{"type":"bearer"},"rate":{"per_second":0},"streams":{)" +
           ok_items + "}}",
       "m.json: /rate/per_second: must be > 0"},
      {R"({"name":"x","base_url":"https://a.test","auth":{"type":"bearer"},"streams":{)" + ok_items +
           R"(},"lookup":{"request":{"path":"/l"},"candidates":"/c","match":{"pointer":"/m"}}})",
       "m.json: /lookup/match: needs exactly one of"},
      {R"({"name":"x","base_url":"https://a.test","auth":{"type":"bearer"},"colour":"red","streams":{)" +
           ok_items + "}}",
       "m.json: /colour: unknown member"},
      {R"({"name":"x", "base_url":)", "m.json, line 1"},
  };
  for (const Case& c : cases) {
    auto m = parse_mapping(c.body, "m.json");
    if (c.expected.empty()) {
      EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().to_string());
      continue;
    }
    ASSERT_FALSE(m.ok()) << c.body;
    EXPECT_EQ(m.error().kind, core::ErrorKind::kBadConfig);
    EXPECT_NE(m.error().to_string().find(c.expected), std::string::npos) << m.error().to_string();
  }
}

// --- transforms

TEST(Transforms, TableDriven) {
  struct Case {
    const char* record;
    const char* field;     // the field spec as mapping JSON
    const char* expected;  // nullptr: refused
  };
  const Case cases[] = {
      {R"({"d":"2024-04-08"})", R"({"pointer":"/d","transform":"date"})", "2024-04-08"},
      {R"({"d":"2023-05-14T00:00:00.000+02:00"})", R"({"pointer":"/d","transform":"date"})", "2023-05-14"},
      {R"({"d":"2023-05-13T23:30:00Z"})", R"({"pointer":"/d","transform":"date"})", "2023-05-13"},
      {R"({"d":"/Date(1700000000000)/"})", R"({"pointer":"/d","transform":"date"})", "2023-11-14"},
      {R"({"d":"/Date(1700000000000+0100)/"})", R"({"pointer":"/d","transform":"date"})", "2023-11-14"},
      {R"({"d":"1700000000"})", R"({"pointer":"/d","transform":"date","unix":true})", "2023-11-14"},
      {R"({"d":"2023-02-30"})", R"({"pointer":"/d","transform":"date"})", nullptr},
      {R"({"d":"14.05.2023"})", R"({"pointer":"/d","transform":"date"})", nullptr},
      {R"({"d":"2023-05-14T25:00:00Z"})", R"({"pointer":"/d","transform":"date"})", nullptr},
      {R"({"d":"2023-05-14T00:00:00.000+02:00"})", R"({"pointer":"/d","transform":"instant"})", "1684015200"},
      {R"({"a":74.8})", R"({"pointer":"/a","transform":"amount"})", "74.8"},
      {R"({"a":"1337.00"})", R"({"pointer":"/a","transform":"amount"})", "1337"},
      {R"({"a":0.1})", R"({"pointer":"/a","transform":"amount"})", "0.1"},
      {R"({"a":"1e3"})", R"({"pointer":"/a","transform":"amount"})", nullptr},
      {R"({"a":"1,50"})", R"({"pointer":"/a","transform":"amount"})", nullptr},
      {R"({"a":null})", R"({"pointer":"/a","transform":"amount"})", nullptr},
      {R"({"a":null})", R"({"pointer":"/a","transform":"amount","optional":true})", "(absent)"},
      {R"({"s":"200"})", R"({"pointer":"/s","transform":"enum","values":{"200":"open","750":"partial"}})",
       "open"},
      {R"({"s":"1000"})", R"({"pointer":"/s","transform":"enum","values":{"200":"open"}})", nullptr},
      {R"({"d":"2024-04-08T00:00:00+02:00","t":"10"})",
       R"({"pointer":"/d","transform":"add_days","days":"/t"})", "2024-04-18"},
      {R"({"d":"2024-12-25T00:00:00+01:00","t":14})",
       R"({"pointer":"/d","transform":"add_days","days":"/t"})", "2025-01-08"},
      {R"({"g":"119.00","p":19.5})", R"({"pointer":"/g","transform":"subtract","minus":"/p"})", "99.5"},
      {R"({"g":"0.30","p":0.1})", R"({"pointer":"/g","transform":"subtract","minus":"/p"})", "0.2"},
      {R"({"g":"119","p":null})", R"({"pointer":"/g","transform":"subtract","minus":"/p"})", "119"},
      {R"({"company":{"name":"X"}})", R"({"transform":"kind_by_presence","business_if":"/company"})",
       "business"},
      {R"({"person":{"lastName":"Y"}})", R"({"transform":"kind_by_presence","business_if":"/company"})",
       "consumer"},
      {R"({"name":"","surename":"Erika","familyname":"Muster"})",
       R"({"transform":"join","join":["/name","/surename","/familyname"]})", "Erika Muster"},
      {R"({"a":{"b/c":[1,{"x~y":"deep"}]}})", R"({"pointer":"/a/b~1c/1/x~0y"})", "deep"},
      {R"({"a":"", "b":"second"})", R"({"pointer":["/a","/b"]})", "second"},
      {R"({"o":null,"s":"voided"})",
       R"({"pointer":"/o","transform":"amount","value_if":{"when":[{"pointer":"/s","in":["voided","paid"]}],"value":"0"}})",
       "0"},
      {R"({"o":"12.5","s":"open"})",
       R"({"pointer":"/o","transform":"amount","value_if":{"when":[{"pointer":"/s","in":["voided","paid"]}],"value":"0"}})",
       "12.5"},
  };
  for (const Case& c : cases) {
    const std::string mapping =
        R"({"name":"t","base_url":"https://a.test","auth":{"type":"bearer"},"streams":{"items":{"request":{"path":"/x"},"fields":{"id":)" +
        std::string(c.field) + R"(,"debtor":"/c","invoice_date":"/d","amount":"/a","open_amount":"/o"}}}})";
    auto m = parse_mapping(mapping, "t.json");
    ASSERT_TRUE(m.ok()) << c.field << ": " << m.error().to_string();
    rapidjson::Document record;
    record.Parse<rapidjson::kParseNumbersAsStringsFlag>(c.record);
    ASSERT_FALSE(record.HasParseError()) << c.record;
    auto v = apply_field(m->streams.at("items").fields.at("id"), record);
    if (c.expected == nullptr) {
      EXPECT_FALSE(v.ok()) << c.record << " " << c.field;
      if (!v.ok()) {
        EXPECT_EQ(v.error().context, "/streams/items/fields/id");
      }
      continue;
    }
    ASSERT_TRUE(v.ok()) << c.record << " " << c.field << ": " << v.error().to_string();
    EXPECT_EQ(v->value_or("(absent)"), c.expected) << c.record << " " << c.field;
  }
}

TEST(Transforms, AmountsNeverPassThroughDouble) {
  const core::Currency eur = core::Currency::eur();
  EXPECT_EQ(parse_amount("12345678901234.56", eur)->minor(), 1234567890123456);
  EXPECT_EQ(parse_amount("12.3400", eur)->minor(), 1234);
  EXPECT_FALSE(parse_amount("12.345", eur).ok());
  EXPECT_EQ(parse_amount("-0.5", eur)->minor(), -50);
}

// --- pulls

TEST_F(RestAdapterTest, LexofficePullPagesDeduplicatesAndMapsEveryField) {
  FakeLexoffice lx;
  for (int i = 0; i < 600; ++i) {
    LxInvoice inv{"inv-" + std::to_string(i),
                  i % 2 ? "c1" : "c2",
                  "2025-0" + std::to_string(1 + i % 5) + "-1" + std::to_string(i % 9),
                  "100.00",
                  "100.00",
                  "2025-06-01T10:00:00.000+02:00"};
    if (i % 3 == 0) inv.status = "overdue";
    if (i % 4 == 0) inv.open_as_string = true;
    if (i == 7) inv.open = "50.00";  // partly paid: its payments are fetched
    lx.invoices.push_back(inv);
  }
  transport_.handler = std::ref(lx);
  auto adapter = make(shipped("lexoffice"));
  auto delta = adapter->pull(std::nullopt);
  ASSERT_TRUE(delta.ok()) << delta.error().to_string();
  EXPECT_TRUE(delta->full);
  ASSERT_EQ(delta->items.size(), 600u);  // open returns overdue rows too: each once
  EXPECT_EQ(adapter->stats().duplicates, 200u);
  std::set<std::string> ids;
  for (const auto& item : delta->items) ids.insert(item.id);
  EXPECT_EQ(ids.size(), 600u);
  const auto it =
      std::find_if(delta->items.begin(), delta->items.end(), [](auto& i) { return i.id == "inv-7"; });
  ASSERT_NE(it, delta->items.end());
  EXPECT_EQ(it->number, "REinv-7");
  EXPECT_EQ(it->debtor, "c1");
  EXPECT_EQ(core::format_date(it->invoice_date), "2025-03-17");
  EXPECT_EQ(core::format_date(*it->due_date), "2025-03-17");
  EXPECT_EQ(it->amount.minor(), 10000);
  EXPECT_EQ(it->open_amount.minor(), 5000);
  EXPECT_EQ(it->source_version, "2025-06-01T10:00:00.000+02:00");
  // Debtors: company -> business, person -> consumer.
  ASSERT_EQ(delta->debtors.size(), 2u);
  EXPECT_EQ(delta->debtors[0].name, "Testfirma GmbH");
  EXPECT_EQ(delta->debtors[0].kind, core::DebtorKind::kBusiness);
  EXPECT_EQ(delta->debtors[0].email, "rechnung@testfirma.de");
  EXPECT_EQ(delta->debtors[0].address.city, "Musterort");
  EXPECT_EQ(delta->debtors[1].name, "Erika Musterfrau");
  EXPECT_EQ(delta->debtors[1].kind, core::DebtorKind::kConsumer);
  EXPECT_EQ(delta->debtors[1].email, "erika@example.org");
  // Payments only for the partly paid item; dunning costs are not payments.
  ASSERT_EQ(delta->payments.size(), 2u);
  EXPECT_EQ(lx.payments_requests.size(), 1u);
  EXPECT_EQ(delta->payments[0].payment.item, "inv-7");
  EXPECT_EQ(delta->payments[0].payment.amount.minor(), 3000);
  EXPECT_EQ(delta->payments[1].payment.amount.minor(), 2000);
  EXPECT_EQ(core::format_date(delta->payments[0].payment.date), "2025-05-02");
  EXPECT_NE(delta->payments[0].id, delta->payments[1].id);
  // Paging: 0-based pages of 250 with voucherDate ranges, stopped by "last".
  const auto first = parse_url(transport_.requests[1].url);
  EXPECT_EQ(first.path, "/v1/voucherlist");
  EXPECT_EQ(first.get("page"), "0");
  EXPECT_EQ(first.get("size"), "250");
  EXPECT_EQ(first.get("voucherType"), "invoice,salesinvoice,downpaymentinvoice");
  EXPECT_EQ(first.get("voucherDateFrom"), "2000-01-01");
  EXPECT_EQ(first.get("voucherDateTo"), "2025-07-01");
  EXPECT_EQ(delta->next_cursor, "instant:1748764800");  // 2025-06-01T08:00:00Z: the newest change
  EXPECT_TRUE(delta->rejected.empty());
}

TEST_F(RestAdapterTest, PagesInFlightStillKeepToTheRateBudget) {
  FakeLexoffice lx;
  for (int i = 0; i < 1500; ++i) {  // 6 pages of 250: 5 of them fetched ahead
    lx.invoices.push_back({"i" + std::to_string(i), "c1", "2025-01-" + std::to_string(10 + i % 20), "10",
                           "10", "2025-06-01T10:00:00.000+02:00"});
  }
  std::vector<http::TimePoint> sent;
  transport_.handler = [&](const http::Request& r) {
    sent.push_back(http_clock_.now());
    return lx(r);
  };
  auto mapping = shipped("lexoffice");
  mapping.streams.erase("payments");
  RestSettings settings;
  settings.rate_per_second = 2.0;
  auto adapter = make(std::move(mapping), settings);
  auto delta = adapter->pull(std::nullopt);
  ASSERT_TRUE(delta.ok()) << delta.error().to_string();
  EXPECT_EQ(delta->items.size(), 1500u);
  ASSERT_EQ(sent.size(), 8u);  // contacts, 6 pages of open invoices, the one (empty) overdue page
  for (std::size_t i = 1; i < sent.size(); ++i) {
    EXPECT_EQ(sent[i] - sent[i - 1], std::chrono::milliseconds(500)) << "request " << i;  // 2/s, none early
  }
}

TEST_F(RestAdapterTest, ResultWindowIsSlicedByDateRanges) {
  FakeLexoffice lx;
  // 12,500 open invoices over 2024: more than one window of 10,000.
  for (int i = 0; i < 12500; ++i) {
    const core::Date d = core::add_days(core::make_date(2024, 1, 1), i % 366);
    lx.invoices.push_back(
        {"i" + std::to_string(i), "c1", core::format_date(d), "10", "10", "2024-12-31T12:00:00.000+01:00"});
  }
  std::stable_sort(lx.invoices.begin(), lx.invoices.end(), [](auto& a, auto& b) { return a.date < b.date; });
  transport_.handler = std::ref(lx);
  auto mapping = shipped("lexoffice");
  mapping.streams.at("items").requests.resize(1);  // the open query only
  mapping.streams.erase("payments");
  auto adapter = make(std::move(mapping));
  auto delta = adapter->pull(std::nullopt);
  ASSERT_TRUE(delta.ok()) << delta.error().to_string();
  EXPECT_EQ(delta->items.size(), 12500u);
  EXPECT_EQ(adapter->stats().duplicates, 0u);
  EXPECT_GE(adapter->stats().window_splits, 1u);
  EXPECT_EQ(lx.window_errors, 0);  // never asked beyond the window
}

TEST_F(RestAdapterTest, IncrementalCursorLooksBackAndDeduplicatesByVersion) {
  FakeLexoffice lx;
  lx.invoices = {{"a", "c1", "2025-01-10", "10", "10", "2025-06-20T09:00:00.000+02:00"},
                 {"b", "c1", "2025-01-11", "20", "0", "2025-06-28T09:00:00.000+02:00", "paid"},
                 {"c", "c1", "2025-01-12", "30", "30", "2025-06-29T23:30:00.000+02:00"},
                 {"v", "c1", "2025-01-13", "40", "null", "2025-06-28T10:00:00.000+02:00", "voided"}};
  transport_.handler = std::ref(lx);
  auto adapter = make(shipped("lexoffice"));
  // Cursor: 2025-06-29T08:00Z. Look-back 2 days: updatedDateFrom=2025-06-27 re-reads b and c.
  auto delta = adapter->pull(std::string("instant:1751184000"));
  ASSERT_TRUE(delta.ok()) << delta.error().to_string();
  EXPECT_FALSE(delta->full);
  const auto u = parse_url(transport_.requests[1].url);
  EXPECT_EQ(u.get("updatedDateFrom"), "2025-06-27");
  EXPECT_EQ(u.get("voucherStatus"), "open,paid,paidoff,voided");
  std::vector<std::string> ids;
  for (const auto& i : delta->items) ids.push_back(i.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"b", "c", "v"}));
  EXPECT_TRUE(delta->items[0].open_amount.is_zero());  // paid: closes the item
  EXPECT_TRUE(delta->items[2].open_amount.is_zero());  // voided (openAmount null): closes it too
  EXPECT_TRUE(delta->rejected.empty());
  // The cursor is the newest change seen (c at 21:30Z), never the clock.
  EXPECT_EQ(delta->next_cursor, "instant:1751232600");
  // Identical incremental queries (open and overdue both become the same) are made once.
  int voucherlists = 0;
  for (const auto& p : paths()) voucherlists += p == "/v1/voucherlist";
  EXPECT_EQ(voucherlists, 1);
  // Nothing changed: the cursor stays.
  lx.invoices.clear();
  auto again = adapter->pull(delta->next_cursor);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->next_cursor, delta->next_cursor);
}

TEST_F(RestAdapterTest, SevdeskIncrementalPullAlsoReadsInvoicesPaidSinceTheCursor) {
  std::vector<std::string> statuses;
  transport_.handler = [&](const http::Request& r) {
    const auto u = parse_url(r.url);
    if (u.path != "/api/v1/Invoice") return reply(200, R"({"objects":[]})");
    statuses.push_back(u.get("status") + "@" + u.get("updateAfter"));
    if (u.get("status") != "1000") return reply(200, R"({"objects":[]})");
    return reply(
        200,
        R"({"objects":[{"id":"4","invoiceNumber":"RE-1001","contact":{"id":"3"},)"
        R"("invoiceDate":"2024-04-01T00:00:00+02:00","timeToPay":"14","status":"1000","sumGross":"100",)"
        R"("paidAmount":100,"currency":"EUR","invoiceType":"RE","update":"2024-04-20T10:00:00+02:00"}]})");
  };
  auto adapter = make(shipped("sevdesk"));
  auto delta = adapter->pull(std::string("instant:1713600000"));  // 2024-04-20T08:00:00Z
  ASSERT_TRUE(delta.ok()) << delta.error().to_string();
  EXPECT_EQ(statuses, (std::vector<std::string>{"200@1713596400", "750@1713596400", "1000@1713596400"}));
  ASSERT_EQ(delta->items.size(), 1u);
  EXPECT_TRUE(delta->items[0].open_amount.is_zero());
  EXPECT_FALSE(delta->full);
  // A full pull does not read the paid ones.
  statuses.clear();
  ASSERT_TRUE(adapter->pull(std::nullopt).ok());
  EXPECT_EQ(statuses, (std::vector<std::string>{"200@", "750@"}));
}

TEST_F(RestAdapterTest, NewerVersionOfADuplicateWins) {
  int calls = 0;
  transport_.handler = [&](const http::Request&) {
    ++calls;
    // The same id twice on one page (a duplicated page): the newer version must win.
    return reply(
        200,
        R"({"rows":[{"id":"1","v":"3","o":"5.00"},{"id":"1","v":"4","o":"2.00"},{"id":"1","v":"2","o":"9.00"}]})");
  };
  auto m = parse_mapping(
      R"({"name":"t","base_url":"https://a.test","auth":{"type":"bearer"},"streams":{"items":{"request":{"path":"/x"},"records":"/rows","version":"/v",)"
      R"("fields":{"id":"/id","debtor":{"value":"d"},"invoice_date":{"value":"2025-01-01","transform":"date"},"amount":{"value":"10","transform":"amount"},"open_amount":{"pointer":"/o","transform":"amount"}}}}})",
      "t.json");
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  auto adapter = make(std::move(m).value());
  auto delta = adapter->pull(std::nullopt);
  ASSERT_TRUE(delta.ok());
  ASSERT_EQ(delta->items.size(), 1u);
  EXPECT_EQ(delta->items[0].open_amount.minor(), 200);
  EXPECT_EQ(delta->items[0].source_version, "4");
  EXPECT_EQ(calls, 1);
}

TEST_F(RestAdapterTest, PagingStyles) {
  struct Case {
    const char* paging;
    std::vector<std::string> expected_queries;  // "k=v&k=v" of each request, in order
  };
  const Case cases[] = {
      {R"({"style":"page","page_param":"page","first_page":1,"size_param":"pageSize","size":2})",
       {"page=1&pageSize=2", "page=2&pageSize=2", "page=3&pageSize=2"}},
      {R"({"style":"page","page_param":"p","first_page":0,"size_param":"n","size":2,"stop_pointer":"/done","stop_value":"yes"})",
       {"n=2&p=0", "n=2&p=1"}},
      {R"({"style":"offset","offset_param":"offset","size_param":"limit","size":2})",
       {"limit=2&offset=0", "limit=2&offset=2", "limit=2&offset=4"}},
      {R"({"style":"cursor","cursor_param":"after","cursor_pointer":"/next","size_param":"limit","size":2})",
       {"limit=2", "after=t2&limit=2", "after=t4&limit=2"}},
  };
  for (const Case& c : cases) {
    transport_.requests.clear();
    int page = 0;
    transport_.handler = [&](const http::Request&) {
      ++page;
      // 5 records: pages of 2, 2, 1.
      std::string rows = page == 1   ? R"([{"id":"1"},{"id":"2"}])"
                         : page == 2 ? R"([{"id":"3"},{"id":"4"}])"
                                     : R"([{"id":"5"}])";
      std::string next = page < 3 ? "t" + std::to_string(page * 2) : "";
      return reply(200, R"({"rows":)" + rows + R"(,"next":")" + next + R"(","done":")" +
                            (page == 2 ? "yes" : "no") + "\"}");
    };
    auto m = parse_mapping(
        R"({"name":"t","base_url":"https://a.test","auth":{"type":"bearer"},"streams":{"items":{"request":{"path":"/x"},"records":"/rows","paging":)" +
            std::string(c.paging) +
            R"(,"fields":{"id":"/id","debtor":{"value":"d"},"invoice_date":{"value":"2025-01-01","transform":"date"},"amount":{"value":"10","transform":"amount"},"open_amount":{"value":"10","transform":"amount"}}}}})",
        "t.json");
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    auto adapter = make(std::move(m).value());
    auto delta = adapter->pull(std::nullopt);
    ASSERT_TRUE(delta.ok()) << delta.error().to_string();
    std::vector<std::string> queries;
    for (const auto& r : transport_.requests) {
      auto u = parse_url(r.url);
      std::string q;
      for (const auto& [k, v] : u.query) q += (q.empty() ? "" : "&") + k + "=" + v;
      queries.push_back(q);
    }
    EXPECT_EQ(queries, c.expected_queries) << c.paging;
    EXPECT_EQ(delta->items.size(), c.expected_queries.size() == 2 ? 4u : 5u) << c.paging;
  }
}

TEST_F(RestAdapterTest, TruncatedAnswerIsAskedForAgainAndAClampedPageDoesNotStopAFlaggedPaging) {
  int calls = 0;
  transport_.handler = [&](const http::Request& r) {
    ++calls;
    const auto u = parse_url(r.url);
    if (calls == 1) return reply(200, R"({"content":[{"id":"1"},{"id")");  // cut short
    // The server clamps the page to 1 record although 250 were asked for; "last" says when to stop.
    const std::string page = u.get("page");
    return reply(
        200, R"({"content":[{"id":"p)" + page + R"("}],"last":)" + (page == "2" ? "true" : "false") + "}");
  };
  auto m = parse_mapping(
      R"({"name":"t","base_url":"https://a.test","auth":{"type":"bearer"},"streams":{"items":{"request":{"path":"/x"},"records":"/content",)"
      R"("paging":{"style":"page","page_param":"page","size_param":"size","size":250,"stop_pointer":"/last"},)"
      R"("fields":{"id":"/id","debtor":{"value":"d"},"invoice_date":{"value":"2025-01-01","transform":"date"},"amount":{"value":"10","transform":"amount"},"open_amount":{"value":"10","transform":"amount"}}}}})",
      "t.json");
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  auto adapter = make(std::move(m).value());
  auto delta = adapter->pull(std::nullopt);
  ASSERT_TRUE(delta.ok()) << delta.error().to_string();
  EXPECT_EQ(delta->items.size(), 3u);
  EXPECT_EQ(calls, 4);
  transport_.handler = [&](const http::Request&) { return reply(200, "{\"content\":["); };
  auto failed = adapter->pull(std::nullopt);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind, core::ErrorKind::kUnavailable);
}

// Holds every exchange until the loop runs, then answers the newest first: pages fetched ahead
// arrive out of order, as they may over several connections.
class ReorderingTransport final : public http::Transport {
 public:
  using Handler = std::function<http::Exchange(const http::Request&)>;

  void exchange(const http::Request& request, Done done) override {
    requests.push_back(request);
    held_.push_back({handler(request), std::move(done)});
    most_in_flight = std::max(most_in_flight, held_.size());
  }
  void after(std::chrono::milliseconds, std::function<void()> fn) override {
    timers_.push_back(std::move(fn));
  }
  void run() override {
    while (!held_.empty() || !timers_.empty()) {
      if (!timers_.empty()) {
        auto fn = std::move(timers_.front());
        timers_.pop_front();
        fn();
        continue;
      }
      auto [ex, done] = std::move(held_.back());
      held_.pop_back();
      done(std::move(ex));
    }
  }

  Handler handler;
  std::vector<http::Request> requests;
  std::size_t most_in_flight = 0;

 private:
  std::vector<std::pair<http::Exchange, Done>> held_;
  std::deque<std::function<void()>> timers_;
};

TEST(RestPagesAhead, KnownPagesAreFetchedAtOnceAndTakenInPageOrder) {
  // 10 pages of 2 records; the first page tells the total, so pages 1..9 go out up to 4 at once.
  struct Case {
    const char* name;
    std::optional<int> concurrency;  // tenant setting
    int cut_page;                    // this page's first answer is cut short (-1: none)
    int last_page;                   // the page that says "last" (9: the true end)
    std::size_t expect_items;
    std::size_t expect_most_in_flight;
  };
  const Case cases[] = {
      {"four at once", std::nullopt, -1, 9, 20, 4},
      {"one at a time", 1, -1, 9, 20, 1},
      {"a cut page is asked for again, order kept", std::nullopt, 3, 9, 20, 4},
      {"a stop flag before the count ends the paging", std::nullopt, -1, 4, 10, 4},
  };
  for (const Case& c : cases) {
    ReorderingTransport transport;
    std::map<std::string, int> asked;
    transport.handler = [&](const http::Request& r) {
      const std::string page = parse_url(r.url).get("page");
      const int p = std::stoi(page);
      if (p == c.cut_page && asked[page]++ == 0) return reply(200, R"({"content":[{"id":"x)");
      const std::string a = std::to_string(2 * p + 1), b = std::to_string(2 * p + 2);
      return reply(200, R"({"content":[{"id":")" + a + R"("},{"id":")" + b +
                            R"("}],"totalElements":20,"last":)" + (p >= c.last_page ? "true" : "false") +
                            "}");
    };
    auto m = parse_mapping(
        R"({"name":"t","base_url":"https://a.test","auth":{"type":"bearer"},"streams":{"items":{"request":{"path":"/x"},"records":"/content",)"
        R"("paging":{"style":"page","page_param":"page","size_param":"size","size":2,"stop_pointer":"/last","total_pointer":"/totalElements"},)"
        R"("fields":{"id":"/id","debtor":{"value":"d"},"invoice_date":{"value":"2025-01-01","transform":"date"},"amount":{"value":"10","transform":"amount"},"open_amount":{"value":"10","transform":"amount"}}}}})",
        "t.json");
    ASSERT_TRUE(m.ok()) << m.error().to_string();
    RestSettings settings;
    settings.mapping = "t";
    settings.concurrency = c.concurrency;
    settings.credential = "tenant-1/t";
    sync::ManualClock clock(std::chrono::sys_days{std::chrono::year{2025} / 6 / 30});
    RestAdapter adapter(std::move(m).value(), settings, "key", transport, clock);
    auto delta = adapter.pull(std::nullopt);
    ASSERT_TRUE(delta.ok()) << c.name << ": " << delta.error().to_string();
    ASSERT_EQ(delta->items.size(), c.expect_items) << c.name;
    for (std::size_t i = 0; i < delta->items.size(); ++i)
      EXPECT_EQ(delta->items[i].id, std::to_string(i + 1)) << c.name;
    EXPECT_EQ(transport.most_in_flight, c.expect_most_in_flight) << c.name;
    EXPECT_TRUE(delta->rejected.empty()) << c.name;
  }
}

TEST_F(RestAdapterTest, SevdeskOffsetPagingComputedDueDateAndOpenAmount) {
  transport_.handler = [&](const http::Request& r) {
    const auto u = parse_url(r.url);
    if (u.path == "/api/v1/Contact") {
      return reply(
          200,
          R"({"objects":[{"id":"2","name":"Muster GmbH"},{"id":"3","surename":"Max","familyname":"Muster"}]})");
    }
    if (u.path == "/api/v1/InvoiceLog") {
      return reply(
          200,
          R"({"objects":[{"id":"77","ammountPayed":"19.50","bookingDate":"2024-04-20T00:00:00+02:00"}]})");
    }
    if (u.path == "/api/v1/Invoice" && u.get("status") == "200") {
      return reply(
          200,
          R"({"objects":[{"id":"1","invoiceNumber":"RE-1000","contact":{"id":"2","objectName":"Contact"},)"
          R"("invoiceDate":"2024-04-08T00:00:00+02:00","timeToPay":"10","status":"200","sumGross":"119.00",)"
          R"("paidAmount":0,"currency":"EUR","invoiceType":"RE","update":"2024-04-08T10:00:00+02:00"},)"
          R"({"id":"9","invoiceNumber":"MA-1","contact":{"id":"2"},"invoiceDate":"2024-04-09T00:00:00+02:00",)"
          R"("timeToPay":"7","sumGross":"5","paidAmount":0,"invoiceType":"MA","update":"2024-04-09T10:00:00+02:00"}]})");
    }
    return reply(
        200,
        R"({"objects":[{"id":"4","invoiceNumber":"RE-1001","contact":{"id":"3"},)"
        R"("invoiceDate":"2024-04-01T00:00:00+02:00","timeToPay":"14","status":"750","sumGross":"100",)"
        R"("paidAmount":19.5,"currency":"EUR","invoiceType":"RE","update":"2024-04-20T10:00:00+02:00"}]})");
  };
  auto adapter = make(shipped("sevdesk"));
  auto delta = adapter->pull(std::nullopt);
  ASSERT_TRUE(delta.ok()) << delta.error().to_string();
  ASSERT_EQ(delta->items.size(), 2u);  // the MA reminder is not an open item
  EXPECT_EQ(core::format_date(*delta->items[0].due_date), "2024-04-18");
  EXPECT_EQ(delta->items[0].open_amount.minor(), 11900);
  EXPECT_EQ(delta->items[1].open_amount.minor(), 8050);
  EXPECT_EQ(delta->debtors[1].name, "Max Muster");
  EXPECT_EQ(delta->debtors[1].kind, core::DebtorKind::kConsumer);
  EXPECT_EQ(delta->debtors[0].kind, core::DebtorKind::kBusiness);
  ASSERT_EQ(delta->payments.size(), 1u);
  EXPECT_EQ(delta->payments[0].id, "77");
  EXPECT_EQ(delta->payments[0].payment.item, "4");
  EXPECT_EQ(delta->payments[0].payment.amount.minor(), 1950);
  const auto first = parse_url(transport_.requests[1].url);
  EXPECT_EQ(first.get("limit"), "1000");
  EXPECT_EQ(first.get("offset"), "0");
  // The token goes as it is, without "Bearer".
  EXPECT_EQ(*http::find_header(transport_.requests[0].headers, "Authorization"), kSecret);
}

TEST_F(RestAdapterTest, RecordsThatDoNotMapAreRejectedAndThePullIsNotFull) {
  transport_.handler = [&](const http::Request&) {
    return reply(
        200, R"({"content":[{"id":"x1","voucherDate":"2025-01-01T00:00:00.000+01:00","contactId":"c",)"
             R"("totalAmount":10,"openAmount":null},{"id":"x2","voucherDate":"yesterday","contactId":"c",)"
             R"("totalAmount":10,"openAmount":10},{"id":"x3","voucherDate":"2025-01-01T00:00:00.000+01:00",)"
             R"("contactId":"c","totalAmount":10,"openAmount":"10.00"}],"last":true,"totalElements":3})");
  };
  auto mapping = shipped("lexoffice");
  mapping.streams.erase("debtors");
  mapping.streams.erase("payments");
  mapping.streams.at("items").requests.resize(1);
  auto adapter = make(std::move(mapping));
  auto delta = adapter->pull(std::nullopt);
  ASSERT_TRUE(delta.ok());
  EXPECT_FALSE(delta->full);  // a bad row never looks like a paid invoice
  ASSERT_EQ(delta->items.size(), 1u);
  ASSERT_EQ(delta->rejected.size(), 2u);
  EXPECT_EQ(delta->rejected[0].where, "content[0] (id x1)");
  EXPECT_NE(delta->rejected[0].message.find("/openAmount"), std::string::npos);
  EXPECT_NE(delta->rejected[1].message.find("not a date"), std::string::npos);
  EXPECT_NE(delta->rejected[0].source.find("GET https://api.test/v1/voucherlist"), std::string::npos);
}

TEST_F(RestAdapterTest, DetailAnswersAreCachedByVersionAcrossRuns) {
  FakeLexoffice lx;
  lx.invoices = {{"p1", "c1", "2025-01-10", "100", "50", "2025-06-20T09:00:00.000+02:00"},
                 {"p2", "c1", "2025-01-11", "100", "70", "2025-06-20T09:00:00.000+02:00"}};
  transport_.handler = std::ref(lx);
  const std::string dir = temp_dir("cache");
  RestSettings settings;
  settings.cache_file = dir + "/details.json";
  {
    auto adapter = make(shipped("lexoffice"), settings);
    ASSERT_TRUE(adapter->pull(std::nullopt).ok());
    EXPECT_EQ(adapter->stats().detail_hits, 0u);
  }
  EXPECT_EQ(lx.payments_requests["p1"], 1);
  lx.invoices[1].updated = "2025-06-29T09:00:00.000+02:00";  // p2 changed: its detail is fetched again
  auto adapter = make(shipped("lexoffice"), settings);
  auto delta = adapter->pull(std::nullopt);
  ASSERT_TRUE(delta.ok());
  EXPECT_EQ(adapter->stats().detail_hits, 1u);
  EXPECT_EQ(lx.payments_requests["p1"], 1);
  EXPECT_EQ(lx.payments_requests["p2"], 2);
  EXPECT_EQ(delta->payments.size(), 4u);
  std::filesystem::remove_all(dir);
}

// --- write-back

TEST_F(RestAdapterTest, LexofficeWriteBackTemplates) {
  FakeLexoffice lx;
  transport_.handler = std::ref(lx);
  auto adapter = make(shipped("lexoffice"));
  const auto caps = adapter->capabilities();
  EXPECT_EQ(caps.push_kinds, (std::vector<std::string>{"dunning_document", "fee", "interest"}));
  EXPECT_TRUE(caps.lookup);
  EXPECT_FALSE(caps.idempotency_header);

  auto fee = adapter->push(outbox("fee", kFeePayload, "key-fee-1"));
  EXPECT_EQ(fee.outcome, sync::PushOutcome::kLanded) << fee.message;
  EXPECT_EQ(fee.remote_reference, "dun-1");
  const http::Request& r = transport_.requests.back();
  EXPECT_EQ(r.method, http::Method::kPost);
  EXPECT_EQ(parse_url(r.url).get("precedingSalesVoucherId"), "inv-1");
  EXPECT_EQ(
      r.body,
      R"({"voucherDate":"2025-01-15T00:00:00.000+01:00","address":{"contactId":"c1"},"lineItems":[{"type":"custom",)"
      R"("name":"Mahngebühr","description":"Mahngebühr","quantity":1,"unitName":"Stück","unitPrice":{"currency":"EUR",)"
      R"("netAmount":5.00,"taxRatePercentage":0}}],"totalPrice":{"currency":"EUR"},"title":"Mahnung",)"
      R"("remark":"mahnwerk:key-fee-1"})");
  EXPECT_EQ(*http::find_header(r.headers, "Content-Type"), "application/json");
  EXPECT_EQ(*http::find_header(r.headers, "Authorization"), std::string("Bearer ") + kSecret);

  auto doc = adapter->push(outbox("dunning_document", kDunningPayload, "key-doc-1"));
  EXPECT_EQ(doc.outcome, sync::PushOutcome::kLanded);
  EXPECT_NE(transport_.requests.back().body.find(R"("voucherDate":"2025-06-30T00:00:00.000+02:00")"),
            std::string::npos);
  EXPECT_NE(transport_.requests.back().body.find(R"("name":"1. Mahnung")"), std::string::npos);

  auto unknown = adapter->push(outbox("plan_status", kFeePayload));
  EXPECT_EQ(unknown.outcome, sync::PushOutcome::kRejected);
  auto bad_amount = adapter->push(
      outbox("fee", R"({"item":"inv-1","debtor":"c1","amount":"5; DROP","date":"2025-01-15","text":"x"})"));
  EXPECT_EQ(bad_amount.outcome, sync::PushOutcome::kRejected);
  EXPECT_NE(bad_amount.message.find("\"amount\" is not a number"), std::string::npos);
}

TEST_F(RestAdapterTest, SevdeskReminderTemplate) {
  transport_.handler = [&](const http::Request&) {
    return reply(200,
                 R"({"objects":{"id":"5001","objectName":"Invoice","invoiceType":"MA","dunningLevel":"2"}})");
  };
  auto adapter = make(shipped("sevdesk"));
  std::string payload = kFeePayload;
  payload.replace(payload.find("inv-1"), 5, "1001");
  auto result = adapter->push(outbox("fee", payload, "k-7"));
  EXPECT_EQ(result.outcome, sync::PushOutcome::kLanded);
  EXPECT_EQ(result.remote_reference, "5001");
  const auto u = parse_url(transport_.requests.back().url);
  EXPECT_EQ(u.path, "/api/v1/Invoice/Factory/createInvoiceReminder");
  EXPECT_EQ(u.get("invoice[id]"), "1001");
  EXPECT_EQ(u.get("invoice[objectName]"), "Invoice");
  EXPECT_EQ(transport_.requests.back().body,
            R"({"invoice":{"id":1001,"objectName":"Invoice"},"dunningLevel":2,"reminderCharge":5.00,)"
            R"("customerInternalNote":"mahnwerk:k-7"})");
}

TEST_F(RestAdapterTest, AmbiguousWriteIsLookedUpThroughRelatedVouchers) {
  FakeLexoffice lx;
  lx.commit_then_504 = true;  // the gateway times out after the dunning was created
  transport_.handler = std::ref(lx);
  auto adapter = make(shipped("lexoffice"));
  const auto entry = outbox("dunning_document", kDunningPayload, "key-amb-1");
  auto result = adapter->push(entry);
  EXPECT_EQ(result.outcome, sync::PushOutcome::kAmbiguous) << result.message;
  EXPECT_EQ(lx.dunnings.size(), 1u);  // never retried by the client
  const std::size_t before = transport_.requests.size();
  auto found = adapter->lookup(entry);
  EXPECT_EQ(found.outcome, sync::LookupOutcome::kLanded) << found.message;
  EXPECT_EQ(found.remote_reference, "dun-1");
  // The lookup read the invoice, then the dunning it links (not the quotation).
  std::vector<std::string> looked;
  for (std::size_t i = before; i < transport_.requests.size(); ++i)
    looked.push_back(parse_url(transport_.requests[i].url).path);
  EXPECT_EQ(looked, (std::vector<std::string>{"/v1/invoices/inv-1", "/v1/dunnings/dun-1"}));
  // Another entry of the same invoice did not land.
  auto other = adapter->lookup(outbox("fee", kFeePayload, "key-amb-2"));
  EXPECT_EQ(other.outcome, sync::LookupOutcome::kAbsent);
  // The lookup cannot tell when the remote fails.
  transport_.handler = [](const http::Request&) { return reply(503, R"({"message":"down"})"); };
  auto unknown = adapter->lookup(entry);
  EXPECT_EQ(unknown.outcome, sync::LookupOutcome::kUnknown);
  EXPECT_NE(unknown.message.find("503"), std::string::npos);
}

TEST_F(RestAdapterTest, ErrorsMapToPushOutcomes) {
  struct Case {
    http::Exchange answer;
    sync::PushOutcome expected;
  };
  const Case cases[] = {
      {reply(
           406,
           R"({"status":406,"message":"Validation failed","details":[{"field":"lineItems[0]","message":"darf nicht leer sein"}]})"),
       sync::PushOutcome::kRejected},
      {reply(401, R"({"message":"Unauthorized"})"), sync::PushOutcome::kRejected},
      {reply(409, R"({"message":"conflict"})"), sync::PushOutcome::kRejected},
      {reply(404, R"({"message":"not found"})"), sync::PushOutcome::kRejected},
      {reply(429, R"({"message":"Too Many Requests"})"), sync::PushOutcome::kRetryable},
      {reply(500, R"({"message":"Internal server error or rate limit exceeded"})"),
       sync::PushOutcome::kRetryable},
      {reply(504, R"({"message":"Endpoint request timed out"})"), sync::PushOutcome::kAmbiguous},
      {reply(500, R"({"message":"boom"})"), sync::PushOutcome::kAmbiguous},
      {testing::failure(http::Failure::kConnect, false), sync::PushOutcome::kRetryable},
      {testing::failure(http::Failure::kReadTimeout, true), sync::PushOutcome::kAmbiguous},
  };
  for (const Case& c : cases) {
    transport_.requests.clear();
    transport_.handler = [&](const http::Request&) { return c.answer; };
    auto adapter = make(shipped("lexoffice"));
    auto result = adapter->push(outbox("fee", kFeePayload));
    EXPECT_EQ(result.outcome, c.expected) << c.answer.response.status << " " << result.message;
    EXPECT_FALSE(result.message.empty());
    if (c.answer.response.status == 406) {
      EXPECT_NE(result.message.find("darf nicht leer sein"), std::string::npos) << result.message;
      EXPECT_NE(result.message.find("POST https://api.test/v1/dunnings"), std::string::npos)
          << result.message;
    }
  }
}

// --- OAuth2

TEST_F(RestAdapterTest, OAuthRefreshTokenIsRotatedAndPersistedBeforeUse) {
  const std::string dir = temp_dir("oauth");
  const std::string token_file = dir + "/tenant.oauth.json";
  std::ofstream(token_file) << R"({"refresh_token":"rt-original-0001"})";
  int refreshes = 0;
  std::string used_token;
  std::vector<std::string> refresh_bodies;
  transport_.handler = [&](const http::Request& r) {
    const auto u = parse_url(r.url);
    if (u.path == "/oauth/token") {
      ++refreshes;
      refresh_bodies.push_back(r.body);
      // The file must hold the previous rotation when the next refresh is made.
      return reply(200, R"({"access_token":"at-)" + std::to_string(refreshes) +
                            R"(-secretvalue","refresh_token":"rt-rotated-)" + std::to_string(refreshes) +
                            R"(","expires_in":3600})");
    }
    used_token = *http::find_header(r.headers, "Authorization");
    // At use, the rotated refresh token is already on disk.
    EXPECT_NE(read_text(token_file).find("rt-rotated-" + std::to_string(refreshes)), std::string::npos);
    if (used_token == "Bearer at-1-secretvalue") return reply(401, R"({"message":"expired"})");
    return reply(200, R"({"rows":[]})");
  };
  auto m = parse_mapping(
      R"({"name":"oa","base_url":"https://a.test","auth":{"type":"oauth2","token_url":"https://login.test/oauth/token","client_id":"mahnwerk"},)"
      R"("streams":{"items":{"request":{"path":"/x"},"records":"/rows","fields":{"id":"/id","debtor":"/c","invoice_date":"/d","amount":"/a","open_amount":"/o"}}}})",
      "oa.json");
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  RestSettings settings;
  settings.token_file = token_file;
  auto adapter = make(std::move(m).value(), settings, "client-secret-xyz");
  auto delta = adapter->pull(std::nullopt);
  ASSERT_TRUE(delta.ok()) << delta.error().to_string();
  EXPECT_EQ(refreshes, 2);  // the first access token was refused: refreshed once more
  EXPECT_EQ(used_token, "Bearer at-2-secretvalue");
  EXPECT_NE(refresh_bodies[0].find("refresh_token=rt-original-0001"), std::string::npos);
  EXPECT_NE(refresh_bodies[1].find("refresh_token=rt-rotated-1"), std::string::npos);
  EXPECT_NE(refresh_bodies[0].find("client_secret=client-secret-xyz"), std::string::npos);
  EXPECT_EQ(read_text(token_file), R"({"refresh_token":"rt-rotated-2"})");
  struct stat st {};
  ASSERT_EQ(::stat(token_file.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::filesystem::remove_all(dir);
}

TEST_F(RestAdapterTest, OAuthTokenThatCannotBePersistedIsNotUsed) {
  const std::string dir = temp_dir("oauth-ro");
  const std::string token_file = dir + "/tenant.oauth.json";
  std::ofstream(token_file) << R"({"refresh_token":"rt-original-0001"})";
  std::filesystem::create_directories(token_file + ".tmp");  // the atomic replace cannot write
  int api_calls = 0;
  transport_.handler = [&](const http::Request& r) {
    if (parse_url(r.url).path == "/oauth/token") {
      return reply(200, R"({"access_token":"at-x","refresh_token":"rt-new","expires_in":3600})");
    }
    ++api_calls;
    return reply(200, R"({"rows":[]})");
  };
  auto m = parse_mapping(
      R"({"name":"oa","base_url":"https://a.test","auth":{"type":"oauth2","token_url":"https://login.test/oauth/token"},)"
      R"("streams":{"items":{"request":{"path":"/x"},"records":"/rows","fields":{"id":"/id","debtor":"/c","invoice_date":"/d","amount":"/a","open_amount":"/o"}}}})",
      "oa.json");
  ASSERT_TRUE(m.ok());
  RestSettings settings;
  settings.token_file = token_file;
  auto adapter = make(std::move(m).value(), settings, "client-secret-xyz");
  auto delta = adapter->pull(std::nullopt);
  ASSERT_FALSE(delta.ok());
  EXPECT_NE(delta.error().message.find("could not be saved"), std::string::npos) << delta.error().to_string();
  EXPECT_EQ(api_calls, 0);
  std::filesystem::remove_all(dir);
}

// --- secrets

TEST_F(RestAdapterTest, NoSecretInLogsErrorsOrMessagesAtTraceLevel) {
  FakeLexoffice lx;
  lx.secret_echo = kSecret;  // the remote echoes the token in an error body
  lx.invoices = {{"s1", "c1", "2025-01-10", "100", "50", "2025-06-20T09:00:00.000+02:00"}};
  int n = 0;
  transport_.handler = [&](const http::Request& r) {
    ++n;
    if (parse_url(r.url).path.starts_with("/v1/payments/")) {
      return reply(400, std::string(R"({"message":"bad token )") + kSecret + R"("})");
    }
    if (r.method == http::Method::kPost && n % 2 == 0) {
      return reply(406, std::string(R"({"message":"invalid key )") + kSecret + R"("})");
    }
    return lx(r);
  };
  auto adapter = make(shipped("lexoffice"));
  std::vector<std::string> outputs;
  auto delta = adapter->pull(std::nullopt);
  ASSERT_TRUE(delta.ok());
  for (const auto& rj : delta->rejected) outputs.push_back(rj.source + rj.where + rj.message);
  EXPECT_FALSE(delta->rejected.empty());  // the refused payments detail
  for (int i = 0; i < 3; ++i)
    outputs.push_back(adapter->push(outbox("fee", kFeePayload, "s" + std::to_string(i))).message);
  outputs.push_back(adapter->lookup(outbox("fee", kFeePayload, "s9")).message);
  transport_.handler = [&](const http::Request&) {
    return reply(401, std::string(R"({"message":")") + kSecret + "\"}");
  };
  auto failed = adapter->pull(std::nullopt);
  ASSERT_FALSE(failed.ok());
  outputs.push_back(failed.error().to_string());
  EXPECT_FALSE(log_.lines.empty());
  bool saw_auth_header = false;
  for (const auto& line : log_.lines) {
    outputs.push_back(line);
    saw_auth_header = saw_auth_header || line.find("Authorization: <redacted>") != std::string::npos;
  }
  EXPECT_TRUE(saw_auth_header);
  for (const auto& o : outputs) EXPECT_EQ(o.find(kSecret), std::string::npos) << o;
  EXPECT_EQ(failed.error().kind, core::ErrorKind::kUnauthorized);
}

// --- settings

TEST(RestSettings, ReadsAndChecksTheTenantSettings) {
  auto s = rest_settings({{"mapping", "lexoffice"},
                          {"base_url", "https://127.0.0.1:8443"},
                          {"ca_file", "certs/ca.pem"},
                          {"rate_per_second", "0"},
                          {"concurrency", "2"}},
                         "acme", "office.json, tenant \"acme\"", "/etc/mahnwerk");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  EXPECT_EQ(s->ca_file, "/etc/mahnwerk/certs/ca.pem");
  EXPECT_EQ(s->credential, "acme/lexoffice");
  EXPECT_EQ(*s->rate_per_second, 0.0);
  EXPECT_EQ(s->concurrency, 2);
  struct Case {
    std::map<std::string, std::string> settings;
    const char* context;
  };
  const Case bad[] = {
      {{}, "settings.mapping"},
      {{{"mapping", "lexoffice"}, {"base_url", "not a url"}}, "settings.base_url"},
      {{{"mapping", "lexoffice"}, {"rate_per_second", "fast"}}, "settings.rate_per_second"},
      {{{"mapping", "lexoffice"}, {"api_key", "abc"}}, "settings.api_key"},
      {{{"mapping", "lexoffice"}, {"concurrency", "0"}}, "settings.concurrency"},
      {{{"mapping", "lexoffice"}, {"concurrency", "4x"}}, "settings.concurrency"},
  };
  for (const auto& c : bad) {
    auto r = rest_settings(c.settings, "acme", "office.json", "/");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().kind, core::ErrorKind::kBadConfig);
    EXPECT_NE(r.error().context.find(c.context), std::string::npos) << r.error().to_string();
  }
}

}  // namespace
}  // namespace mahnwerk::rest
