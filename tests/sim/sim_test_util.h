// Shared by the simulator tests: a simulator started in-process, and the project's HTTP client
// trusting its test CA, so every test speaks real HTTPS over loopback.
#pragma once

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <memory>
#include <string>

#include "adapters/http/beast_transport.h"
#include "adapters/http/client.h"
#include "tests/adapters/http/test_pki.h"
#include "tests/sim/sim_server.h"

namespace mahnwerk::sim::testing {

inline std::unique_ptr<SimServer> start(Data data, const std::string& faults = "", bool rate_off = true) {
  SimOptions options;
  options.data = std::move(data);
  options.faults = faults;
  options.rate = std::make_unique<RateSettings>();
  options.rate->off = rate_off;
  return std::make_unique<SimServer>(std::move(options));
}

class Caller {
 public:
  explicit Caller(const SimServer& sim)
      : sim_(sim), ca_file_(dir_.write("ca.pem", sim.ca_pem())), client_(transport_) {}

  // One exchange, no retries: the response as the server gave it (or the failure).
  http::Outcome call(http::Method method, const std::string& path, const std::string& body = "",
                     const std::string& auth = "<default>") {
    http::Request r;
    r.method = method;
    r.url = (path.rfind("/_sim/", 0) == 0 ? sim_.origin() : sim_.base_url()) + path;
    const std::string key = sim_.system() == System::kLexoffice ? "Bearer " + sim_.api_key() : sim_.api_key();
    if (auth == "<default>") {
      r.headers.push_back({"Authorization", key});
    } else if (!auth.empty()) {
      r.headers.push_back({"Authorization", auth});
    }
    r.headers.push_back({"Accept", "application/json"});
    if (!body.empty()) r.headers.push_back({"Content-Type", "application/json"});
    r.body = body;
    r.ca_file = ca_file_;
    r.retry.max_attempts = 1;
    r.max_redirects = 0;
    r.timeouts.read = std::chrono::milliseconds(5'000);
    r.timeouts.total = std::chrono::milliseconds(10'000);
    return client_.fetch(r);
  }
  http::Outcome get(const std::string& path) { return call(http::Method::kGet, path); }
  http::Outcome post(const std::string& path, const std::string& body) {
    return call(http::Method::kPost, path, body);
  }
  http::Outcome put(const std::string& path, const std::string& body) {
    return call(http::Method::kPut, path, body);
  }

 private:
  const SimServer& sim_;
  http::testing::TempDir dir_;
  std::string ca_file_;
  http::BeastTransport transport_;
  http::Client client_;
};

// The body parsed with numbers kept as text (never through double).
inline rapidjson::Document parse(const std::string& body) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseNumbersAsStringsFlag>(body.c_str());
  EXPECT_FALSE(doc.HasParseError()) << body.substr(0, 300);
  return doc;
}

inline std::string text(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsNull()) return "null";
  return "<object>";
}

}  // namespace mahnwerk::sim::testing
