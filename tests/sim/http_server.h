// The simulators' HTTPS server on 127.0.0.1: Boost.Beast coroutines on a small pool of threads,
// so a simulator can serve tens of thousands of list items per second over loopback TLS. The
// header is Beast-free; http_server.cpp is the simulators' only Beast translation unit.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace mahnwerk::sim {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header named `name` (case-insensitive), or "".
  std::string header(const std::string& name) const;
};

struct HttpReply {
  enum class Act {
    kRespond,   // send the response (after `delay`)
    kDrop,      // close the connection without an answer
    kTruncate,  // announce the full Content-Length, send half of the body, close
  };
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  Act act = Act::kRespond;
  std::chrono::milliseconds delay{0};
};

// Called on one of the server's threads, concurrently for different connections.
using HttpHandler = std::function<HttpReply(const HttpRequest&)>;

struct HttpServerOptions {
  std::string cert_pem;  // server certificate and key (PEM)
  std::string key_pem;
  std::uint16_t port = 0;  // 0: any free port
  int threads = 2;
};

class HttpServer {
 public:
  // Listens on 127.0.0.1 and serves on `options.threads` threads until destroyed.
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;
  std::size_t connections() const;  // TCP connections accepted

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mahnwerk::sim
