// SimServer: a lexoffice or sevDesk simulator on 127.0.0.1 over HTTPS, started in-process by
// tests (or by the mahnwerk-sim executable). It serves the data of one account the way the
// contracts in rest-apis.md describe — paging caps, the 10,000 window, the token bucket,
// error envelopes, validation and version errors, dunnings linked from their invoice — and
// injects faults on demand. Admin endpoints under /_sim/ expose its state (docs/simulators.md).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/sim/http_server.h"
#include "tests/sim/sim_data.h"
#include "tests/sim/webhooks.h"

namespace mahnwerk::sim {

struct RateSettings {
  double per_second = 2.0;
  double burst = 2.0;  // bucket capacity in requests
  bool off = false;
  int disguise_every = 0;  // lexoffice: every Nth refusal is the gateway's 500 instead of 429
};

struct SimOptions {
  Data data;
  std::string faults;  // fault SPEC
  // lexoffice: 2/s on; sevDesk: off (none documented). Unset: the system's default.
  std::unique_ptr<RateSettings> rate;
  int threads = 2;
  std::uint16_t port = 0;
  WebhookOptions webhooks;  // lexoffice: retry schedule and CAs trusted for callback URLs
};

// One document the simulator created through the API (a lexoffice dunning, a sevDesk reminder).
struct Created {
  std::string id;
  std::string invoice_id;
  std::string created;    // date string as served
  int dunning_level = 0;  // sevDesk
  std::int64_t charge_cents =
      0;                       // sevDesk reminderCharge; lexoffice: sum of the line items (gross/net as sent)
  std::size_t line_items = 0;  // lexoffice
  std::string body;            // the request body as received
};

struct RouteCounts {
  long total = 0;
  std::map<std::string, long> by_status;  // "200", "429", "drop", "truncate", ...
};

class SimServer {
 public:
  explicit SimServer(SimOptions options);  // throws on a bad fault SPEC or TLS setup failure
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  System system() const;
  std::uint16_t port() const;
  const std::string& ca_pem() const;  // the test CA that signed the server's certificate
  std::string origin() const;         // "https://127.0.0.1:PORT"
  std::string base_url() const;       // origin + "/v1" (lexoffice) or "/api/v1" (sevDesk)
  const std::string& api_key() const;

  void set_faults(const std::string& spec);  // replaces all rules; throws std::invalid_argument
  void set_rate(const RateSettings& rate);
  void reset_counts();

  std::vector<Created> created() const;
  RouteCounts counts(const std::string& route) const;
  std::map<std::string, RouteCounts> all_counts() const;
  long faults_fired() const;       // firings of all current fault rules
  std::string state_json() const;  // GET /_sim/state

  // lexoffice event subscriptions and signed callbacks (docs/simulators.md, "Webhooks").
  // REQUIRES for all four: system() == kLexoffice (sevDesk documents no webhooks).
  const std::string& webhook_public_key_pem() const;  // the key X-Lxo-Signature verifies with
  int publish_event(const std::string& event_type, const std::string& resource_id);
  bool wait_webhooks_idle(std::chrono::milliseconds timeout) const;  // false on timeout
  std::vector<DeliveryAttempt> webhook_attempts() const;

  // The request handler (also callable directly, without the network).
  HttpReply handle(const HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mahnwerk::sim
