// BeastTransport: the Transport port over Boost.Beast/Asio and OpenSSL on one io_context (one
// thread serves every tenant). HTTPS verifies the peer by default (system CAs or the request's
// CA file), sends SNI, checks the host name and refuses TLS below 1.2; keep-alive connections
// are pooled per host; https goes through a CONNECT proxy unless no_proxy says otherwise.
// The header is Beast-free (pimpl): only beast_transport.cpp compiles the networking code.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "adapters/http/proxy.h"
#include "adapters/http/transport.h"

namespace mahnwerk::http {

struct TransportOptions {
  ProxySettings proxy;  // default: direct; ProxySettings::from_environment() for the usual
  // Host name -> IP address used instead of DNS ("api.lexware.io" -> "127.0.0.1"): the
  // simulators and tests keep real host names (SNI, certificate checks) on loopback.
  std::map<std::string, std::string> resolve;
  std::size_t max_idle_per_host = 8;               // idle keep-alive connections kept per host
  std::chrono::milliseconds idle_timeout{30'000};  // an older idle connection is not reused
  std::string user_agent = "mahnwerk/0.1";
};

// Counters for tests and figures.
struct TransportStats {
  std::size_t connections_opened = 0;  // TCP connections made (to servers or proxies)
  std::size_t tls_handshakes = 0;      // successful handshakes
  std::size_t reused = 0;              // exchanges that used a pooled connection
  std::size_t dead_dropped = 0;        // pooled connections the peer had closed, dropped unused
  std::size_t stale_retries = 0;       // pooled connections that broke during a request, replaced
};

class BeastTransport final : public Transport {
 public:
  explicit BeastTransport(TransportOptions options = {});
  ~BeastTransport() override;
  BeastTransport(const BeastTransport&) = delete;
  BeastTransport& operator=(const BeastTransport&) = delete;

  void exchange(const Request& request, Done done) override;
  void after(std::chrono::milliseconds delay, std::function<void()> fn) override;
  void run() override;

  TransportStats stats() const;
  std::size_t idle_connections() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mahnwerk::http
