// The mapping's `webhooks` section and the WebhookVerifier without a network: HMAC-SHA256 with
// RFC 4231's test vector, the strict signature decoders, refusals and their messages. RSA
// callbacks signed by the lexoffice simulator are checked in tests/sim/webhooks_test.cpp.
#include "adapters/rest/webhook.h"

#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <cstdlib>

#include "adapters/rest/mapping.h"

namespace mahnwerk::rest {
namespace {

constexpr const char* kMinimal = R"({"name": "t", "base_url": "https://x.example", "auth": {"type": "bearer"},
  "streams": {"items": {"request": {"path": "/i"}, "fields": {"id": "/id", "debtor": "/d",
    "invoice_date": {"pointer": "/date", "transform": "date"}, "amount": {"pointer": "/a", "transform": "amount"},
    "open_amount": {"pointer": "/o", "transform": "amount"}}}}})";

std::string with_webhooks(const std::string& section) {
  std::string m = kMinimal;
  m.insert(m.size() - 1, R"(, "webhooks": )" + section);
  return m;
}

std::string hmac_hex(const std::string& key, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &size);
  std::string hex;
  char two[3];
  for (unsigned int i = 0; i < size; ++i) {
    std::snprintf(two, sizeof two, "%02x", mac[i]);
    hex += two;
  }
  return hex;
}

WebhookSpec hmac_spec() {
  WebhookSpec spec;
  spec.signature_header = "X-Signature";
  spec.algorithm = WebhookSpec::Algorithm::kHmacSha256;
  spec.encoding = WebhookSpec::Encoding::kHex;
  spec.type_pointer = "/type";
  spec.resource_pointer = "/id";
  return spec;
}

TEST(WebhookMapping, DescribesTheSignatureDeclaratively) {
  auto m = parse_mapping(with_webhooks(R"({"signature_header": "X-Lxo-Signature", "algorithm": "rsa-sha512",
      "encoding": "base64", "key_file": "keys/lexware.pem", "events": ["payment.changed", "dunning.created"],
      "event": {"type": "/eventType", "resource": "/resourceId", "date": "/eventDate"}})"),
                         "/etc/mahnwerk/mappings/t.json");
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  ASSERT_TRUE(m->webhooks.has_value());
  const WebhookSpec& w = *m->webhooks;
  EXPECT_EQ(w.signature_header, "X-Lxo-Signature");
  EXPECT_EQ(w.algorithm, WebhookSpec::Algorithm::kRsaSha512);
  EXPECT_EQ(w.encoding, WebhookSpec::Encoding::kBase64);
  EXPECT_EQ(w.key_file, "/etc/mahnwerk/mappings/keys/lexware.pem");  // relative to the mapping
  EXPECT_EQ(w.events, (std::vector<std::string>{"payment.changed", "dunning.created"}));
  EXPECT_EQ(w.resource_pointer, "/resourceId");
  EXPECT_FALSE(parse_mapping(kMinimal, "t.json")->webhooks.has_value());
}

TEST(WebhookMapping, EveryProblemIsNamedByItsPointer) {
  auto m = parse_mapping(with_webhooks(R"({"algorithm": "md5", "encoding": "base32", "events": "all",
      "event": {"type": "eventType"}, "secret": "x"})"),
                         "t.json");
  ASSERT_FALSE(m.ok());
  const std::string& e = m.error().message;
  EXPECT_NE(e.find("/webhooks/signature_header: missing"), std::string::npos) << e;
  EXPECT_NE(e.find("/webhooks/algorithm: unknown algorithm \"md5\""), std::string::npos) << e;
  EXPECT_NE(e.find("/webhooks/encoding: unknown encoding"), std::string::npos) << e;
  EXPECT_NE(e.find("/webhooks/events: must be an array"), std::string::npos) << e;
  EXPECT_NE(e.find("/webhooks/event/type: not a JSON pointer"), std::string::npos) << e;
  EXPECT_NE(e.find("/webhooks/secret: unknown member"), std::string::npos) << e;
}

TEST(WebhookMapping, TheShippedLexofficeMappingDescribesItsSignature) {
  const char* root = std::getenv("MAHNWERK_SOURCE_DIR");
  const std::string dir = root != nullptr ? root : ".";
  auto m = load_mapping(dir + "/mappings/lexoffice.json");
  ASSERT_TRUE(m.ok()) << m.error().to_string();
  ASSERT_TRUE(m->webhooks.has_value());
  EXPECT_EQ(m->webhooks->signature_header, "X-Lxo-Signature");
  EXPECT_EQ(m->webhooks->algorithm, WebhookSpec::Algorithm::kRsaSha512);
  EXPECT_TRUE(m->webhooks->key_file.empty());  // Lexware's key is the operator's to supply
  auto v = WebhookVerifier::load(*m->webhooks);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().kind, core::ErrorKind::kBadConfig);
}

TEST(WebhookVerifier, AcceptsTheRfc4231HmacSha256Vector) {
  auto v = WebhookVerifier::create(hmac_spec(), "Jefe\n");  // a key file's trailing newline is not key
  ASSERT_TRUE(v.ok()) << v.error().to_string();
  const std::string body = "what do ya want for nothing?";
  const std::string mac = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  EXPECT_TRUE(v->verify({{"x-signature", mac}}, body).ok());
  EXPECT_FALSE(v->verify({{"X-Signature", mac}}, body + " ").ok());
  std::string flipped = mac;
  flipped[0] = '6';
  EXPECT_FALSE(v->verify({{"X-Signature", flipped}}, body).ok());
  EXPECT_FALSE(v->verify({{"X-Signature", mac.substr(2)}}, body).ok());  // shorter
  const auto odd = v->verify({{"X-Signature", mac.substr(1)}}, body);
  ASSERT_FALSE(odd.ok());
  EXPECT_NE(odd.error().message.find("not valid hex"), std::string::npos);
}

TEST(WebhookVerifier, VerifyEventReadsTheTypeAndResourceOfASignedBody) {
  auto v = WebhookVerifier::create(hmac_spec(), "Jefe");
  ASSERT_TRUE(v.ok());
  const std::string body = R"({"type":"invoice.changed","id":42})";
  const auto event = v->verify_event({{"X-Signature", hmac_hex("Jefe", body)}}, body);
  ASSERT_TRUE(event.ok()) << event.error().to_string();
  EXPECT_EQ(event->type, "invoice.changed");
  EXPECT_EQ(event->resource_id, "42");  // numbers as written
  EXPECT_EQ(event->date, "");           // the spec names no date

  const std::string no_id = R"({"type":"invoice.changed"})";
  const auto missing = v->verify_event({{"X-Signature", hmac_hex("Jefe", no_id)}}, no_id);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, core::ErrorKind::kInvalidInput);
  EXPECT_NE(missing.error().message.find("resource id at /id"), std::string::npos);
  // The signature is checked before the body is read.
  EXPECT_EQ(v->verify_event({{"X-Signature", hmac_hex("other", body)}}, body).error().kind,
            core::ErrorKind::kUnauthorized);
}

TEST(WebhookVerifier, RefusesAKeyThatIsNoRsaPublicKeyAndASpecWithoutHeader) {
  WebhookSpec spec;
  spec.signature_header = "X-Lxo-Signature";
  auto junk = WebhookVerifier::create(spec, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(junk.error().kind, core::ErrorKind::kBadConfig);
  spec.signature_header.clear();
  EXPECT_FALSE(WebhookVerifier::create(spec, "x").ok());
  EXPECT_FALSE(WebhookVerifier::create(hmac_spec(), "\n").ok());
  auto missing = WebhookVerifier::load(hmac_spec(), "/nonexistent/mahnwerk/key");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, core::ErrorKind::kBadConfig);
}

TEST(WebhookDecoders, Base64AndHexAreStrict) {
  struct Case {
    const char* text;
    std::optional<std::string> decoded;
  };
  const Case base64[] = {
      {"TWFu", "Man"},        {"TWE=", "Ma"},         {"TQ==", "M"},
      {"", std::nullopt},     {"TWF", std::nullopt},  {"TW=u", std::nullopt},
      {"TWE*", std::nullopt}, {"TR==", std::nullopt}, {"TWE=TWFu", std::nullopt},
  };
  for (const Case& c : base64) EXPECT_EQ(decode_base64(c.text), c.decoded) << c.text;
  EXPECT_EQ(decode_hex("00ff7A"), std::string("\x00\xff\x7a", 3));
  EXPECT_EQ(decode_hex("0"), std::nullopt);
  EXPECT_EQ(decode_hex("zz"), std::nullopt);
}

}  // namespace
}  // namespace mahnwerk::rest
