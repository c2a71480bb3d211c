// Webhook signature checks with OpenSSL 3's EVP interface.
#include "adapters/rest/webhook.h"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <rapidjson/document.h>

#include <cstdint>
#include <optional>

#include "adapters/jsonfile/json_util.h"
#include "adapters/rest/transforms.h"

namespace mahnwerk::rest {
namespace {

core::Error unauthorized(const std::string& message, const std::string& header) {
  return core::Error{core::ErrorKind::kUnauthorized, message, "webhook signature (" + header + ")"};
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> decode_base64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  if (text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t bits = 0;
  for (std::size_t i = 0; i < text.size() - padding; ++i) {
    const int v = base64_value(text[i]);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    if (i % 4 == 3) {
      out.push_back(static_cast<char>((bits >> 16) & 0xff));
      out.push_back(static_cast<char>((bits >> 8) & 0xff));
      out.push_back(static_cast<char>(bits & 0xff));
      bits = 0;
    }
  }
  if (padding == 1) {  // 3 characters left: 18 bits, two bytes and 2 zero bits
    if ((bits & 0x3) != 0) return std::nullopt;
    out.push_back(static_cast<char>((bits >> 10) & 0xff));
    out.push_back(static_cast<char>((bits >> 2) & 0xff));
  } else if (padding == 2) {  // 2 characters left: 12 bits, one byte and 4 zero bits
    if ((bits & 0xf) != 0) return std::nullopt;
    out.push_back(static_cast<char>((bits >> 4) & 0xff));
  }
  return out;
}

std::optional<std::string> decode_hex(std::string_view text) {
  if (text.empty() || text.size() % 2 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

struct WebhookVerifier::Key {
  EVP_PKEY* pkey = nullptr;  // RSA algorithms
  std::string secret;        // HMAC
  ~Key() { EVP_PKEY_free(pkey); }
};

core::Result<WebhookVerifier> WebhookVerifier::create(const WebhookSpec& spec, std::string_view key) {
  if (spec.signature_header.empty()) {
    return core::Error{core::ErrorKind::kBadConfig, "the webhook spec names no signature header", ""};
  }
  auto k = std::make_shared<Key>();
  if (spec.algorithm == WebhookSpec::Algorithm::kHmacSha256) {
    k->secret = std::string(key);
    if (!k->secret.empty() && k->secret.back() == '\n') k->secret.pop_back();
    if (k->secret.empty()) return core::Error{core::ErrorKind::kBadConfig, "the webhook secret is empty", ""};
    return WebhookVerifier(spec, std::move(k));
  }
  BIO* bio = BIO_new_mem_buf(key.data(), static_cast<int>(key.size()));
  if (bio != nullptr) k->pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (k->pkey == nullptr || EVP_PKEY_is_a(k->pkey, "RSA") != 1) {
    return core::Error{core::ErrorKind::kBadConfig,
                       "the webhook key is not a PEM RSA public key (-----BEGIN PUBLIC KEY-----)", ""};
  }
  return WebhookVerifier(spec, std::move(k));
}

core::Result<WebhookVerifier> WebhookVerifier::load(const WebhookSpec& spec, const std::string& key_file) {
  const std::string& path = key_file.empty() ? spec.key_file : key_file;
  if (path.empty()) {
    return core::Error{core::ErrorKind::kBadConfig, "no webhook key file (the mapping's webhooks/key_file)",
                       ""};
  }
  auto text = jsonfile::read_file(path);
  if (!text) return core::Error{core::ErrorKind::kBadConfig, text.error().message, path};
  auto verifier = create(spec, *text);
  if (!verifier) return verifier.error().within(path);
  return verifier;
}

core::Status WebhookVerifier::verify(const http::Headers& headers, std::string_view body) const {
  const std::string& name = spec_.signature_header;
  const std::string* header = http::find_header(headers, name);
  if (header == nullptr || header->empty())
    return unauthorized("unsigned callback: no " + name + " header", name);
  std::string_view text = *header;
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  const bool hex = spec_.encoding == WebhookSpec::Encoding::kHex;
  const std::optional<std::string> signature = hex ? decode_hex(text) : decode_base64(text);
  if (!signature)
    return unauthorized(std::string("the signature is not valid ") + (hex ? "hex" : "base64"), name);
  const auto* data = reinterpret_cast<const unsigned char*>(body.data());
  const auto* sig = reinterpret_cast<const unsigned char*>(signature->data());
  bool valid = false;
  if (spec_.algorithm == WebhookSpec::Algorithm::kHmacSha256) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_size = 0;
    valid = HMAC(EVP_sha256(), key_->secret.data(), static_cast<int>(key_->secret.size()), data, body.size(),
                 mac, &mac_size) != nullptr &&
            mac_size == signature->size() && CRYPTO_memcmp(mac, sig, mac_size) == 0;
  } else {
    const EVP_MD* md = spec_.algorithm == WebhookSpec::Algorithm::kRsaSha256 ? EVP_sha256() : EVP_sha512();
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    valid = ctx != nullptr && EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key_->pkey) == 1 &&
            EVP_DigestVerify(ctx, sig, signature->size(), data, body.size()) == 1;
    EVP_MD_CTX_free(ctx);
  }
  if (!valid) {
    return unauthorized("the signature does not match the body (forged, altered, or signed with another key)",
                        name);
  }
  return core::Ok{};
}

core::Result<WebhookEvent> WebhookVerifier::verify_event(const http::Headers& headers,
                                                         std::string_view body) const {
  if (auto ok = verify(headers, body); !ok) return ok.error();
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject())
    return core::invalid_input("the callback body is not a JSON object", "webhook");
  WebhookEvent event;
  auto read = [&](const std::string& pointer, std::string& out, const char* what) -> core::Status {
    if (pointer.empty()) return core::Ok{};
    auto t = scalar_text(resolve(doc, pointer));
    if (!t || t->empty())
      return core::invalid_input(std::string("the callback has no ") + what + " at " + pointer, "webhook");
    out = *t;
    return core::Ok{};
  };
  if (auto s = read(spec_.type_pointer, event.type, "event type"); !s) return s.error();
  if (auto s = read(spec_.resource_pointer, event.resource_id, "resource id"); !s) return s.error();
  if (auto s = read(spec_.date_pointer, event.date, "event date"); !s) return s.error();
  return event;
}

}  // namespace mahnwerk::rest
