// A scripted Transport for the REST engine's tests: every exchange goes to a handler in the test
// (no network), callbacks run on a simple queue, and the client runs in virtual time
// (ManualClock + VirtualSleeper), so rate budgets and retries never wait.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/http/client.h"
#include "adapters/http/transport.h"

namespace mahnwerk::rest::testing {

class FakeTransport final : public http::Transport {
 public:
  using Handler = std::function<http::Exchange(const http::Request&)>;

  void exchange(const http::Request& request, Done done) override {
    requests.push_back(request);
    http::Exchange ex = handler ? handler(request) : http::Exchange{};
    queue_.push_back([done = std::move(done), ex = std::move(ex)]() mutable { done(std::move(ex)); });
  }
  void after(std::chrono::milliseconds, std::function<void()> fn) override {
    queue_.push_back(std::move(fn));
  }
  void run() override {
    while (!queue_.empty()) {
      auto fn = std::move(queue_.front());
      queue_.pop_front();
      fn();
    }
  }

  Handler handler;
  std::vector<http::Request> requests;

 private:
  std::deque<std::function<void()>> queue_;
};

inline http::Exchange reply(int status, std::string body) {
  http::Exchange ex;
  ex.request_sent = true;
  ex.response.status = status;
  ex.response.headers = {{"Content-Type", "application/json"}};
  ex.response.body = std::move(body);
  return ex;
}

inline http::Exchange failure(http::Failure f, bool sent) {
  http::Exchange ex;
  ex.failure = f;
  ex.request_sent = sent;
  ex.message = "scripted failure";
  return ex;
}

// The URL's path (without the query) and its decoded query parameters.
struct ParsedUrl {
  std::string path;
  std::multimap<std::string, std::string> query;
  std::string get(const std::string& name, const std::string& fallback = "") const {
    auto it = query.find(name);
    return it == query.end() ? fallback : it->second;
  }
};

inline std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

inline ParsedUrl parse_url(const std::string& url) {
  ParsedUrl p;
  const auto scheme = url.find("://");
  const auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  const std::string target = slash == std::string::npos ? "/" : url.substr(slash);
  const auto q = target.find('?');
  p.path = target.substr(0, q);
  if (q == std::string::npos) return p;
  std::string_view rest = std::string_view(target).substr(q + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const auto eq = pair.find('=');
    p.query.emplace(percent_decode(pair.substr(0, eq)),
                    eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return p;
}

// Collects every log line at trace level.
class CapturingLog final : public http::LogSink {
 public:
  http::LogLevel level() const override { return http::LogLevel::kTrace; }
  void log(http::LogLevel, std::string_view line) override { lines.emplace_back(line); }
  std::vector<std::string> lines;
};

}  // namespace mahnwerk::rest::testing
