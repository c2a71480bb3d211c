// The simulators' HTTPS server: one io_context run by a few threads, one coroutine per
// connection on its own strand. The only translation unit of tests/sim that includes Beast.
#include "tests/sim/http_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <cctype>
#include <thread>

// GCC 12 at -O1 (the asan preset) sees asio's recycling operator delete of a coroutine frame as
// mismatched with the frame's allocation: a false positive on Boost.Asio's awaitable frames.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace mahnwerk::sim {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

auto tuple_token(error_code& ec) { return net::redirect_error(net::use_awaitable, ec); }

bool same_name(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string HttpRequest::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (same_name(key, name)) return value;
  }
  return "";
}

struct HttpServer::Impl {
  Impl(HttpServerOptions o, HttpHandler h)
      : options(std::move(o)), handler(std::move(h)), ioc(std::max(1, options.threads)) {
    context.use_certificate_chain(net::buffer(options.cert_pem));
    context.use_private_key(net::buffer(options.key_pem), ssl::context::pem);
    const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), options.port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);
    port = acceptor.local_endpoint().port();
    net::co_spawn(acceptor.get_executor(), accept_loop(), net::detached);
    for (int i = 0; i < std::max(1, options.threads); ++i) threads.emplace_back([this] { ioc.run(); });
  }

  ~Impl() {
    ioc.stop();
    for (std::thread& t : threads) t.join();
  }

  net::awaitable<void> accept_loop() {
    for (;;) {
      error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(net::make_strand(ioc), tuple_token(ec));
      if (ec) {
        if (ec == net::error::operation_aborted) co_return;
        continue;
      }
      ++connections;
      auto executor = socket.get_executor();
      net::co_spawn(executor, session(std::move(socket)), net::detached);
    }
  }

  net::awaitable<void> session(tcp::socket socket) {
    socket.set_option(tcp::no_delay(true));
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), context);
    error_code ec;
    co_await stream.async_handshake(ssl::stream_base::server, tuple_token(ec));
    if (ec) co_return;
    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(64u << 20);
      co_await bhttp::async_read(stream, buffer, parser, tuple_token(ec));
      if (ec) co_return;
      bhttp::request<bhttp::string_body> req = parser.release();
      HttpRequest request{
          std::string(req.method_string()), std::string(req.target()), {}, std::move(req.body())};
      for (const auto& field : req) request.headers.emplace_back(field.name_string(), field.value());
      HttpReply reply = handler(request);
      if (reply.delay.count() > 0) {
        net::steady_timer timer(co_await net::this_coro::executor, reply.delay);
        co_await timer.async_wait(tuple_token(ec));
      }
      if (reply.act == HttpReply::Act::kDrop) {
        beast::get_lowest_layer(stream).socket().close(ec);
        co_return;
      }
      if (reply.act == HttpReply::Act::kTruncate) {
        std::string head = "HTTP/1.1 " + std::to_string(reply.status) +
                           " OK\r\nContent-Type: application/json\r\n" +
                           "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n";
        head.append(reply.body, 0, reply.body.size() / 2);
        co_await net::async_write(stream, net::buffer(head), tuple_token(ec));
        beast::get_lowest_layer(stream).socket().close(ec);
        co_return;
      }
      bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(reply.status), 11};
      for (const auto& [name, value] : reply.headers) res.insert(name, value);
      res.body() = std::move(reply.body);
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      co_await bhttp::async_write(stream, res, tuple_token(ec));
      if (ec || !res.keep_alive()) co_return;
    }
  }

  HttpServerOptions options;
  HttpHandler handler;
  ssl::context context{ssl::context::tls_server};  // outlives the streams destroyed with ioc
  std::atomic<std::size_t> connections{0};
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::uint16_t port = 0;
  std::vector<std::thread> threads;
};

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}
HttpServer::~HttpServer() = default;
std::uint16_t HttpServer::port() const { return impl_->port; }
std::size_t HttpServer::connections() const { return impl_->connections; }

}  // namespace mahnwerk::sim
