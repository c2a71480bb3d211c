// lexoffice's event subscriptions and signed callbacks for the simulator (rest-apis.md §1.6):
// subscriptions per event type and callback URL, a TLS check of the URL on subscribe, callbacks
// POSTed with `X-Lxo-Signature` (base64 RSA-SHA512 over the compact JSON body) by one delivery
// thread, and the documented retry schedule. The RSA key pair is made at run time; its public
// half is what a receiver verifies with. Beast-free: delivery goes through http::Client.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mahnwerk::sim {

// An RSA key pair (2,048 bits) made at construction; signs as lexoffice does.
class WebhookSigner {
 public:
  WebhookSigner();  // throws std::runtime_error when OpenSSL fails
  ~WebhookSigner();
  WebhookSigner(const WebhookSigner&) = delete;
  WebhookSigner& operator=(const WebhookSigner&) = delete;

  std::string sign(std::string_view body) const;  // base64 (no line breaks) RSA-SHA512, PKCS#1 v1.5
  const std::string& public_key_pem() const { return public_pem_; }  // SubjectPublicKeyInfo PEM

 private:
  struct Key;
  std::unique_ptr<Key> key_;
  std::string public_pem_;
};

// The delays before the 1st, 2nd, ... retry of a failed callback: lexoffice's 10, 20, 40, 80,
// 160 s, then 30 min, then 20 times 2 h (27 retries).
std::vector<std::chrono::milliseconds> lexoffice_retry_schedule();

// The event types lexoffice documents (lexoffice-php-sdk EventType.php).
bool known_event_type(std::string_view type);

struct WebhookOptions {
  std::vector<std::chrono::milliseconds> retry_delays = lexoffice_retry_schedule();
  std::string ca_file;                            // CAs trusted for callback URLs; empty: the system's
  std::chrono::milliseconds read_timeout{5'000};  // an answer later than this is a failure
};

struct Subscription {
  std::string id;
  std::string event_type;
  std::string callback_url;
  std::string created;  // createdDate as served
};

// One delivery attempt, as the simulator saw it.
struct DeliveryAttempt {
  std::string subscription_id;
  std::string event_type;
  std::string resource_id;
  std::string body;         // the signed body
  std::string signature;    // the X-Lxo-Signature sent
  int attempt = 1;          // 1 = the first delivery
  int status = 0;           // the receiver's HTTP status; 0: no answer
  std::string failure;      // why there was no (2xx) answer; empty when delivered
  bool unresolved = false;  // the host name did not resolve (like a 404: the subscription goes)
  bool delivered() const { return status >= 200 && status < 300; }
};

class Webhooks {
 public:
  Webhooks(std::string organization_id, WebhookOptions options);
  ~Webhooks();  // stops the delivery thread; pending deliveries are dropped
  Webhooks(const Webhooks&) = delete;
  Webhooks& operator=(const Webhooks&) = delete;

  struct SubscribeResult {
    enum class Code { kCreated, kUnknownEventType, kBadUrl, kDuplicate, kTlsCheckFailed };
    Code code = Code::kCreated;
    Subscription subscription;  // kCreated
    std::string message;        // otherwise: why
  };
  // Checks the type, the URL (https) and that it is not already subscribed, then sends a HEAD to
  // the URL (any HTTP answer passes; no TLS connection fails). Blocks for the HEAD.
  SubscribeResult subscribe(const std::string& event_type, const std::string& callback_url);
  std::vector<Subscription> list() const;
  std::optional<Subscription> find(const std::string& id) const;
  bool remove(const std::string& id);  // false: no such subscription

  // Queues one callback per subscription of `event_type`: {"organizationId", "eventType",
  // "resourceId", "eventDate"}. Returns the number queued.
  int publish(const std::string& event_type, const std::string& resource_id);

  // Waits until no delivery is queued or in flight (retries included); false on timeout.
  bool wait_idle(std::chrono::milliseconds timeout) const;
  std::vector<DeliveryAttempt> attempts() const;
  const std::string& public_key_pem() const;  // makes the key pair on first use

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mahnwerk::sim
