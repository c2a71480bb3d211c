// The client against real loopback HTTPS servers and a CONNECT proxy: TLS verification, pooling,
// timeouts, limits, redirects, retries in virtual time, rate budgets, proxies, concurrency and
// redaction. Certificates come from a CA made at test time; no fixed ports, no real sleeping
// beyond the milliseconds of the timeout tests.
#include <gtest/gtest.h>

#include <openssl/ssl.h>

#include <algorithm>
#include <coroutine>
#include <exception>
#include <thread>

#include "adapters/http/beast_transport.h"
#include "adapters/http/client.h"
#include "tests/adapters/http/test_pki.h"
#include "tests/adapters/http/test_server.h"

namespace mahnwerk::http {
namespace {

using namespace std::chrono_literals;
using std::chrono::microseconds;
using testing::Issued;
using testing::Reply;
using testing::ServedRequest;
using testing::ServerOptions;
using testing::TestCa;
using testing::TestProxy;
using testing::TestServer;

const TimePoint kStart{std::chrono::seconds(1'700'000'000)};

// Always returns the same number: jitter becomes exact.
class FixedRandom final : public Random {
 public:
  explicit FixedRandom(double value) : value_(value) {}
  double uniform() override { return value_; }

 private:
  double value_;
};

class CapturingLog final : public LogSink {
 public:
  LogLevel level() const override { return LogLevel::kTrace; }
  void log(LogLevel, std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

Reply ok(std::string body) { return Reply{200, {{"Content-Type", "text/plain"}}, std::move(body)}; }

class HttpClient : public ::testing::Test {
 protected:
  HttpClient()
      : ca_("mahnwerk test CA"),
        other_ca_("unrelated CA"),
        localhost_(ca_.issue({"localhost"}, {"127.0.0.1"})),
        ca_file_(dir_.write("ca.pem", ca_.cert_pem())) {}

  ServerOptions tls_options(const Issued& issued) const {
    return ServerOptions{true, issued.cert_pem, issued.key_pem};
  }
  ServerOptions tls_options() const { return tls_options(localhost_); }

  Request get(const TestServer& server, const std::string& path) const {
    Request r;
    r.url = "https://localhost:" + std::to_string(server.port()) + path;
    r.ca_file = ca_file_;
    r.retry.max_attempts = 1;
    return r;
  }

  testing::TempDir dir_;
  TestCa ca_;
  TestCa other_ca_;
  Issued localhost_;
  std::string ca_file_;
};

// A client in virtual time over a real transport.
struct VirtualClient {
  explicit VirtualClient(TransportOptions options = {}, double jitter = 0.5, LogSink* log = nullptr)
      : transport(std::move(options)),
        clock(kStart),
        sleeper(clock, transport),
        random(jitter),
        client(transport, ClientEnvironment{&clock, &sleeper, &random, log}) {}

  BeastTransport transport;
  ManualClock clock;
  VirtualSleeper sleeper;
  FixedRandom random;
  Client client;
};

TEST_F(HttpClient, VerifiedHttpsRequestSendsSniAndUsesTls12OrNewer) {
  TestServer server(tls_options(), [](const ServedRequest& r) { return ok("hello " + r.target); });
  VirtualClient c;
  const Outcome outcome = c.client.fetch(get(server, "/v1/profile"));
  ASSERT_TRUE(outcome.ok()) << outcome.error->to_error().to_string();
  EXPECT_EQ(outcome.response.status, 200);
  EXPECT_EQ(outcome.response.body, "hello /v1/profile");
  EXPECT_TRUE(outcome.response.tls_version == "TLSv1.3" || outcome.response.tls_version == "TLSv1.2")
      << outcome.response.tls_version;
  ASSERT_EQ(server.served().size(), 1u);
  EXPECT_EQ(server.served()[0].sni, "localhost");
  EXPECT_EQ(*find_header(server.served()[0].headers, "Host"), "localhost:" + std::to_string(server.port()));
}

TEST_F(HttpClient, ResolveOverrideKeepsTheRealHostNameForSniAndVerification) {
  const Issued api = ca_.issue({"api.lexware.test"}, {});
  TestServer server(tls_options(api), [](const ServedRequest&) { return ok("{}"); });
  VirtualClient c(TransportOptions{{}, {{"api.lexware.test", "127.0.0.1"}}});
  Request r = get(server, "/");
  r.url = "https://api.lexware.test:" + std::to_string(server.port()) + "/v1/voucherlist";
  const Outcome outcome = c.client.fetch(r);
  ASSERT_TRUE(outcome.ok()) << outcome.error->to_error().to_string();
  EXPECT_EQ(server.served().at(0).sni, "api.lexware.test");
}

TEST_F(HttpClient, SystemCertificateStoreDoesNotTrustTheTestCa) {
  TestServer server(tls_options(), [](const ServedRequest&) { return ok("x"); });
  VirtualClient c;
  Request r = get(server, "/");
  r.ca_file.clear();  // verification on by default, against the system's CAs
  r.retry.max_attempts = 3;
  const Outcome outcome = c.client.fetch(r);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->error_class, ErrorClass::kTls);
  EXPECT_EQ(outcome.error->failure, Failure::kTls);
  EXPECT_EQ(outcome.attempts, 1);  // a refused certificate is not retried
  EXPECT_NE(outcome.error->message.find("certificate"), std::string::npos) << outcome.error->message;
  EXPECT_EQ(server.requests(), 0u);
}

TEST_F(HttpClient, WrongHostNameIsRefused) {
  const Issued elsewhere = ca_.issue({"api.sevdesk.test"}, {"127.0.0.2"});
  TestServer server(tls_options(elsewhere), [](const ServedRequest&) { return ok("x"); });
  VirtualClient c;
  for (const std::string host : {"localhost", "127.0.0.1"}) {
    Request r = get(server, "/");
    r.url = "https://" + host + ":" + std::to_string(server.port()) + "/";
    const Outcome outcome = c.client.fetch(r);
    ASSERT_FALSE(outcome.ok()) << host;
    EXPECT_EQ(outcome.error->error_class, ErrorClass::kTls) << host;
    EXPECT_EQ(outcome.error->to_error().kind, core::ErrorKind::kUnauthorized);
  }
  EXPECT_EQ(server.requests(), 0u);
}

TEST_F(HttpClient, CertificateFromAnUntrustedCaIsRefused) {
  TestServer server(tls_options(other_ca_.issue({"localhost"}, {"127.0.0.1"})),
                    [](const ServedRequest&) { return ok("x"); });
  VirtualClient c;
  const Outcome outcome = c.client.fetch(get(server, "/"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->error_class, ErrorClass::kTls);
  EXPECT_EQ(server.requests(), 0u);
}

TEST_F(HttpClient, EachTenantTrustsOnlyItsOwnCaFileOnOneTransport) {
  TestServer office_a(tls_options(), [](const ServedRequest&) { return ok("a"); });
  TestServer office_b(tls_options(other_ca_.issue({"localhost"}, {})),
                      [](const ServedRequest&) { return ok("b"); });
  const std::string other_ca_file = dir_.write("other-ca.pem", other_ca_.cert_pem());
  VirtualClient c;
  Request to_a = get(office_a, "/");
  Request to_b = get(office_b, "/");
  to_b.ca_file = other_ca_file;
  Outcome a, b, a_with_b_ca;
  c.client.send(to_a, [&](Outcome o) { a = std::move(o); });
  c.client.send(to_b, [&](Outcome o) { b = std::move(o); });
  to_a.ca_file = other_ca_file;
  c.client.send(to_a, [&](Outcome o) { a_with_b_ca = std::move(o); });
  c.transport.run();
  ASSERT_TRUE(a.ok()) << a.error->to_error().to_string();
  ASSERT_TRUE(b.ok()) << b.error->to_error().to_string();
  EXPECT_EQ(a.response.body + b.response.body, "ab");
  ASSERT_FALSE(a_with_b_ca.ok());
  EXPECT_EQ(a_with_b_ca.error->error_class, ErrorClass::kTls);
}

TEST_F(HttpClient, MissingCaFileIsATlsErrorNamingTheFile) {
  TestServer server(tls_options(), [](const ServedRequest&) { return ok("x"); });
  VirtualClient c;
  Request r = get(server, "/");
  r.ca_file = dir_.path() + "/absent.pem";
  const Outcome outcome = c.client.fetch(r);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->error_class, ErrorClass::kTls);
  EXPECT_NE(outcome.error->message.find("absent.pem"), std::string::npos) << outcome.error->message;
}

TEST_F(HttpClient, ServerLimitedToTls11IsRefusedAndTls12IsAccepted) {
  ServerOptions old = tls_options();
  old.max_tls_version = TLS1_1_VERSION;
  TestServer tls11(old, [](const ServedRequest&) { return ok("x"); });
  VirtualClient c;
  const Outcome refused = c.client.fetch(get(tls11, "/"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error->error_class, ErrorClass::kTls);
  EXPECT_EQ(tls11.requests(), 0u);

  ServerOptions v12 = tls_options();
  v12.max_tls_version = TLS1_2_VERSION;
  TestServer tls12(v12, [](const ServedRequest&) { return ok("x"); });
  const Outcome accepted = c.client.fetch(get(tls12, "/"));
  ASSERT_TRUE(accepted.ok()) << accepted.error->to_error().to_string();
  EXPECT_EQ(accepted.response.tls_version, "TLSv1.2");
}

TEST_F(HttpClient, KeepAliveReusesOneConnectionPerHost) {
  TestServer server(tls_options(), [](const ServedRequest& r) { return ok(r.target); });
  VirtualClient c;
  for (int i = 0; i < 5; ++i) {
    const Outcome outcome = c.client.fetch(get(server, "/page/" + std::to_string(i)));
    ASSERT_TRUE(outcome.ok());
    EXPECT_EQ(outcome.response.body, "/page/" + std::to_string(i));
    EXPECT_EQ(outcome.response.reused_connection, i > 0);
  }
  EXPECT_EQ(server.connections(), 1u);
  EXPECT_EQ(c.transport.stats().connections_opened, 1u);
  EXPECT_EQ(c.transport.stats().tls_handshakes, 1u);
  EXPECT_EQ(c.transport.stats().reused, 4u);
  EXPECT_EQ(c.transport.idle_connections(), 1u);
}

TEST_F(HttpClient, PooledConnectionClosedByTheServerIsNotUsed) {
  TestServer server(tls_options(), [](const ServedRequest& r) {
    Reply reply = ok(r.target);
    reply.act = Reply::Act::kRespondClose;  // announces keep-alive, then hangs up
    return reply;
  });
  VirtualClient c;
  ASSERT_TRUE(c.client.fetch(get(server, "/1")).ok());
  const Outcome second = c.client.fetch(get(server, "/2"));
  ASSERT_TRUE(second.ok()) << second.error->to_error().to_string();
  EXPECT_EQ(second.response.body, "/2");
  EXPECT_EQ(second.attempts, 1);
  // Normally the hang-up is seen before reuse; should it arrive a moment too late, the request
  // breaks on the pooled connection and is sent again on a fresh one.
  EXPECT_EQ(c.transport.stats().dead_dropped + c.transport.stats().stale_retries, 1u);
  EXPECT_EQ(server.connections(), 2u);
}

// On its first connection, the server answers once and then drops the next request unanswered.
Reply drop_second_on_first_connection(const ServedRequest& r, std::atomic<int>& seen_on_first) {
  if (r.connection == 1 && ++seen_on_first == 2) return Reply{200, {}, "", Reply::Act::kDrop};
  return ok(r.method + " " + r.target);
}

TEST_F(HttpClient, PooledConnectionBreakingMidRequestIsRetriedOnlyWhenRepeatable) {
  std::atomic<int> seen{0};
  TestServer server(tls_options(),
                    [&seen](const ServedRequest& r) { return drop_second_on_first_connection(r, seen); });
  VirtualClient c;
  ASSERT_TRUE(c.client.fetch(get(server, "/1")).ok());
  const Outcome get_again = c.client.fetch(get(server, "/2"));
  ASSERT_TRUE(get_again.ok()) << get_again.error->to_error().to_string();
  EXPECT_EQ(get_again.response.body, "GET /2");
  EXPECT_EQ(c.transport.stats().stale_retries, 1u);
  EXPECT_EQ(server.connections(), 2u);

  std::atomic<int> seen_post{0};
  TestServer post_server(tls_options(), [&seen_post](const ServedRequest& r) {
    return drop_second_on_first_connection(r, seen_post);
  });
  VirtualClient p;
  ASSERT_TRUE(p.client.fetch(get(post_server, "/1")).ok());
  Request post = get(post_server, "/v1/dunnings");
  post.method = Method::kPost;
  post.body = "{}";
  post.retry.max_attempts = 3;
  const Outcome posted = p.client.fetch(post);
  ASSERT_FALSE(posted.ok());
  EXPECT_TRUE(posted.error->may_have_committed);  // the server got it: look up before retrying
  EXPECT_EQ(posted.attempts, 1);
  EXPECT_EQ(post_server.requests(), 2u);
}

TEST_F(HttpClient, PlainHttpForOnPremisesServicesKeepsAliveToo) {
  TestServer server(ServerOptions{false, "", ""},
                    [](const ServedRequest& r) { return ok(r.method + r.target); });
  VirtualClient c;
  for (const Method m : {Method::kGet, Method::kPut, Method::kDelete}) {
    Request r;
    r.method = m;
    r.url = "http://127.0.0.1:" + std::to_string(server.port()) + "/datev/api";
    const Outcome outcome = c.client.fetch(r);
    ASSERT_TRUE(outcome.ok()) << outcome.error->to_error().to_string();
    EXPECT_EQ(outcome.response.body, std::string(to_string(m)) + "/datev/api");
    EXPECT_EQ(outcome.response.tls_version, "");
  }
  EXPECT_EQ(server.connections(), 1u);
}

TEST_F(HttpClient, ConnectTimeoutWhenTheHandshakeStalls) {
  ServerOptions stalling = tls_options();
  stalling.stall_handshake = true;
  TestServer server(stalling, [](const ServedRequest&) { return ok("x"); });
  VirtualClient c;
  Request r = get(server, "/");
  r.timeouts.connect = 50ms;
  const Outcome outcome = c.client.fetch(r);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->failure, Failure::kConnectTimeout);
  EXPECT_EQ(outcome.error->error_class, ErrorClass::kRetryable);
  EXPECT_FALSE(outcome.error->may_have_committed);
}

TEST_F(HttpClient, ReadTimeoutWhenTheServerStallsAfterTheRequest) {
  TestServer server(tls_options(), [](const ServedRequest&) {
    return Reply{200, {}, "", Reply::Act::kStall};
  });
  VirtualClient c;
  Request r = get(server, "/");
  r.timeouts.read = 50ms;
  const Outcome outcome = c.client.fetch(r);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->failure, Failure::kReadTimeout);
  EXPECT_EQ(outcome.error->error_class, ErrorClass::kRetryable);
}

TEST_F(HttpClient, TotalTimeoutWhenTheBodyTrickles) {
  TestServer server(tls_options(), [](const ServedRequest&) {
    return Reply{200, {}, std::string(200, 'x'), Reply::Act::kDribble, 5ms};
  });
  VirtualClient c;
  Request r = get(server, "/");
  r.timeouts.read = 2s;     // each byte comes well within the read timeout ...
  r.timeouts.total = 80ms;  // ... but the whole body would take a second
  const Outcome outcome = c.client.fetch(r);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->failure, Failure::kTotalTimeout);
}

TEST_F(HttpClient, TimedOutPostIsNotRetriedAndMayHaveCommitted) {
  TestServer server(tls_options(), [](const ServedRequest&) {
    return Reply{200, {}, "", Reply::Act::kStall};
  });
  VirtualClient c;
  Request r = get(server, "/v1/dunnings");
  r.method = Method::kPost;
  r.body = "{}";
  r.timeouts.read = 50ms;
  r.retry.max_attempts = 4;
  const Outcome outcome = c.client.fetch(r);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_TRUE(outcome.error->may_have_committed);
  EXPECT_EQ(server.requests(), 1u);
}

TEST_F(HttpClient, BodyOverTheLimitFailsAsInvalidWithoutRetry) {
  TestServer server(tls_options(), [](const ServedRequest&) { return ok(std::string(10'000, 'x')); });
  VirtualClient c;
  Request r = get(server, "/");
  r.max_body_bytes = 1000;
  r.retry.max_attempts = 3;
  const Outcome outcome = c.client.fetch(r);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->failure, Failure::kBodyTooLarge);
  EXPECT_EQ(outcome.error->error_class, ErrorClass::kInvalid);
  EXPECT_EQ(outcome.attempts, 1);
  r.max_body_bytes = 10'000;
  EXPECT_TRUE(c.client.fetch(r).ok());
}

// /r/N redirects to /r/N-1 (alternating relative and absolute Location); /r/0 answers.
Reply countdown(const ServedRequest& r, std::uint16_t port) {
  const int n = std::stoi(r.target.substr(3));
  if (n == 0) return ok("arrived");
  const std::string next = "/r/" + std::to_string(n - 1);
  const std::string location = n % 2 ? next : "https://localhost:" + std::to_string(port) + next;
  return Reply{n % 2 ? 302 : 307, {{"Location", location}}, ""};
}

TEST_F(HttpClient, RedirectsAreFollowedUpToTheLimit) {
  std::uint16_t port = 0;
  TestServer server(tls_options(), [&port](const ServedRequest& r) { return countdown(r, port); });
  port = server.port();
  VirtualClient c;
  Request r = get(server, "/r/3");
  r.max_redirects = 3;
  const Outcome followed = c.client.fetch(r);
  ASSERT_TRUE(followed.ok()) << followed.error->to_error().to_string();
  EXPECT_EQ(followed.response.body, "arrived");
  EXPECT_EQ(followed.redirects, 3);

  r.url = "https://localhost:" + std::to_string(port) + "/r/4";
  const Outcome too_many = c.client.fetch(r);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error->error_class, ErrorClass::kInvalid);
  EXPECT_NE(too_many.error->message.find("more than 3 redirects"), std::string::npos);
  EXPECT_EQ(too_many.response.status, 302);

  r.max_redirects = 0;  // redirects off: the 3xx is the answer
  const Outcome unfollowed = c.client.fetch(r);
  ASSERT_FALSE(unfollowed.ok());
  EXPECT_EQ(unfollowed.response.status, 307);
}

TEST_F(HttpClient, RedirectToAnotherOriginDropsTheCredentials) {
  TestServer target(tls_options(), [](const ServedRequest&) { return ok("elsewhere"); });
  const std::string location = "https://localhost:" + std::to_string(target.port()) + "/landing";
  TestServer origin(tls_options(), [&](const ServedRequest&) {
    return Reply{302, {{"Location", location}}, ""};
  });
  VirtualClient c;
  Request r = get(origin, "/start");
  r.headers = {{"Authorization", "Bearer secret-token-xyz"}, {"Accept", "application/json"}};
  const Outcome outcome = c.client.fetch(r);
  ASSERT_TRUE(outcome.ok()) << outcome.error->to_error().to_string();
  EXPECT_EQ(outcome.response.body, "elsewhere");
  ASSERT_EQ(origin.served().size(), 1u);
  EXPECT_NE(find_header(origin.served()[0].headers, "Authorization"), nullptr);
  ASSERT_EQ(target.served().size(), 1u);
  EXPECT_EQ(find_header(target.served()[0].headers, "Authorization"), nullptr);
  EXPECT_NE(find_header(target.served()[0].headers, "Accept"), nullptr);
}

TEST_F(HttpClient, SeeOtherTurnsAPostIntoAGetAndOtherRedirectsOfAPostAreNotFollowed) {
  TestServer server(tls_options(), [](const ServedRequest& r) {
    if (r.target == "/create") return Reply{303, {{"Location", "/result"}}, ""};
    if (r.target == "/moved") return Reply{301, {{"Location", "/result"}}, ""};
    return ok(r.method + " " + r.body);
  });
  VirtualClient c;
  Request r = get(server, "/create");
  r.method = Method::kPost;
  r.body = "{\"a\":1}";
  r.headers = {{"Content-Type", "application/json"}};
  const Outcome see_other = c.client.fetch(r);
  ASSERT_TRUE(see_other.ok()) << see_other.error->to_error().to_string();
  EXPECT_EQ(see_other.response.body, "GET ");
  EXPECT_EQ(find_header(server.served().at(1).headers, "Content-Type"), nullptr);

  r.url = "https://localhost:" + std::to_string(server.port()) + "/moved";
  const Outcome moved = c.client.fetch(r);
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error->error_class, ErrorClass::kInvalid);
  EXPECT_EQ(moved.error->message, "redirect 301 not followed");
}

TEST_F(HttpClient, RedirectFromHttpsToHttpIsRefused) {
  TestServer server(tls_options(), [](const ServedRequest&) {
    return Reply{302, {{"Location", "http://localhost:1/plain"}}, ""};
  });
  VirtualClient c;
  const Outcome outcome = c.client.fetch(get(server, "/"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->message, "redirect from https to http refused");
}

// Answers with `first` replies in order, then 200.
struct Script {
  std::vector<Reply> first;
  std::atomic<std::size_t> served{0};
  Reply operator()(const ServedRequest&) {
    const std::size_t n = served++;
    return n < first.size() ? first[n] : ok("done");
  }
};

TEST_F(HttpClient, RateLimitedRequestIsRetriedAfterRetryAfterSeconds) {
  Script script{{Reply{429, {{"Retry-After", "7"}}, ""}}};
  TestServer server(tls_options(), std::ref(script));
  VirtualClient c;
  Request r = get(server, "/v1/voucherlist");
  r.retry.max_attempts = 3;
  const Outcome outcome = c.client.fetch(r);
  ASSERT_TRUE(outcome.ok()) << outcome.error->to_error().to_string();
  EXPECT_EQ(outcome.attempts, 2);
  ASSERT_EQ(c.sleeper.delays().size(), 3u);  // budget wait, Retry-After, budget wait
  EXPECT_EQ(c.sleeper.delays()[1], 7s);
  EXPECT_EQ(c.clock.now(), kStart + 7s);
}

TEST_F(HttpClient, RetryAfterAsHttpDateIsMeasuredFromTheInjectedClock) {
  // kStart is 2023-11-14 22:13:20 UTC; the server asks to come back 30 s later.
  Script script{{Reply{429, {{"Retry-After", "Tue, 14 Nov 2023 22:13:50 GMT"}}, ""}}};
  TestServer server(tls_options(), std::ref(script));
  VirtualClient c;
  Request r = get(server, "/");
  r.retry.max_attempts = 2;
  const Outcome outcome = c.client.fetch(r);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(c.sleeper.delays().at(1), 30s);
  EXPECT_EQ(c.clock.now(), kStart + 30s);
}

TEST_F(HttpClient, RetryAfterBeyondThePolicyLimitIsNotWaitedFor) {
  Script script{{Reply{429, {{"Retry-After", "3600"}}, ""}}};
  TestServer server(tls_options(), std::ref(script));
  VirtualClient c;
  Request r = get(server, "/");
  r.retry.max_attempts = 3;
  const Outcome outcome = c.client.fetch(r);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(outcome.error->retry_after, std::chrono::milliseconds(3'600'000));
  EXPECT_EQ(outcome.attempts, 1);
}

TEST_F(HttpClient, ServerErrorsBackOffExponentiallyWithJitter) {
  Script script{{Reply{503, {}, ""}, Reply{502, {}, ""}, Reply{500, {}, ""}}};
  TestServer server(tls_options(), std::ref(script));
  VirtualClient c(TransportOptions{}, 0.5);
  Request r = get(server, "/");
  r.retry.max_attempts = 4;
  r.retry.base_delay = 1s;
  const Outcome outcome = c.client.fetch(r);
  ASSERT_TRUE(outcome.ok());
  EXPECT_EQ(outcome.attempts, 4);
  const std::vector<microseconds> expected{0us, 750ms, 0us, 1500ms, 0us, 3s, 0us};  // budget waits are 0
  EXPECT_EQ(c.sleeper.delays(), expected);
}

TEST_F(HttpClient, GivesUpAfterMaxAttemptsAsRetryable) {
  TestServer server(tls_options(), [](const ServedRequest&) { return Reply{500, {}, "{}"}; });
  VirtualClient c;
  Request r = get(server, "/");
  r.retry.max_attempts = 3;
  const Outcome outcome = c.client.fetch(r);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->error_class, ErrorClass::kRetryable);
  EXPECT_EQ(outcome.error->status, 500);
  EXPECT_FALSE(outcome.error->may_have_committed);  // GET
  EXPECT_EQ(outcome.attempts, 3);
  EXPECT_EQ(server.requests(), 3u);
}

TEST_F(HttpClient, PostIsRetriedOn429ButNotOn504) {
  Script script{{Reply{429, {{"Retry-After", "1"}}, ""},
                 Reply{504, {}, R"({"message":"Endpoint request timed out"})"}}};
  TestServer server(tls_options(), std::ref(script));
  VirtualClient c;
  Request r = get(server, "/v1/dunnings?precedingSalesVoucherId=1");
  r.method = Method::kPost;
  r.body = R"({"title":"Mahnung"})";
  r.retry.max_attempts = 5;
  const ErrorPolicy lexoffice({"/message"});
  r.errors = &lexoffice;
  const Outcome outcome = c.client.fetch(r);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.attempts, 2);
  EXPECT_EQ(outcome.error->status, 504);
  EXPECT_TRUE(outcome.error->may_have_committed);
  EXPECT_EQ(outcome.error->message, "Endpoint request timed out");
  EXPECT_EQ(server.served().at(1).body, R"({"title":"Mahnung"})");
}

TEST_F(HttpClient, StatusesAreClassifiedOverTheWire) {
  TestServer server(tls_options(), [](const ServedRequest& r) {
    return Reply{std::stoi(r.target.substr(1)), {}, ""};
  });
  VirtualClient c;
  const std::pair<int, ErrorClass> cases[] = {
      {400, ErrorClass::kInvalid},   {401, ErrorClass::kAuth},        {403, ErrorClass::kAuth},
      {404, ErrorClass::kNotFound},  {406, ErrorClass::kInvalid},     {409, ErrorClass::kConflict},
      {410, ErrorClass::kNotFound},  {422, ErrorClass::kInvalid},     {500, ErrorClass::kRetryable},
      {503, ErrorClass::kRetryable}, {429, ErrorClass::kRateLimited},
  };
  for (const auto& [status, error_class] : cases) {
    const Outcome outcome = c.client.fetch(get(server, "/" + std::to_string(status)));
    ASSERT_FALSE(outcome.ok()) << status;
    EXPECT_EQ(outcome.error->status, status);
    EXPECT_EQ(outcome.error->error_class, error_class) << status;
  }
  EXPECT_EQ(server.connections(), 1u);  // error responses keep the connection too
}

TEST_F(HttpClient, ErrorEnvelopeBecomesTheMessageAndDisguisedRateLimitIsRetried) {
  const std::string validation =
      R"({"status":406,"error":"Not Acceptable","message":"Validation failed for request.",)"
      R"("details":[{"violation":"NOTNULL","field":"lineItems[0].name","message":"darf nicht leer sein"}]})";
  Script script{{Reply{500, {}, R"({"message":"Internal server error or rate limit exceeded"})"},
                 Reply{406, {{"Content-Type", "application/json"}}, validation}}};
  TestServer server(tls_options(), std::ref(script));
  VirtualClient c;
  const ErrorPolicy lexoffice({"/message", "/details/*/field", "/details/*/message"},
                              {{500, "rate limit exceeded", ErrorClass::kRateLimited}});
  Request r = get(server, "/v1/invoices");
  r.method = Method::kPost;
  r.errors = &lexoffice;
  r.retry.max_attempts = 3;
  const Outcome outcome = c.client.fetch(r);
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.attempts, 2);  // the disguised 429 was retried although POST
  EXPECT_EQ(outcome.error->error_class, ErrorClass::kInvalid);
  EXPECT_EQ(outcome.error->message,
            "Validation failed for request.; lineItems[0].name; darf nicht leer sein");
  const std::string text = outcome.error->to_error().to_string();
  EXPECT_EQ(text, "POST https://localhost:" + std::to_string(server.port()) +
                      "/v1/invoices: HTTP 406 (invalid): Validation failed for request.; lineItems[0].name; "
                      "darf nicht leer sein");
}

TEST_F(HttpClient, TunnelsThroughTheConnectProxyWithProxyCredentials) {
  TestServer server(tls_options(), [](const ServedRequest& r) { return ok(r.target); });
  TestProxy proxy;
  TransportOptions options;
  options.proxy =
      ProxySettings::parse("http://office:pr0xy-pass@127.0.0.1:" + std::to_string(proxy.port()), "").value();
  VirtualClient c(options);
  for (int i = 0; i < 3; ++i) {
    const Outcome outcome = c.client.fetch(get(server, "/through/" + std::to_string(i)));
    ASSERT_TRUE(outcome.ok()) << outcome.error->to_error().to_string();
    EXPECT_EQ(outcome.response.body, "/through/" + std::to_string(i));
  }
  const std::vector<std::string> expected{"localhost:" + std::to_string(server.port())};
  EXPECT_EQ(proxy.targets(), expected);  // one tunnel, kept alive for all three
  EXPECT_EQ(proxy.authorizations(), std::vector<std::string>{"Basic b2ZmaWNlOnByMHh5LXBhc3M="});
  EXPECT_EQ(server.served().at(0).sni, "localhost");  // TLS end to end through the tunnel
}

TEST_F(HttpClient, NoProxyGoesDirectAndARefusedTunnelIsAProxyFailure) {
  TestServer server(tls_options(), [](const ServedRequest&) { return ok("direct"); });
  TestProxy refusing(403);
  const std::string proxy_url = "http://127.0.0.1:" + std::to_string(refusing.port());
  TransportOptions bypass;
  bypass.proxy = ProxySettings::parse(proxy_url, "example.org,localhost").value();
  VirtualClient direct(bypass);
  ASSERT_TRUE(direct.client.fetch(get(server, "/")).ok());
  EXPECT_TRUE(refusing.targets().empty());

  TransportOptions through;
  through.proxy = ProxySettings::parse(proxy_url, "example.org").value();
  VirtualClient proxied(through);
  const Outcome outcome = proxied.client.fetch(get(server, "/"));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error->failure, Failure::kProxy);
  EXPECT_NE(outcome.error->message.find("403"), std::string::npos) << outcome.error->message;
  EXPECT_EQ(refusing.targets().size(), 1u);
}

TEST_F(HttpClient, ManyRequestsAcrossTenantsInFlightOnOneThread) {
  constexpr int kTenants = 8;
  constexpr int kPerTenant = 25;
  TestServer server(tls_options(), [](const ServedRequest& r) { return ok(r.target); });
  VirtualClient c;
  const std::thread::id test_thread = std::this_thread::get_id();
  int done = 0;
  int in_flight = 0;
  int max_in_flight = 0;
  bool all_on_test_thread = true;
  for (int t = 0; t < kTenants; ++t) {
    for (int i = 0; i < kPerTenant; ++i) {
      Request r = get(server, "/tenant/" + std::to_string(t) + "/item/" + std::to_string(i));
      r.credential = "tenant-" + std::to_string(t);
      ++in_flight;
      max_in_flight = std::max(max_in_flight, in_flight);
      c.client.send(r, [&, expected = r.url.substr(r.url.find("/tenant"))](Outcome o) {
        --in_flight;
        all_on_test_thread = all_on_test_thread && std::this_thread::get_id() == test_thread;
        if (o.ok() && o.response.body == expected) ++done;
      });
    }
  }
  c.transport.run();
  EXPECT_EQ(done, kTenants * kPerTenant);
  EXPECT_EQ(max_in_flight, kTenants * kPerTenant);
  EXPECT_TRUE(all_on_test_thread);
  EXPECT_GT(server.connections(), 1u);  // truly concurrent: several connections at once
  EXPECT_LE(c.transport.idle_connections(), 8u);
}

TEST_F(HttpClient, TokenBucketPacesEachCredentialInVirtualTime) {
  TestServer server(tls_options(), [](const ServedRequest& r) { return ok(r.target); });
  VirtualClient c;
  c.client.set_rate_budget("lexoffice-a", RateBudget{2.0, 1});
  c.client.set_rate_budget("lexoffice-b", RateBudget{2.0, 1});
  std::vector<std::pair<std::string, TimePoint>> sent;  // completion order with the virtual time
  auto submit = [&](const std::string& credential, int n) {
    Request r = get(server, "/" + credential + "/" + std::to_string(n));
    r.credential = credential;
    c.client.send(r, [&, credential](Outcome o) {
      ASSERT_TRUE(o.ok());
      sent.emplace_back(credential, c.clock.now());
    });
  };
  for (int i = 0; i < 5; ++i) submit("lexoffice-a", i);
  for (int i = 0; i < 2; ++i) submit("lexoffice-b", i);
  c.transport.run();
  const std::vector<microseconds> expected{0us, 500ms, 1000ms, 1500ms, 2000ms, 0us, 500ms};
  EXPECT_EQ(c.sleeper.delays(), expected);
  EXPECT_EQ(c.clock.now(), kStart + 2s);  // 5 requests at 2/s: the last one 2 s after the first
  EXPECT_EQ(server.requests(), 7u);
  // Each completion happened no earlier than its slot.
  int a = 0;
  for (const auto& [credential, at] : sent) {
    if (credential == "lexoffice-a") {
      EXPECT_GE(at, kStart + a++ * 500ms);
    }
  }
}

TEST_F(HttpClient, RateLimitedResponseHoldsBackTheWholeCredential) {
  Script script{{Reply{429, {{"Retry-After", "4"}}, ""}}};
  TestServer server(tls_options(), std::ref(script));
  VirtualClient c;
  c.client.set_rate_budget("sevdesk", RateBudget{10.0, 5});
  Request r = get(server, "/");
  r.credential = "sevdesk";
  r.retry.max_attempts = 1;  // gives up at once, but the credential stays blocked
  const Outcome refused = c.client.fetch(r);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error->error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(c.clock.now(), kStart);
  const Outcome next = c.client.fetch(r);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(c.sleeper.delays().back(), 4s);  // the next request of the credential waited
  EXPECT_EQ(c.clock.now(), kStart + 4s);
  c.client.set_rate_budget("other", RateBudget{10.0, 5});
  r.credential = "other";
  ASSERT_TRUE(c.client.fetch(r).ok());
  EXPECT_EQ(c.sleeper.delays().back(), 0us);  // other credentials are not held back
}

TEST_F(HttpClient, MaxInFlightCapsTheCredentialsConnections) {
  TestServer server(tls_options(), [](const ServedRequest& r) { return ok(r.target); });
  VirtualClient c;
  c.client.set_rate_budget("xero-tenant", RateBudget{1000.0, 1000, 2});
  int done = 0;
  for (int i = 0; i < 10; ++i) {
    Request r = get(server, "/" + std::to_string(i));
    r.credential = "xero-tenant";
    c.client.send(r, [&done, i](Outcome o) { done += o.ok() && o.response.body == "/" + std::to_string(i); });
  }
  c.transport.run();
  EXPECT_EQ(done, 10);
  EXPECT_EQ(server.connections(), 2u);  // never more than two on the wire, each reused
  EXPECT_EQ(c.transport.stats().reused, 8u);
}

// The smallest coroutine type: starts at once, nobody awaits it.
struct Detached {
  struct promise_type {
    Detached get_return_object() { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };
};

Detached pull_pages(Client& client, Request request, int pages, std::vector<std::string>& bodies) {
  const std::string base = request.url;
  for (int page = 0; page < pages; ++page) {
    request.url = base + "?page=" + std::to_string(page);
    const Outcome o = co_await client.async_send(request);
    bodies.push_back(o.ok() ? o.response.body : o.error->to_error().to_string());
  }
}

TEST_F(HttpClient, CoroutinesAwaitRequestsWithoutAsio) {
  TestServer server(tls_options(), [](const ServedRequest& r) { return ok(r.target); });
  VirtualClient c;
  std::vector<std::string> a, b;
  pull_pages(c.client, get(server, "/tenant-a"), 3, a);
  pull_pages(c.client, get(server, "/tenant-b"), 2, b);
  Request bad;
  bad.url = "ftp://nowhere/";
  std::vector<std::string> failed;
  pull_pages(c.client, bad, 1, failed);  // fails on the loop, not inside send()
  EXPECT_TRUE(a.empty());
  EXPECT_TRUE(failed.empty());
  c.transport.run();
  EXPECT_EQ(a, (std::vector<std::string>{"/tenant-a?page=0", "/tenant-a?page=1", "/tenant-a?page=2"}));
  EXPECT_EQ(b, (std::vector<std::string>{"/tenant-b?page=0", "/tenant-b?page=1"}));
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_NE(failed[0].find("scheme must be http or https"), std::string::npos) << failed[0];
}

TEST_F(HttpClient, NoSecretInAnyLogLineOrErrorAtTraceLevel) {
  const std::string bearer = "lxo-4f1c2d7e9b8a6c5d";
  const std::string sevdesk_token = "0123456789abcdef0123456789abcdef";
  const std::string query_token = "qtok-77aa88bb99cc";
  const std::string redirect_token = "rtok-1234abcd5678";
  // Echoes every credential it gets back in headers and the error envelope.
  std::uint16_t port = 0;
  TestServer server(tls_options(), [&](const ServedRequest& r) {
    const std::string* auth = find_header(r.headers, "Authorization");
    const std::string echoed = (auth ? *auth : "") + " " + r.target;
    if (r.target.starts_with("/start")) {
      return Reply{
          307,
          {{"Location", "https://localhost:" + std::to_string(port) + "/next?token=" + redirect_token}},
          ""};
    }
    if (r.target.starts_with("/next")) return Reply{503, {{"Set-Cookie", "session=" + bearer}}, ""};
    return Reply{401,
                 {{"WWW-Authenticate", "Bearer"}, {"X-Echo", echoed}},
                 R"({"message":"token )" + echoed + R"( refused"})"};
  });
  port = server.port();
  CapturingLog log;
  VirtualClient c(TransportOptions{}, 0.5, &log);
  const ErrorPolicy policy({"/message"});

  Request r = get(server, "/start?token=" + query_token);
  r.headers = {{"Authorization", "Bearer " + bearer}, {"Accept", "application/json"}};
  r.retry.max_attempts = 2;
  r.errors = &policy;
  const Outcome first = c.client.fetch(r);
  Request sevdesk = get(server, "/v1/Invoice");
  sevdesk.headers = {{"Authorization", sevdesk_token}};
  sevdesk.errors = &policy;
  const Outcome second = c.client.fetch(sevdesk);
  ASSERT_FALSE(first.ok());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error->error_class, ErrorClass::kAuth);

  std::vector<std::string> outputs = log.lines;
  for (const Outcome* o : {&first, &second}) {
    outputs.push_back(o->error->to_error().to_string());
    outputs.push_back(o->error->endpoint);
    outputs.push_back(o->error->message);
  }
  ASSERT_GT(log.lines.size(), 5u);
  bool redacted_seen = false;
  for (const std::string& line : outputs) {
    for (const std::string& secret : {bearer, sevdesk_token, query_token, redirect_token}) {
      EXPECT_EQ(line.find(secret), std::string::npos) << "secret in: " << line;
    }
    redacted_seen = redacted_seen || line.find("<redacted>") != std::string::npos;
  }
  EXPECT_TRUE(redacted_seen);  // the headers were logged, with their values hidden
  // The server did get the secrets: redaction is in the output, not on the wire.
  EXPECT_EQ(*find_header(server.served().at(0).headers, "Authorization"), "Bearer " + bearer);
}

}  // namespace
}  // namespace mahnwerk::http
