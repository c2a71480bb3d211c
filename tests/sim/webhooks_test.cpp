// lexoffice's event subscriptions and signed callbacks, end to end over loopback HTTPS: the
// simulator's subscription endpoints behave as documented, a state change sends a callback to
// a receiver in the test, and the engine's WebhookVerifier accepts it and refuses tampered,
// wrongly keyed and unsigned ones. Delivery failures are retried on a shortened schedule.
#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>

#include "adapters/rest/webhook.h"
#include "tests/sim/sim_test_util.h"

namespace mahnwerk::sim {
namespace {

using namespace std::chrono_literals;
using testing::Caller;
using testing::parse;
using testing::text;

// An HTTPS endpoint in the test that records what it is sent and answers from a script.
class Receiver {
 public:
  Receiver() : ca_("webhook receiver CA"), ca_file_(dir_.write("receiver-ca.pem", ca_.cert_pem())) {
    const http::testing::Issued issued = ca_.issue({"localhost"}, {"127.0.0.1"});
    HttpServerOptions options;
    options.cert_pem = issued.cert_pem + ca_.cert_pem();
    options.key_pem = issued.key_pem;
    options.threads = 1;
    server_ = std::make_unique<HttpServer>(options, [this](const HttpRequest& r) { return on(r); });
  }

  std::string url(const std::string& path = "/hook") const {
    return "https://127.0.0.1:" + std::to_string(server_->port()) + path;
  }
  const std::string& ca_file() const { return ca_file_; }

  // The statuses of the next POSTs, in order; after them 200.
  void answer(const std::vector<int>& statuses) {
    std::lock_guard lock(mutex_);
    for (int status : statuses) {
      HttpReply r;
      r.status = status;
      script_.push_back(r);
    }
  }
  // The next POST is answered with `reply` (after the ones already scripted).
  void answer(HttpReply reply) {
    std::lock_guard lock(mutex_);
    script_.push_back(std::move(reply));
  }

  // Waits until `n` POSTs arrived (at most 10 s); returns them all.
  std::vector<HttpRequest> wait_posts(std::size_t n) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, 10s, [&] { return posts_.size() >= n; });
    return posts_;
  }
  long heads() const {
    std::lock_guard lock(mutex_);
    return heads_;
  }

 private:
  HttpReply on(const HttpRequest& r) {
    std::lock_guard lock(mutex_);
    HttpReply reply;
    if (r.method == "HEAD") {
      ++heads_;
      return reply;
    }
    posts_.push_back(r);
    if (!script_.empty()) {
      reply = script_.front();
      script_.erase(script_.begin());
    }
    arrived_.notify_all();
    return reply;
  }

  http::testing::TempDir dir_;
  http::testing::TestCa ca_;
  std::string ca_file_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<HttpRequest> posts_;
  std::vector<HttpReply> script_;
  long heads_ = 0;
  std::unique_ptr<HttpServer> server_;  // last: stopped first
};

Data lexoffice_data() {
  GenerateOptions g;
  g.system = System::kLexoffice;
  g.invoices = 60;
  g.seed = 11;
  return generate(g);
}

const Invoice& an_open_invoice(const Data& data) {
  return *std::find_if(data.invoices.begin(), data.invoices.end(), [](const Invoice& i) {
    return i.status == "open" && i.type == "invoice" && !i.contact_id.empty() && !i.amounts_as_strings;
  });
}

std::unique_ptr<SimServer> start_lexoffice(const Receiver& receiver, const Data& data,
                                           std::vector<std::chrono::milliseconds> retries = {20ms, 40ms},
                                           std::chrono::milliseconds read_timeout = 5s) {
  SimOptions options;
  options.data = data;
  options.rate = std::make_unique<RateSettings>();
  options.rate->off = true;
  options.webhooks.ca_file = receiver.ca_file();
  options.webhooks.retry_delays = std::move(retries);
  options.webhooks.read_timeout = read_timeout;
  return std::make_unique<SimServer>(std::move(options));
}

std::string subscribe_body(const std::string& type, const std::string& url) {
  return R"({"eventType":")" + type + R"(","callbackUrl":")" + url + R"("})";
}

http::Headers headers_of(const HttpRequest& r) {
  http::Headers out;
  for (const auto& [name, value] : r.headers) out.push_back({name, value});
  return out;
}

rest::WebhookSpec lexoffice_spec() {
  rest::WebhookSpec spec;
  spec.signature_header = "X-Lxo-Signature";
  spec.algorithm = rest::WebhookSpec::Algorithm::kRsaSha512;
  spec.type_pointer = "/eventType";
  spec.resource_pointer = "/resourceId";
  spec.date_pointer = "/eventDate";
  return spec;
}

rest::WebhookVerifier verifier_for(const std::string& public_key_pem) {
  auto v = rest::WebhookVerifier::create(lexoffice_spec(), public_key_pem);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().to_string());
  return *v;
}

TEST(LexofficeWebhooks, SubscriptionsAreCreatedListedReadAndDeletedAsDocumented) {
  Receiver receiver;
  const Data data = lexoffice_data();
  auto sim = start_lexoffice(receiver, data);
  Caller c(*sim);

  const http::Outcome created =
      c.post("/event-subscriptions", subscribe_body("invoice.status.changed", receiver.url()));
  ASSERT_EQ(created.response.status, 201) << created.response.body;
  EXPECT_EQ(receiver.heads(), 1);  // the TLS check
  const auto action = parse(created.response.body);
  const std::string id = text(action["id"]);
  EXPECT_EQ(text(action["resourceUri"]), sim->base_url() + "/event-subscriptions/" + id);
  EXPECT_EQ(text(action["version"]), "0");
  ASSERT_NE(http::find_header(created.response.headers, "Location"), nullptr);
  EXPECT_EQ(*http::find_header(created.response.headers, "Location"),
            sim->base_url() + "/event-subscriptions/" + id);

  ASSERT_EQ(c.post("/event-subscriptions", subscribe_body("payment.changed", receiver.url())).response.status,
            201);

  const http::Outcome list = c.get("/event-subscriptions");
  ASSERT_EQ(list.response.status, 200);
  const auto all = parse(list.response.body);
  ASSERT_TRUE(all["content"].IsArray());
  EXPECT_EQ(all["content"].Size(), 2u);
  EXPECT_FALSE(all.HasMember("totalPages"));  // content-wrapped, no paging
  const auto& first = all["content"][0];
  EXPECT_EQ(text(first["subscriptionId"]), id);
  EXPECT_EQ(text(first["organizationId"]), data.organization_id);
  EXPECT_EQ(text(first["eventType"]), "invoice.status.changed");
  EXPECT_EQ(text(first["callbackUrl"]), receiver.url());
  EXPECT_TRUE(first.HasMember("createdDate"));
  EXPECT_FALSE(first.HasMember("version"));

  const http::Outcome one = c.get("/event-subscriptions/" + id);
  ASSERT_EQ(one.response.status, 200);
  EXPECT_EQ(text(parse(one.response.body)["eventType"]), "invoice.status.changed");

  // The same type and URL again: 409. Unknown type, plain http, missing members: 406.
  EXPECT_EQ(c.post("/event-subscriptions", subscribe_body("invoice.status.changed", receiver.url()))
                .response.status,
            409);
  const http::Outcome unknown =
      c.post("/event-subscriptions", subscribe_body("invoice.paid", receiver.url()));
  EXPECT_EQ(unknown.response.status, 406);
  EXPECT_EQ(text(parse(unknown.response.body)["details"][0]["field"]), "eventType");
  EXPECT_EQ(c.post("/event-subscriptions", subscribe_body("invoice.changed", "http://127.0.0.1:1/hook"))
                .response.status,
            406);
  EXPECT_EQ(c.post("/event-subscriptions", R"({"eventType":"invoice.changed"})").response.status, 406);

  EXPECT_EQ(c.call(http::Method::kDelete, "/event-subscriptions/" + id).response.status, 204);
  EXPECT_EQ(c.get("/event-subscriptions/" + id).response.status, 404);
  EXPECT_EQ(c.call(http::Method::kDelete, "/event-subscriptions/" + id).response.status, 404);
  EXPECT_EQ(parse(c.get("/event-subscriptions").response.body)["content"].Size(), 1u);
  // No update: delete and recreate.
  EXPECT_EQ(c.call(http::Method::kPut, "/event-subscriptions/x", "{}").response.status, 404);
}

TEST(LexofficeWebhooks, ACallbackUrlThatFailsTheTlsCheckIsRefused) {
  Receiver receiver;
  SimOptions options;
  options.data = lexoffice_data();
  options.rate = std::make_unique<RateSettings>();
  options.rate->off = true;  // and no ca_file: the receiver's test CA is not trusted
  SimServer sim(std::move(options));
  Caller c(sim);
  const http::Outcome o = c.post("/event-subscriptions", subscribe_body("payment.changed", receiver.url()));
  EXPECT_EQ(o.response.status, 406) << o.response.body;
  EXPECT_NE(o.response.body.find("TLS check"), std::string::npos) << o.response.body;
  EXPECT_EQ(parse(c.get("/event-subscriptions").response.body)["content"].Size(), 0u);
}

TEST(LexofficeWebhooks, APaymentSendsSignedCallbacksThatTheVerifierAccepts) {
  Receiver receiver;
  const Data data = lexoffice_data();
  const Invoice& inv = an_open_invoice(data);
  auto sim = start_lexoffice(receiver, data);
  Caller c(*sim);
  ASSERT_EQ(
      c.post("/event-subscriptions", subscribe_body("payment.changed", receiver.url("/pay"))).response.status,
      201);
  ASSERT_EQ(c.post("/event-subscriptions", subscribe_body("invoice.status.changed", receiver.url("/status")))
                .response.status,
            201);
  ASSERT_EQ(c.post("/event-subscriptions", subscribe_body("contact.deleted", receiver.url())).response.status,
            201);

  // Paid in full behind the API's back: payment.changed and invoice.status.changed (open -> paid).
  const http::Outcome pay = c.post("/_sim/pay", R"({"invoice_id":")" + inv.id + R"(","amount":")" +
                                                    format_cents(inv.open_cents) + R"("})");
  ASSERT_TRUE(pay.ok()) << pay.response.body;
  ASSERT_TRUE(sim->wait_webhooks_idle(10s));
  const std::vector<HttpRequest> posts = receiver.wait_posts(2);
  ASSERT_EQ(posts.size(), 2u);

  const rest::WebhookVerifier verifier = verifier_for(sim->webhook_public_key_pem());
  std::set<std::string> types;
  for (const HttpRequest& post : posts) {
    EXPECT_EQ(post.method, "POST");
    EXPECT_EQ(post.header("Content-Type"), "application/json");
    EXPECT_FALSE(post.header("X-Lxo-Signature").empty());
    EXPECT_EQ(post.body.find(' '), std::string::npos);  // the compact body is what is signed
    const auto event = verifier.verify_event(headers_of(post), post.body);
    ASSERT_TRUE(event.ok()) << event.error().to_string();
    EXPECT_EQ(event->resource_id, inv.id);
    EXPECT_EQ(post.target, event->type == "payment.changed" ? "/pay" : "/status");
    EXPECT_EQ(event->date.size(), 29u) << event->date;  // 2023-04-11T12:30:00.000+02:00
    const auto body = parse(post.body);
    EXPECT_EQ(text(body["organizationId"]), data.organization_id);
    EXPECT_EQ(body.MemberCount(), 4u);
    types.insert(event->type);
  }
  EXPECT_EQ(types, (std::set<std::string>{"payment.changed", "invoice.status.changed"}));

  // A part payment changes the payment but not the status.
  const Invoice& other = *std::find_if(data.invoices.begin(), data.invoices.end(), [&](const Invoice& i) {
    return i.status == "open" && i.id != inv.id && i.open_cents > 100;
  });
  ASSERT_TRUE(c.post("/_sim/pay", R"({"invoice_id":")" + other.id + R"(","amount":"1.00"})").ok());
  ASSERT_TRUE(sim->wait_webhooks_idle(10s));
  const std::vector<HttpRequest> after = receiver.wait_posts(3);
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[2].target, "/pay");

  const auto state = parse(c.get("/_sim/state").response.body);
  EXPECT_EQ(text(state["webhooks"]["delivered"]), "3");
  EXPECT_EQ(text(state["webhooks"]["subscriptions"]), "3");
}

TEST(LexofficeWebhooks, TheVerifierRefusesTamperedWronglyKeyedAndUnsignedCallbacks) {
  Receiver receiver;
  const Data data = lexoffice_data();
  auto sim = start_lexoffice(receiver, data);
  Caller c(*sim);
  ASSERT_EQ(c.post("/event-subscriptions", subscribe_body("dunning.created", receiver.url())).response.status,
            201);
  const Invoice& inv = an_open_invoice(data);
  const std::string dunning =
      R"({"voucherDate":"2026-11-02T10:00:00.000+01:00","lineItems":[{"type":"text","name":"Mahnung"}],)"
      R"("totalPrice":{"currency":"EUR"}})";
  const http::Outcome created = c.post("/dunnings?precedingSalesVoucherId=" + inv.id, dunning);
  ASSERT_EQ(created.response.status, 201) << created.response.body;
  const std::vector<HttpRequest> posts = receiver.wait_posts(1);
  ASSERT_EQ(posts.size(), 1u);
  const HttpRequest& post = posts[0];
  const http::Headers headers = headers_of(post);

  const rest::WebhookVerifier verifier = verifier_for(sim->webhook_public_key_pem());
  const auto event = verifier.verify_event(headers, post.body);
  ASSERT_TRUE(event.ok()) << event.error().to_string();
  EXPECT_EQ(event->type, "dunning.created");
  EXPECT_EQ(event->resource_id, text(parse(created.response.body)["id"]));

  // The body altered by one character.
  std::string tampered = post.body;
  tampered[tampered.find("dunning.created")] = 'D';
  const auto altered = verifier.verify(headers, tampered);
  ASSERT_FALSE(altered.ok());
  EXPECT_EQ(altered.error().kind, core::ErrorKind::kUnauthorized);
  EXPECT_NE(altered.error().message.find("does not match"), std::string::npos);

  // Signed by someone else's key.
  const WebhookSigner stranger;
  const auto wrong_key = verifier_for(stranger.public_key_pem()).verify(headers, post.body);
  ASSERT_FALSE(wrong_key.ok());
  EXPECT_EQ(wrong_key.error().kind, core::ErrorKind::kUnauthorized);
  http::Headers forged = {{"X-Lxo-Signature", stranger.sign(post.body)}};
  EXPECT_FALSE(verifier.verify(forged, post.body).ok());

  // No header, an empty one, or one that is not base64.
  const auto unsigned_ = verifier.verify({{"Content-Type", "application/json"}}, post.body);
  ASSERT_FALSE(unsigned_.ok());
  EXPECT_EQ(unsigned_.error().kind, core::ErrorKind::kUnauthorized);
  EXPECT_NE(unsigned_.error().message.find("no X-Lxo-Signature header"), std::string::npos);
  EXPECT_FALSE(verifier.verify({{"X-Lxo-Signature", ""}}, post.body).ok());
  const auto garbage = verifier.verify({{"x-lxo-signature", "not*base64!"}}, post.body);
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.error().message.find("base64"), std::string::npos);
}

TEST(LexofficeWebhooks, AFailedDeliveryIsRetriedOnTheScheduleWithTheSameSignedBody) {
  Receiver receiver;
  receiver.answer({500, 503});
  const Data data = lexoffice_data();
  auto sim = start_lexoffice(receiver, data);
  Caller c(*sim);
  ASSERT_EQ(c.post("/event-subscriptions", subscribe_body("token.revoked", receiver.url())).response.status,
            201);
  const http::Outcome fired = c.post("/_sim/event", R"({"eventType":"token.revoked","resourceId":"conn-1"})");
  ASSERT_TRUE(fired.ok()) << fired.response.body;
  EXPECT_EQ(fired.response.body, R"({"queued":1})");
  ASSERT_TRUE(sim->wait_webhooks_idle(10s));
  const std::vector<HttpRequest> posts = receiver.wait_posts(3);
  ASSERT_EQ(posts.size(), 3u);
  EXPECT_EQ(posts[0].body, posts[2].body);
  const std::vector<DeliveryAttempt> attempts = sim->webhook_attempts();
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[0].status, 500);
  EXPECT_EQ(attempts[1].status, 503);
  EXPECT_EQ(attempts[2].attempt, 3);
  EXPECT_TRUE(attempts[2].delivered());
  EXPECT_TRUE(verifier_for(sim->webhook_public_key_pem()).verify(headers_of(posts[2]), posts[2].body).ok());
  EXPECT_EQ(sim->publish_event("invoice.created", "x"), 0);  // nobody subscribed to it
}

TEST(LexofficeWebhooks, ALateAnswerIsAFailureAndRedirectsAreFollowed) {
  Receiver receiver;
  HttpReply slow;
  slow.delay = 2s;  // longer than the read timeout below (lexoffice: 5 s)
  receiver.answer(slow);
  HttpReply moved;
  moved.status = 307;
  moved.headers.emplace_back("Location", receiver.url("/moved"));
  receiver.answer(moved);
  const Data data = lexoffice_data();
  auto sim = start_lexoffice(receiver, data, {20ms, 20ms, 20ms}, 300ms);
  Caller c(*sim);
  ASSERT_EQ(c.post("/event-subscriptions", subscribe_body("voucher.changed", receiver.url())).response.status,
            201);
  EXPECT_EQ(sim->publish_event("voucher.changed", "v-1"), 1);
  ASSERT_TRUE(sim->wait_webhooks_idle(10s));
  const std::vector<DeliveryAttempt> attempts = sim->webhook_attempts();
  ASSERT_GE(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].status, 0);  // too late: no answer within the read timeout
  EXPECT_FALSE(attempts[0].failure.empty());
  EXPECT_TRUE(attempts.back().delivered());
  const std::vector<HttpRequest> posts = receiver.wait_posts(3);
  ASSERT_GE(posts.size(), 3u);
  EXPECT_EQ(posts.back().target, "/moved");  // the 307 was followed with the same signed body
  EXPECT_EQ(posts.back().body, posts[0].body);
  EXPECT_EQ(posts.back().header("X-Lxo-Signature"), posts[0].header("X-Lxo-Signature"));
}

TEST(LexofficeWebhooks, GoneDeletesTheSubscriptionAtOnceAndNotFoundAfterTheLastRetry) {
  Receiver receiver;
  receiver.answer({410, 404, 404, 404});
  const Data data = lexoffice_data();
  auto sim = start_lexoffice(receiver, data);
  Caller c(*sim);
  ASSERT_EQ(
      c.post("/event-subscriptions", subscribe_body("invoice.changed", receiver.url("/a"))).response.status,
      201);
  EXPECT_EQ(sim->publish_event("invoice.changed", "i-1"), 1);
  ASSERT_TRUE(sim->wait_webhooks_idle(10s));
  EXPECT_EQ(receiver.wait_posts(1).size(), 1u);
  EXPECT_EQ(parse(c.get("/event-subscriptions").response.body)["content"].Size(), 0u);  // 410: gone

  ASSERT_EQ(
      c.post("/event-subscriptions", subscribe_body("invoice.changed", receiver.url("/b"))).response.status,
      201);
  EXPECT_EQ(sim->publish_event("invoice.changed", "i-2"), 1);
  ASSERT_TRUE(sim->wait_webhooks_idle(10s));
  EXPECT_EQ(receiver.wait_posts(4).size(), 4u);  // 404, then two retries
  EXPECT_EQ(parse(c.get("/event-subscriptions").response.body)["content"].Size(), 0u);
  EXPECT_EQ(sim->webhook_attempts().size(), 4u);
}

TEST(SevdeskWebhooks, SevdeskDocumentsNoWebhooksSoTheSimulatorHasNone) {
  GenerateOptions g;
  g.system = System::kSevdesk;
  g.invoices = 20;
  auto sim = testing::start(generate(g));
  Caller c(*sim);
  EXPECT_EQ(c.post("/event-subscriptions", subscribe_body("invoice.changed", "https://127.0.0.1:1/"))
                .response.status,
            404);
  EXPECT_FALSE(parse(c.get("/_sim/state").response.body).HasMember("webhooks"));
  EXPECT_THROW(sim->webhook_public_key_pem(), std::logic_error);
}

}  // namespace
}  // namespace mahnwerk::sim
