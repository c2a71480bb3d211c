// Verifying the callbacks a REST system sends (its mapping's `webhooks`, docs/mappings.md): the
// signature header over the raw body, checked with the configured key through OpenSSL EVP
// (RSA with SHA-256/512, or HMAC-SHA256), then the event's type and resource read from the
// body. Made for an HTTP endpoint to call per request; no networking here.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "adapters/http/types.h"
#include "adapters/rest/mapping.h"
#include "connector/core/result.h"

namespace mahnwerk::rest {

// What a verified callback says happened.
struct WebhookEvent {
  std::string type;         // "invoice.status.changed"
  std::string resource_id;  // the changed object's id, to be fetched
  std::string date;         // as sent; empty when the mapping names no date
};

class WebhookVerifier {
 public:
  // `key`: a PEM public key (RSA algorithms) or the shared secret (HMAC). Errors (kBadConfig):
  // no signature header in the spec, a key that is not an RSA public key, an empty secret.
  static core::Result<WebhookVerifier> create(const WebhookSpec& spec, std::string_view key);
  // Reads the key from `key_file`, or from spec.key_file when that is empty.
  static core::Result<WebhookVerifier> load(const WebhookSpec& spec, const std::string& key_file = "");

  // Ok when `headers` carry the spec's signature header and it is a valid signature of exactly
  // `body` (the raw bytes received, before any parsing). kUnauthorized otherwise, saying which:
  // the header is missing or empty, not valid base64/hex, or does not match the body (forged,
  // altered in transit, or signed with another key).
  core::Status verify(const http::Headers& headers, std::string_view body) const;
  // verify(), then the event read from the JSON body by the spec's pointers (kInvalidInput when
  // the body is not JSON or lacks the type or the resource).
  core::Result<WebhookEvent> verify_event(const http::Headers& headers, std::string_view body) const;

  const WebhookSpec& spec() const { return spec_; }

 private:
  struct Key;
  WebhookVerifier(WebhookSpec spec, std::shared_ptr<const Key> key)
      : spec_(std::move(spec)), key_(std::move(key)) {}

  WebhookSpec spec_;
  std::shared_ptr<const Key> key_;
};

// Strict decoders for signature headers: nullopt on any character outside the alphabet, bad
// padding or an odd number of hex digits. Base64 accepts the standard alphabet with padding.
std::optional<std::string> decode_base64(std::string_view text);
std::optional<std::string> decode_hex(std::string_view text);

}  // namespace mahnwerk::rest
