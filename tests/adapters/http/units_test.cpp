// The client's parts without a network: URLs, proxy selection, the token bucket, Retry-After,
// backoff, error classes and envelopes, redaction.
#include <gtest/gtest.h>

#include <cstdlib>

#include "adapters/http/client.h"
#include "adapters/http/errors.h"
#include "adapters/http/proxy.h"
#include "adapters/http/rate.h"
#include "adapters/http/redact.h"
#include "adapters/http/types.h"

namespace mahnwerk::http {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

TEST(Url, ParsesSchemeHostPortAndTarget) {
  struct Case {
    const char* text;
    const char* scheme;
    const char* host;
    int port;
    const char* target;
  };
  const Case cases[] = {
      {"https://API.Lexware.io/v1/voucherlist?page=0", "https", "api.lexware.io", 443,
       "/v1/voucherlist?page=0"},
      {"http://localhost:8080", "http", "localhost", 8080, "/"},
      {"https://127.0.0.1:4443?x=1#frag", "https", "127.0.0.1", 4443, "/?x=1"},
      {"https://[::1]:9/p", "https", "::1", 9, "/p"},
  };
  for (const Case& c : cases) {
    auto url = Url::parse(c.text);
    ASSERT_TRUE(url.ok()) << c.text;
    EXPECT_EQ(url->scheme, c.scheme);
    EXPECT_EQ(url->host, c.host);
    EXPECT_EQ(url->port, c.port);
    EXPECT_EQ(url->target, c.target);
  }
}

TEST(Url, RefusesWhatItCannotUse) {
  for (const char* bad :
       {"ftp://x/", "https://", "https://h:0/", "https://h:70000/", "https://u:p@h/", "/relative"}) {
    auto url = Url::parse(bad);
    ASSERT_FALSE(url.ok()) << bad;
    EXPECT_EQ(url.error().kind, core::ErrorKind::kInvalidInput);
  }
}

TEST(Url, ResolvesRedirectLocations) {
  auto base = Url::parse("https://a.example:8443/v1/items/7?page=2").value();
  EXPECT_EQ(base.resolve("/v2/x").value().to_string(), "https://a.example:8443/v2/x");
  EXPECT_EQ(base.resolve("8?q=1").value().to_string(), "https://a.example:8443/v1/items/8?q=1");
  EXPECT_EQ(base.resolve("?page=3").value().to_string(), "https://a.example:8443/v1/items/7?page=3");
  EXPECT_EQ(base.resolve("//b.example/y").value().to_string(), "https://b.example/y");
  EXPECT_EQ(base.resolve("http://c.example/z").value().to_string(), "http://c.example/z");
  EXPECT_EQ(base.origin(), "https://a.example:8443");
}

TEST(ProxySettings, NoProxyMatchesHostsAndDomains) {
  auto s =
      ProxySettings::parse("proxy.office.lan:3128", " localhost, .intern.example ,10.0.0.7,api.example:443");
  ASSERT_TRUE(s.ok()) << s.error().to_string();
  ASSERT_TRUE(s->https_proxy.has_value());
  EXPECT_EQ(s->https_proxy->origin(), "http://proxy.office.lan:3128");
  struct Case {
    const char* url;
    bool proxied;
  };
  const Case cases[] = {
      {"https://localhost:1/", false},      {"https://intern.example/", false},
      {"https://a.intern.example/", false}, {"https://xintern.example/", true},
      {"https://10.0.0.7/", false},         {"https://10.0.0.70/", true},
      {"https://api.example/", false},      {"https://sub.api.example/", false},
      {"https://api.lexware.io/v1/", true}, {"http://api.lexware.io/", false},  // plain http: direct
  };
  for (const Case& c : cases) {
    EXPECT_EQ(s->proxy_for(Url::parse(c.url).value()) != nullptr, c.proxied) << c.url;
  }
  auto all = ProxySettings::parse("http://p:1", "*");
  EXPECT_EQ(all->proxy_for(Url::parse("https://x/").value()), nullptr);
}

TEST(ProxySettings, CredentialsAreCutOutAndBadProxiesRefused) {
  auto s = ProxySettings::parse("http://office:s3cr3t-pw@proxy:8080", "");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->proxy_credentials, "office:s3cr3t-pw");
  EXPECT_EQ(s->https_proxy->host, "proxy");
  auto tls_proxy = ProxySettings::parse("https://proxy:443", "");
  ASSERT_FALSE(tls_proxy.ok());
  EXPECT_EQ(tls_proxy.error().kind, core::ErrorKind::kBadConfig);
  auto bad = ProxySettings::parse("http://user:s3cr3t-pw@proxy:99999", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().to_string().find("s3cr3t"), std::string::npos);
  auto none = ProxySettings::parse("", "");
  EXPECT_FALSE(none->https_proxy.has_value());
}

TEST(ProxySettings, FromEnvironmentPrefersLowerCaseNames) {
  setenv("HTTPS_PROXY", "http://upper:1", 1);
  setenv("https_proxy", "http://lower:2", 1);
  setenv("NO_PROXY", "upper.example", 1);
  unsetenv("no_proxy");
  auto s = ProxySettings::from_environment();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->https_proxy->origin(), "http://lower:2");
  EXPECT_EQ(s->no_proxy, std::vector<std::string>{"upper.example"});
  unsetenv("https_proxy");
  EXPECT_EQ(ProxySettings::from_environment()->https_proxy->origin(), "http://upper:1");
  unsetenv("HTTPS_PROXY");
  unsetenv("NO_PROXY");
  EXPECT_FALSE(ProxySettings::from_environment()->https_proxy.has_value());
}

TEST(TokenBucket, TwoPerSecondSpacesRequestsHalfASecondApart) {
  TokenBucket bucket(RateBudget{2.0, 1});
  const TimePoint t0{std::chrono::seconds(1'700'000'000)};
  EXPECT_EQ(bucket.reserve(t0), 0us);
  EXPECT_EQ(bucket.reserve(t0), 500'000us);
  EXPECT_EQ(bucket.reserve(t0), 1'000'000us);
  // A caller that comes back when its slot is due waits no longer; the bucket then refills.
  EXPECT_EQ(bucket.reserve(t0 + 1500ms), 0us);
  EXPECT_EQ(bucket.reserve(t0 + 10s), 0us);
}

TEST(TokenBucket, BurstAllowsBackToBackThenPaces) {
  TokenBucket bucket(RateBudget{5.0, 3});
  const TimePoint t0{std::chrono::seconds(1'700'000'000)};
  EXPECT_EQ(bucket.reserve(t0), 0us);
  EXPECT_EQ(bucket.reserve(t0), 0us);
  EXPECT_EQ(bucket.reserve(t0), 0us);
  EXPECT_EQ(bucket.reserve(t0), 200'000us);
  EXPECT_EQ(bucket.reserve(t0), 400'000us);
}

TEST(TokenBucket, BlockUntilHoldsBackEverySlot) {
  TokenBucket bucket(RateBudget{2.0, 2});
  const TimePoint t0{std::chrono::seconds(1'700'000'000)};
  bucket.block_until(t0 + 7s);
  EXPECT_EQ(bucket.reserve(t0), 7'000'000us);
  EXPECT_EQ(bucket.reserve(t0), 7'500'000us);  // no burst right after a block: the sustained rate
  EXPECT_EQ(bucket.reserve(t0), 8'000'000us);
}

TEST(RetryAfter, SecondsAndTheThreeHttpDateForms) {
  using std::chrono::sys_days;
  const auto now = std::chrono::time_point_cast<milliseconds>(sys_days(std::chrono::year(1994) / 11 / 6) +
                                                              8h + 49min + 7s);
  struct Case {
    const char* value;
    std::optional<milliseconds> wait;
  };
  const Case cases[] = {
      {"120", 120'000ms},
      {" 0 ", 0ms},
      {"Sun, 06 Nov 1994 08:49:37 GMT", 30'000ms},
      {"Sunday, 06-Nov-94 08:49:37 GMT", 30'000ms},
      {"Sun Nov  6 08:49:37 1994", 30'000ms},
      {"Sun, 06 Nov 1994 08:00:00 GMT", 0ms},  // in the past
      {"-5", std::nullopt},
      {"soon", std::nullopt},
      {"Sun, 31 Feb 1994 08:49:37 GMT", std::nullopt},
  };
  for (const Case& c : cases) EXPECT_EQ(parse_retry_after(c.value, now), c.wait) << c.value;
}

TEST(Backoff, DoublesPerRetryWithEqualJitterAndCap) {
  RetryPolicy policy;
  policy.base_delay = 500ms;
  policy.max_delay = 3s;
  EXPECT_EQ(backoff_delay(policy, 1, 0.0), 250'000us);
  EXPECT_EQ(backoff_delay(policy, 1, 0.5), 375'000us);
  EXPECT_EQ(backoff_delay(policy, 2, 0.0), 500'000us);
  EXPECT_EQ(backoff_delay(policy, 3, 1.0), 2'000'000us);
  EXPECT_EQ(backoff_delay(policy, 5, 1.0), 3'000'000us);  // capped
}

TEST(ErrorClass, StatusTable) {
  struct Case {
    int status;
    ErrorClass error_class;
    core::ErrorKind kind;
  };
  const Case cases[] = {
      {400, ErrorClass::kInvalid, core::ErrorKind::kInvalidInput},
      {401, ErrorClass::kAuth, core::ErrorKind::kUnauthorized},
      {403, ErrorClass::kAuth, core::ErrorKind::kUnauthorized},
      {404, ErrorClass::kNotFound, core::ErrorKind::kNotFound},
      {406, ErrorClass::kInvalid, core::ErrorKind::kInvalidInput},
      {408, ErrorClass::kRetryable, core::ErrorKind::kUnavailable},
      {409, ErrorClass::kConflict, core::ErrorKind::kConflict},
      {410, ErrorClass::kNotFound, core::ErrorKind::kNotFound},
      {412, ErrorClass::kConflict, core::ErrorKind::kConflict},
      {422, ErrorClass::kInvalid, core::ErrorKind::kInvalidInput},
      {429, ErrorClass::kRateLimited, core::ErrorKind::kUnavailable},
      {500, ErrorClass::kRetryable, core::ErrorKind::kUnavailable},
      {503, ErrorClass::kRetryable, core::ErrorKind::kUnavailable},
      {504, ErrorClass::kRetryable, core::ErrorKind::kUnavailable},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(classify_status(c.status), c.error_class) << c.status;
    EXPECT_EQ(error_kind(classify_status(c.status)), c.kind) << c.status;
  }
  EXPECT_EQ(classify_failure(Failure::kTls), ErrorClass::kTls);
  EXPECT_EQ(classify_failure(Failure::kBodyTooLarge), ErrorClass::kInvalid);
  EXPECT_EQ(classify_failure(Failure::kReadTimeout), ErrorClass::kRetryable);
  EXPECT_EQ(classify_failure(Failure::kConnect), ErrorClass::kRetryable);
}

TEST(ErrorPolicy, ReadsLexofficeEnvelopes) {
  const ErrorPolicy lexoffice(
      {"/message", "/details/*/field", "/details/*/message", "/IssueList/*/i18nKey", "/IssueList/*/source"},
      {{500, "rate limit exceeded", ErrorClass::kRateLimited}});
  const std::string regular =
      R"({"timestamp":"2023-05-11T17:12:31.233+02:00","status":406,"error":"Not Acceptable","path":"/v1/invoices",)"
      R"("traceId":"90d78d0777be","message":"Validation failed for request.","details":[{"violation":"NOTNULL",)"
      R"("field":"lineItems[0].unitPrice.taxRatePercentage","message":"darf nicht leer sein"}]})";
  EXPECT_EQ(lexoffice.message(regular),
            "Validation failed for request.; lineItems[0].unitPrice.taxRatePercentage; darf nicht leer sein");
  const std::string legacy =
      R"({"IssueList":[{"i18nKey":"missing_entity","source":"company.name","type":"validation_failure"}]})";
  EXPECT_EQ(lexoffice.message(legacy), "missing_entity; company.name");
  EXPECT_EQ(lexoffice.message("<html>bad gateway</html>"), "");
  EXPECT_EQ(lexoffice.classify(500, R"({"message":"Internal server error or rate limit exceeded"})"),
            ErrorClass::kRateLimited);
  EXPECT_EQ(lexoffice.classify(500, R"({"message":"Internal server error"})"), ErrorClass::kRetryable);
  EXPECT_EQ(lexoffice.classify(406, regular), ErrorClass::kInvalid);
}

TEST(ErrorPolicy, PointerEscapesIndexesAndLengthCap) {
  const ErrorPolicy policy({"/a~1b/0/m~0n", "/errors/1/code"});
  EXPECT_EQ(policy.message(R"({"a/b":[{"m~n":"first"}],"errors":[{"code":1},{"code":42}]})"), "first; 42");
  const ErrorPolicy numbers({"/errors/*/code"});
  EXPECT_EQ(numbers.message(R"({"errors":[{"code":"E1"},{"code":"E2"}]})"), "E1; E2");
  const ErrorPolicy sevdesk({"/error/message"});
  EXPECT_EQ(sevdesk.message(R"({"error":{"message":")" + std::string(700, 'x') + R"("}})", 10),
            "xxxxxxxxxx...");
}

TEST(HttpError, TextNamesEndpointStatusClassAndMessage) {
  HttpError e;
  e.error_class = ErrorClass::kConflict;
  e.status = 409;
  e.endpoint = "PUT https://api.example/v1/contacts/1";
  e.message = "version mismatch";
  const core::Error error = e.to_error();
  EXPECT_EQ(error.kind, core::ErrorKind::kConflict);
  EXPECT_EQ(error.to_string(),
            "PUT https://api.example/v1/contacts/1: HTTP 409 (conflict): version mismatch");
  e.error_class = ErrorClass::kRetryable;
  e.status = 504;
  e.message.clear();
  e.may_have_committed = true;
  EXPECT_EQ(e.to_error().message, "HTTP 504 (retryable); the request may have been processed");
}

TEST(Redactor, HeadersQueryAndEchoedSecrets) {
  const Redactor redactor({"X-Sevdesk-Token"}, {"apiToken"});
  Request request;
  request.url = "https://h/v1/Invoice?limit=10&token=abcd1234&apiToken=zyxw9876";
  request.headers = {{"Authorization", "Bearer tok-SECRET-1"},
                     {"X-Sevdesk-Token", "0123456789abcdef"},
                     {"Accept", "application/json"}};
  EXPECT_EQ(redactor.url(request.url), "https://h/v1/Invoice?limit=10&token=<redacted>&apiToken=<redacted>");
  EXPECT_EQ(redactor.headers(request.headers),
            "Authorization: <redacted>\nX-Sevdesk-Token: <redacted>\nAccept: application/json");
  const auto secrets = redactor.secrets_of(request);
  EXPECT_EQ(Redactor::scrub("echo: tok-SECRET-1 and abcd1234 and 0123456789abcdef", secrets),
            "echo: <redacted> and <redacted> and <redacted>");
}

}  // namespace
}  // namespace mahnwerk::http
