// The only translation unit of the library that compiles Boost.Beast/Asio: each exchange is a
// C++20 coroutine on the one io_context; every step (resolve, connect, CONNECT, handshake,
// write, each read) runs under a deadline that is the sooner of its own limit and the total.
#include "adapters/http/beast_transport.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <sys/socket.h>

#include <cerrno>
#include <exception>
#include <vector>

namespace mahnwerk::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using Steady = std::chrono::steady_clock;
using boost::system::error_code;

constexpr std::uint32_t kHeaderLimit = 64 * 1024;

// Where one step must end and whether that is the exchange's total deadline.
struct Deadline {
  Steady::time_point at;
  bool total = false;
};

Deadline step_deadline(std::chrono::milliseconds limit, Steady::time_point total) {
  const Steady::time_point own = Steady::now() + limit;
  return own < total ? Deadline{own, false} : Deadline{total, true};
}

struct Connection {
  std::shared_ptr<ssl::context> context;  // outlives the stream that uses it
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;  // bytes read past one response stay for the next
  Steady::time_point idle_since;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

bool is_ip_literal(const std::string& host) {
  error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

std::string base64(std::string_view text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  const int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// A peer that closed or reset the connection: on a pooled connection before any response byte
// this means the server dropped the idle connection, and a fresh one may be tried.
bool closed_by_peer(const error_code& ec) {
  return ec == net::error::eof || ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == bhttp::error::end_of_stream || ec == ssl::error::stream_truncated;
}

// A pooled connection whose peer has hung up (EOF, or a TLS close_notify waiting to be read)
// is dropped before use rather than found dead after the request was written: one
// non-blocking peek, as curl checks its pooled connections.
bool peer_hung_up(beast::tcp_stream& stream) {
  char byte = 0;
  const ssize_t n = ::recv(stream.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
}

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

bhttp::verb verb_of(Method method) {
  switch (method) {
    case Method::kGet:
      return bhttp::verb::get;
    case Method::kHead:
      return bhttp::verb::head;
    case Method::kPost:
      return bhttp::verb::post;
    case Method::kPut:
      return bhttp::verb::put;
    case Method::kPatch:
      return bhttp::verb::patch;
    case Method::kDelete:
      return bhttp::verb::delete_;
  }
  return bhttp::verb::get;
}

}  // namespace

struct BeastTransport::Impl {
  explicit Impl(TransportOptions o) : options(std::move(o)) {}

  TransportOptions options;
  net::io_context ioc{1};
  TransportStats stats;
  std::map<std::string, std::shared_ptr<ssl::context>> contexts;         // by CA file ("" = system)
  std::map<std::string, std::vector<std::unique_ptr<Connection>>> idle;  // declared after ioc

  // The TLS client context for a CA file: verification on, TLS 1.2 at least.
  std::shared_ptr<ssl::context> context(const std::string& ca_file, std::string& problem) {
    if (auto it = contexts.find(ca_file); it != contexts.end()) return it->second;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->set_verify_mode(ssl::verify_peer);
    error_code ec;
    if (ca_file.empty()) {
      ctx->set_default_verify_paths(ec);
    } else {
      ctx->load_verify_file(ca_file, ec);
    }
    if (ec) {
      problem = "cannot load CA certificates from \"" + (ca_file.empty() ? "system store" : ca_file) +
                "\": " + ec.message();
      return nullptr;
    }
    contexts.emplace(ca_file, ctx);
    return ctx;
  }

  static std::string pool_key(const Url& url, const Request& request, const Url* proxy) {
    return url.origin() + "|" + request.ca_file + "|" + (proxy ? proxy->origin() : std::string());
  }

  std::unique_ptr<Connection> checkout(const std::string& key) {
    auto it = idle.find(key);
    while (it != idle.end() && !it->second.empty()) {
      std::unique_ptr<Connection> conn = std::move(it->second.back());
      it->second.pop_back();
      if (Steady::now() - conn->idle_since >= options.idle_timeout || !conn->lowest().socket().is_open())
        continue;
      if (peer_hung_up(conn->lowest())) {
        ++stats.dead_dropped;
        continue;
      }
      return conn;
    }
    return nullptr;
  }

  void checkin(const std::string& key, std::unique_ptr<Connection> conn) {
    auto& list = idle[key];
    if (list.size() >= options.max_idle_per_host) return;
    conn->idle_since = Steady::now();
    list.push_back(std::move(conn));
  }

  // Resolves and connects to `target` (server or proxy); the host may be overridden.
  net::awaitable<std::unique_ptr<beast::tcp_stream>> dial(const Url& target, Deadline deadline,
                                                          Exchange& ex) {
    auto override_it = options.resolve.find(target.host);
    const std::string& host = override_it == options.resolve.end() ? target.host : override_it->second;
    // The resolver has no timeout of its own: a timer cancels it. The timer's handler may
    // already be queued when the resolve completes, so it holds the resolver only weakly.
    auto resolver = std::make_shared<tcp::resolver>(ioc);
    net::steady_timer guard(ioc, deadline.at);
    guard.async_wait([weak = std::weak_ptr<tcp::resolver>(resolver)](error_code ec) {
      if (auto r = weak.lock(); r && !ec) r->cancel();
    });
    error_code ec;
    auto endpoints = co_await resolver->async_resolve(host, std::to_string(target.port),
                                                      net::redirect_error(net::use_awaitable, ec));
    guard.cancel();
    if (ec) {
      const bool late = Steady::now() >= deadline.at;
      ex.failure =
          late ? (deadline.total ? Failure::kTotalTimeout : Failure::kConnectTimeout) : Failure::kResolve;
      ex.message = target.origin() + ": cannot resolve host: " + ec.message();
      co_return nullptr;
    }
    auto stream = std::make_unique<beast::tcp_stream>(ioc);
    stream->expires_at(deadline.at);
    ++stats.connections_opened;
    co_await stream->async_connect(endpoints, net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      fail_step(ex, ec, deadline, Failure::kConnect, target.origin() + ": connect failed");
      co_return nullptr;
    }
    co_return stream;
  }

  // Asks the proxy for a tunnel to `url` (RFC 9110 §9.3.6).
  net::awaitable<bool> tunnel(beast::tcp_stream& stream, const Url& url, const Url& proxy, Deadline deadline,
                              Exchange& ex) {
    const std::string authority = (is_ip_literal(url.host) && url.host.find(':') != std::string::npos)
                                      ? "[" + url.host + "]:" + std::to_string(url.port)
                                      : url.host + ":" + std::to_string(url.port);
    bhttp::request<bhttp::empty_body> connect{bhttp::verb::connect, authority, 11};
    connect.set(bhttp::field::host, authority);
    connect.set(bhttp::field::user_agent, options.user_agent);
    if (!options.proxy.proxy_credentials.empty()) {
      connect.set(bhttp::field::proxy_authorization, "Basic " + base64(options.proxy.proxy_credentials));
    }
    stream.expires_at(deadline.at);
    error_code ec;
    co_await bhttp::async_write(stream, connect, net::redirect_error(net::use_awaitable, ec));
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::empty_body> parser;
    parser.skip(true);  // a 2xx answer to CONNECT has no body: the tunnel starts after the header
    if (!ec)
      co_await bhttp::async_read_header(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
    const std::string where = "proxy " + proxy.origin() + " (tunnel to " + authority + ")";
    if (ec) {
      fail_step(ex, ec, deadline, Failure::kProxy, where);
      co_return false;
    }
    if (parser.get().result_int() / 100 != 2) {
      ex.failure = Failure::kProxy;
      ex.message = where + ": refused with HTTP " + std::to_string(parser.get().result_int());
      co_return false;
    }
    co_return true;
  }

  // A new connection to `url`, through the proxy when one applies, with TLS for https.
  net::awaitable<std::unique_ptr<Connection>> open(const Request& request, const Url& url, const Url* proxy,
                                                   Steady::time_point total, Exchange& ex) {
    const Deadline deadline = step_deadline(request.timeouts.connect, total);
    auto conn = std::make_unique<Connection>();
    if (url.tls()) {
      std::string problem;
      conn->context = context(request.ca_file, problem);
      if (!conn->context) {
        ex.failure = Failure::kTls;
        ex.message = url.origin() + ": " + problem;
        co_return nullptr;
      }
    }
    auto stream = co_await dial(proxy ? *proxy : url, deadline, ex);
    if (!stream) co_return nullptr;
    if (proxy && !co_await tunnel(*stream, url, *proxy, deadline, ex)) co_return nullptr;
    if (!url.tls()) {
      conn->plain = std::move(stream);
      co_return conn;
    }
    conn->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*stream), *conn->context);
    SSL* native = conn->tls->native_handle();
    if (!is_ip_literal(url.host)) {  // SNI; the macro SSL_set_tlsext_host_name casts old-style
      SSL_ctrl(native, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(url.host.c_str()));
    }
    conn->tls->set_verify_callback(ssl::host_name_verification(url.host));
    conn->lowest().expires_at(deadline.at);
    error_code ec;
    co_await conn->tls->async_handshake(ssl::stream_base::client,
                                        net::redirect_error(net::use_awaitable, ec));
    if (ec) {
      const long verify = SSL_get_verify_result(native);
      std::string why = ec.message();
      if (verify != X509_V_OK)
        why = std::string("certificate refused: ") + X509_verify_cert_error_string(verify);
      if (ec == beast::error::timeout) {
        fail_step(ex, ec, deadline, Failure::kTls, url.origin());
      } else {
        ex.failure = Failure::kTls;
        ex.message = url.origin() + ": TLS handshake failed: " + why;
      }
      co_return nullptr;
    }
    ++stats.tls_handshakes;
    co_return conn;
  }

  static void fail_step(Exchange& ex, const error_code& ec, Deadline deadline, Failure otherwise,
                        const std::string& where) {
    if (ec == beast::error::timeout) {
      ex.failure = deadline.total ? Failure::kTotalTimeout : Failure::kConnectTimeout;
      ex.message = where + ": " + std::string(to_string(ex.failure));
    } else {
      ex.failure = otherwise;
      ex.message = where + ": " + ec.message();
    }
  }

  // Writes the request and reads the response on an open connection. `stale` is set when a
  // pooled connection turned out closed before any byte of the response arrived.
  template <typename Stream>
  net::awaitable<bool> talk(Stream& stream, Connection& conn, const Request& request, const Url& url,
                            Steady::time_point total, Exchange& ex, bool& stale) {
    bhttp::request<bhttp::string_body> req{verb_of(request.method), url.target, 11};
    req.set(bhttp::field::host, url.authority());
    req.set(bhttp::field::user_agent, options.user_agent);
    for (const Header& h : request.headers) {
      if (iequals(h.name, "Host") || iequals(h.name, "Content-Length")) continue;
      req.insert(h.name, h.value);
    }
    req.body() = request.body;
    if (!request.body.empty() || request.method == Method::kPost || request.method == Method::kPut ||
        request.method == Method::kPatch) {
      req.prepare_payload();
    }
    Deadline deadline = step_deadline(request.timeouts.read, total);
    conn.lowest().expires_at(deadline.at);
    error_code ec;
    const std::size_t written =
        co_await bhttp::async_write(stream, req, net::redirect_error(net::use_awaitable, ec));
    ex.request_sent = written > 0;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(request.max_body_bytes);
    parser.header_limit(kHeaderLimit);
    if (request.method == Method::kHead) parser.skip(true);
    while (!ec && !parser.is_done()) {
      deadline = step_deadline(request.timeouts.read, total);
      conn.lowest().expires_at(deadline.at);
      co_await bhttp::async_read_some(stream, conn.buffer, parser,
                                      net::redirect_error(net::use_awaitable, ec));
    }
    conn.lowest().expires_never();
    if (ec) {
      stale = closed_by_peer(ec) && !parser.got_some();
      read_failure(ex, ec, deadline, request, url);
      co_return false;
    }
    auto message = parser.release();
    ex.response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      ex.response.headers.push_back(Header{std::string(field.name_string()), std::string(field.value())});
    }
    ex.response.body = std::move(message.body());
    co_return message.keep_alive();
  }

  static void read_failure(Exchange& ex, const error_code& ec, Deadline deadline, const Request& request,
                           const Url& url) {
    if (ec == beast::error::timeout) {
      ex.failure = deadline.total ? Failure::kTotalTimeout : Failure::kReadTimeout;
      ex.message = url.origin() + ": " + std::string(to_string(ex.failure)) + " after " +
                   ms(deadline.total ? request.timeouts.total : request.timeouts.read);
    } else if (ec == bhttp::error::body_limit) {
      ex.failure = Failure::kBodyTooLarge;
      ex.message =
          url.origin() + ": response body exceeds " + std::to_string(request.max_body_bytes) + " bytes";
    } else {
      ex.failure = Failure::kProtocol;
      ex.message = url.origin() + ": " + (closed_by_peer(ec) ? "connection closed by peer" : ec.message());
    }
  }

  net::awaitable<bool> talk(Connection& conn, const Request& request, const Url& url,
                            Steady::time_point total, Exchange& ex, bool& stale) {
    if (conn.tls) {
      const bool keep = co_await talk(*conn.tls, conn, request, url, total, ex, stale);
      ex.response.tls_version = SSL_get_version(conn.tls->native_handle());
      co_return keep;
    }
    co_return co_await talk(*conn.plain, conn, request, url, total, ex, stale);
  }

  net::awaitable<Exchange> perform(const Request& request) {
    Exchange ex;
    auto url = Url::parse(request.url);
    if (!url) {
      ex.failure = Failure::kBadUrl;
      ex.message = url.error().message;
      co_return ex;
    }
    const Steady::time_point total = Steady::now() + request.timeouts.total;
    const Url* proxy = options.proxy.proxy_for(*url);
    const std::string key = pool_key(*url, request, proxy);
    bool stale = false;
    if (auto pooled = checkout(key)) {
      ++stats.reused;
      const bool keep = co_await talk(*pooled, request, *url, total, ex, stale);
      ex.response.reused_connection = true;
      if (ex.failure == Failure::kNone && keep) checkin(key, std::move(pooled));
      // A repeatable request, or one the server certainly did not get, goes again on a fresh
      // connection; anything else is left to the caller as possibly processed.
      if (!stale || (ex.request_sent && !request.may_repeat())) co_return ex;
      ++stats.stale_retries;
      ex = Exchange();
    }
    auto conn = co_await open(request, *url, proxy, total, ex);
    if (!conn) co_return ex;
    const bool keep = co_await talk(*conn, request, *url, total, ex, stale);
    if (ex.failure == Failure::kNone && keep) checkin(key, std::move(conn));
    co_return ex;
  }
};

BeastTransport::BeastTransport(TransportOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

BeastTransport::~BeastTransport() = default;

void BeastTransport::exchange(const Request& request, Done done) {
  Impl* impl = impl_.get();
  net::co_spawn(
      impl->ioc,
      [impl, request, done = std::move(done)]() mutable -> net::awaitable<void> {
        Exchange ex = co_await impl->perform(request);
        done(std::move(ex));
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);  // a bug: let run() throw it
      });
}

void BeastTransport::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  auto timer = std::make_shared<net::steady_timer>(impl_->ioc, delay);
  timer->async_wait([timer, fn = std::move(fn)](error_code) { fn(); });
}

void BeastTransport::run() {
  impl_->ioc.run();
  impl_->ioc.restart();
}

TransportStats BeastTransport::stats() const { return impl_->stats; }

std::size_t BeastTransport::idle_connections() const {
  std::size_t n = 0;
  for (const auto& [key, list] : impl_->idle) n += list.size();
  return n;
}

}  // namespace mahnwerk::http
