// A real HTTP(S) server and a CONNECT proxy on loopback (port 0) for the client's tests, each on
// its own thread with its own io_context. The header is Beast-free, so only test_server.cpp
// pays for Boost.Beast/Asio.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/http/types.h"

namespace mahnwerk::http::testing {

struct ServedRequest {
  std::string method;
  std::string target;
  Headers headers;
  std::string body;
  std::string sni;             // the server name the client sent in the TLS handshake
  std::size_t connection = 0;  // 1-based number of the connection it came on
};

struct Reply {
  enum class Act {
    kRespond,       // send the response
    kRespondClose,  // send it, then close the connection although keep-alive was announced
    kStall,         // never answer; wait until the client gives up
    kDribble,       // send the header, then the body one byte per `dribble_every`
    kDrop,          // close the connection without an answer
  };
  int status = 200;
  Headers headers;
  std::string body;
  Act act = Act::kRespond;
  std::chrono::milliseconds dribble_every{10};
};

using Handler = std::function<Reply(const ServedRequest&)>;

struct ServerOptions {
  bool tls = true;
  std::string cert_pem;  // the server's certificate and key (TestCa::issue)
  std::string key_pem;
  int max_tls_version = 0;       // e.g. TLS1_1_VERSION: the newest protocol offered; 0: OpenSSL's
  bool stall_handshake = false;  // accept TCP connections but never answer the TLS handshake
};

class TestServer {
 public:
  // Starts listening on 127.0.0.1, port 0. `handler` runs on the server's thread.
  TestServer(ServerOptions options, Handler handler);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::uint16_t port() const;
  std::size_t connections() const;  // TCP connections accepted
  std::size_t requests() const;     // requests read
  std::vector<ServedRequest> served() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// An HTTP proxy that only speaks CONNECT: it records each tunnel and relays bytes both ways.
class TestProxy {
 public:
  // refuse_with != 0: answer every CONNECT with that status instead of tunnelling.
  explicit TestProxy(int refuse_with = 0);
  ~TestProxy();
  TestProxy(const TestProxy&) = delete;
  TestProxy& operator=(const TestProxy&) = delete;

  std::uint16_t port() const;
  std::vector<std::string> targets() const;         // CONNECT targets ("localhost:4433")
  std::vector<std::string> authorizations() const;  // Proxy-Authorization values received

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mahnwerk::http::testing
