// The declarative REST engine as a sync::Adapter ("rest:<mapping name>", docs/mappings.md): it
// pulls debtors, open items and payments as the tenant's mapping describes (paging, window
// slicing, incremental cursor with look-back, per-record detail fetches with a cache) and pushes
// write-backs as the mapping's request templates; an ambiguous write (504 after commit) is
// looked up as the mapping says before it is ever sent again. All HTTP goes through
// http::Client, so budgets, retries, error classes and redaction apply; secrets never reach a
// log line, an error or a rejected record.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/http/client.h"
#include "adapters/http/transport.h"
#include "adapters/rest/mapping.h"
#include "connector/core/result.h"
#include "connector/sync/adapter.h"
#include "connector/sync/clock.h"

namespace mahnwerk::rest {

// The adapter's settings from a tenant's office configuration (TenantConfig::settings).
struct RestSettings {
  std::string mapping;   // "lexoffice", "sevdesk" or a mapping file (relative to the tenant's file)
  std::string base_url;  // overrides the mapping's (a simulator, a proxy); empty: the mapping's
  std::string ca_file;   // PEM of the CAs to trust; empty: the system's
  std::optional<double> rate_per_second;  // overrides the mapping's budget; 0: no budget
  std::string token_file;  // oauth2: where the rotated refresh token lives (0600, atomic replace)
  std::string cache_file;  // optional: per-record detail answers kept across runs
  std::string credential;  // the budget's name: "<tenant>/<mapping>" (never the secret)
  // List pages of one query requested at once where the paging tells the page count ahead
  // (page/size or offset/limit with a known total); results still arrive in page order.
  // Unset: the mapping's paging "concurrency" (default 4); 1: one page at a time.
  std::optional<int> concurrency;
};

// Reads "mapping" (required), "base_url", "ca_file", "rate_per_second", "concurrency",
// "token_file", "cache_file"; relative paths are made absolute against `base_dir`. Unknown keys and bad
// values are kBadConfig naming the setting, context `context`.
core::Result<RestSettings> rest_settings(const std::map<std::string, std::string>& settings,
                                         const std::string& tenant, const std::string& context,
                                         const std::string& base_dir);

// Where mappings are looked for by name: $MAHNWERK_MAPPINGS_DIR, then `extra` in order.
std::vector<std::string> mapping_dirs(const std::vector<std::string>& extra);

// Counters for tests and figures.
struct RestStats {
  std::size_t requests = 0;         // requests made (each Client::send, retries not counted)
  std::size_t records = 0;          // records read from list pages
  std::size_t duplicates = 0;       // records dropped by the (id, version) de-duplication
  std::size_t detail_hits = 0;      // detail answers served from the cache
  std::size_t window_splits = 0;    // date ranges halved because of the result window
  std::size_t token_refreshes = 0;  // oauth2 refreshes
};

class RestAdapter final : public sync::Adapter {
 public:
  // `transport`, `clock` and the environment's parts must outlive the adapter. `secret`: the
  // tenant's API key (bearer, header) or client secret (oauth2).
  RestAdapter(Mapping mapping, RestSettings settings, std::string secret, http::Transport& transport,
              const sync::Clock& clock, http::ClientEnvironment environment = {});
  ~RestAdapter() override;

  std::string name() const override { return "rest:" + mapping_.name; }
  // incremental when the items stream has a cursor; lookup when the mapping has one;
  // push_kinds: the mapping's write kinds; no idempotency header (the drain looks up first).
  sync::Capabilities capabilities() const override;

  // Errors: the first request that failed for good (kUnauthorized, kUnavailable, ...), naming
  // the endpoint; a page whose records are not where the mapping says (kInvalidInput). Records
  // that do not map go to Delta::rejected (source = endpoint, where = "content[3]: /openAmount").
  // The cursor is "instant:<unix seconds>" of the newest change seen (never the clock's now).
  core::Result<sync::Delta> pull(const std::optional<std::string>& cursor) override;
  // landed (reference read from the answer), retryable (429, 5xx before sending, connection),
  // ambiguous (may have committed: 504, timeout after sending), rejected (4xx, auth, a payload
  // the template cannot be filled from, a kind the mapping has no write for).
  sync::PushResult push(const sync::OutboxEntry& entry) override;
  sync::LookupResult lookup(const sync::OutboxEntry& entry) override;

  const RestStats& stats() const { return stats_; }
  const Mapping& mapping() const { return mapping_; }

 private:
  struct Impl;
  Mapping mapping_;
  RestStats stats_;
  std::unique_ptr<Impl> impl_;
};

// A whole adapter for production: BeastTransport (proxy from the environment), system clocks,
// a stderr log when $MAHNWERK_HTTP_LOG is debug or trace.
core::Result<std::unique_ptr<sync::Adapter>> make_rest_adapter(Mapping mapping, RestSettings settings,
                                                               std::string secret, const sync::Clock& clock);

}  // namespace mahnwerk::rest
