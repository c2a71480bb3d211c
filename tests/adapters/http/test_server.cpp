// The loopback HTTPS server and CONNECT proxy of the client tests: Beast coroutines on a thread
// of their own, so the client under test runs its loop on the test's thread as in production.
#include "tests/adapters/http/test_server.h"

#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <array>
#include <optional>
#include <thread>

namespace mahnwerk::http::testing {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;
using boost::system::error_code;

auto tuple_token(error_code& ec) { return net::redirect_error(net::use_awaitable, ec); }

void listen_on_loopback(tcp::acceptor& acceptor) {
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(tcp::acceptor::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen();
}

// Reads and discards until the peer closes or the connection breaks.
template <typename Stream>
net::awaitable<void> wait_until_closed(Stream& stream) {
  std::array<char, 512> scratch;
  error_code ec;
  while (!ec) co_await stream.async_read_some(net::buffer(scratch), tuple_token(ec));
}

net::awaitable<void> pause(std::chrono::milliseconds d) {
  net::steady_timer timer(co_await net::this_coro::executor, d);
  error_code ec;
  co_await timer.async_wait(tuple_token(ec));
}

}  // namespace

struct TestServer::Impl {
  Impl(ServerOptions o, Handler h) : options(std::move(o)), handler(std::move(h)) {
    if (options.tls) {
      context.emplace(ssl::context::tls_server);
      context->use_certificate_chain(net::buffer(options.cert_pem));
      context->use_private_key(net::buffer(options.key_pem), ssl::context::pem);
      if (options.max_tls_version != 0) {
        // Old protocols need security level 0 in OpenSSL 3 to be offered at all.
        SSL_CTX_set_security_level(context->native_handle(), 0);
        SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_VERSION);
        SSL_CTX_set_max_proto_version(context->native_handle(), options.max_tls_version);
      }
    }
    listen_on_loopback(acceptor);
    port = acceptor.local_endpoint().port();
    net::co_spawn(ioc, accept_loop(), net::detached);
    thread = std::thread([this] { ioc.run(); });
  }

  ~Impl() {
    ioc.stop();
    thread.join();
  }

  net::awaitable<void> accept_loop() {
    for (;;) {
      error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(tuple_token(ec));
      if (ec) co_return;
      net::co_spawn(ioc, session(std::move(socket), ++connections), net::detached);
    }
  }

  net::awaitable<void> session(tcp::socket socket, std::size_t number) {
    beast::tcp_stream stream(std::move(socket));
    if (!options.tls) co_return co_await serve(stream, number, "");
    if (options.stall_handshake) co_return co_await wait_until_closed(stream.socket());
    beast::ssl_stream<beast::tcp_stream> tls(std::move(stream), *context);
    error_code ec;
    co_await tls.async_handshake(ssl::stream_base::server, tuple_token(ec));
    if (ec) co_return;
    const char* sni = SSL_get_servername(tls.native_handle(), TLSEXT_NAMETYPE_host_name);
    co_await serve(tls, number, sni ? sni : "");
  }

  template <typename Stream>
  net::awaitable<void> serve(Stream& stream, std::size_t number, std::string sni) {
    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request<bhttp::string_body> req;
      error_code ec;
      co_await bhttp::async_read(stream, buffer, req, tuple_token(ec));
      if (ec) co_return;
      ServedRequest served_request{
          std::string(req.method_string()), std::string(req.target()), {}, req.body(), sni, number};
      for (const auto& field : req) {
        served_request.headers.push_back(
            Header{std::string(field.name_string()), std::string(field.value())});
      }
      {
        std::lock_guard lock(mutex);
        served.push_back(served_request);
      }
      ++requests;
      const Reply reply = handler(served_request);
      if (reply.act == Reply::Act::kDrop) co_return;
      if (reply.act == Reply::Act::kStall) co_return co_await wait_until_closed(stream);
      if (reply.act == Reply::Act::kDribble) {
        const std::string head = "HTTP/1.1 " + std::to_string(reply.status) +
                                 " OK\r\nContent-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n";
        co_await net::async_write(stream, net::buffer(head), tuple_token(ec));
        for (std::size_t i = 0; !ec && i < reply.body.size(); ++i) {
          co_await pause(reply.dribble_every);
          co_await net::async_write(stream, net::buffer(reply.body.data() + i, 1), tuple_token(ec));
        }
        co_return;
      }
      bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(reply.status), 11};
      for (const Header& h : reply.headers) res.insert(h.name, h.value);
      res.body() = reply.body;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      co_await bhttp::async_write(stream, res, tuple_token(ec));
      if (ec || !res.keep_alive() || reply.act == Reply::Act::kRespondClose) co_return;
    }
  }

  ServerOptions options;
  Handler handler;
  std::optional<ssl::context> context;  // outlives the streams destroyed with ioc
  std::atomic<std::size_t> connections{0};
  std::atomic<std::size_t> requests{0};
  mutable std::mutex mutex;
  std::vector<ServedRequest> served;
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::uint16_t port = 0;
  std::thread thread;
};

TestServer::TestServer(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}
TestServer::~TestServer() = default;
std::uint16_t TestServer::port() const { return impl_->port; }
std::size_t TestServer::connections() const { return impl_->connections; }
std::size_t TestServer::requests() const { return impl_->requests; }
std::vector<ServedRequest> TestServer::served() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->served;
}

struct TestProxy::Impl {
  explicit Impl(int refuse) : refuse_with(refuse) {
    listen_on_loopback(acceptor);
    port = acceptor.local_endpoint().port();
    net::co_spawn(ioc, accept_loop(), net::detached);
    thread = std::thread([this] { ioc.run(); });
  }

  ~Impl() {
    ioc.stop();
    thread.join();
  }

  net::awaitable<void> accept_loop() {
    for (;;) {
      error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(tuple_token(ec));
      if (ec) co_return;
      net::co_spawn(ioc, session(std::make_shared<tcp::socket>(std::move(socket))), net::detached);
    }
  }

  net::awaitable<void> session(std::shared_ptr<tcp::socket> client) {
    beast::flat_buffer buffer;
    bhttp::request_parser<bhttp::empty_body> parser;
    error_code ec;
    co_await bhttp::async_read_header(*client, buffer, parser, tuple_token(ec));
    if (ec || parser.get().method() != bhttp::verb::connect) co_return;
    const std::string target(parser.get().target());
    {
      std::lock_guard lock(mutex);
      connect_targets.push_back(target);
      auto auth = parser.get().find(bhttp::field::proxy_authorization);
      if (auth != parser.get().end()) proxy_authorizations.emplace_back(auth->value());
    }
    if (refuse_with != 0) {
      const std::string refusal =
          "HTTP/1.1 " + std::to_string(refuse_with) + " Refused\r\nContent-Length: 0\r\n\r\n";
      co_await net::async_write(*client, net::buffer(refusal), tuple_token(ec));
      co_return;
    }
    const std::size_t colon = target.rfind(':');
    tcp::resolver resolver(ioc);
    auto endpoints =
        co_await resolver.async_resolve(target.substr(0, colon), target.substr(colon + 1), tuple_token(ec));
    auto upstream = std::make_shared<tcp::socket>(ioc);
    if (!ec) co_await net::async_connect(*upstream, endpoints, tuple_token(ec));
    const std::string answer = ec ? "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"
                                  : "HTTP/1.1 200 Connection established\r\n\r\n";
    error_code write_ec;
    co_await net::async_write(*client, net::buffer(answer), tuple_token(write_ec));
    if (ec || write_ec) co_return;
    net::co_spawn(ioc, relay(upstream, client), net::detached);
    co_await relay(client, upstream);
  }

  // Copies bytes one way until either side ends, then closes both.
  static net::awaitable<void> relay(std::shared_ptr<tcp::socket> from, std::shared_ptr<tcp::socket> to) {
    std::array<char, 16 * 1024> data;
    error_code ec;
    while (!ec) {
      const std::size_t n = co_await from->async_read_some(net::buffer(data), tuple_token(ec));
      if (!ec) co_await net::async_write(*to, net::buffer(data.data(), n), tuple_token(ec));
    }
    from->close(ec);
    to->close(ec);
  }

  int refuse_with;
  mutable std::mutex mutex;
  std::vector<std::string> connect_targets;
  std::vector<std::string> proxy_authorizations;
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::uint16_t port = 0;
  std::thread thread;
};

TestProxy::TestProxy(int refuse_with) : impl_(std::make_unique<Impl>(refuse_with)) {}
TestProxy::~TestProxy() = default;
std::uint16_t TestProxy::port() const { return impl_->port; }
std::vector<std::string> TestProxy::targets() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->connect_targets;
}
std::vector<std::string> TestProxy::authorizations() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->proxy_authorizations;
}

}  // namespace mahnwerk::http::testing
