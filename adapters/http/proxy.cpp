// https_proxy / no_proxy as curl reads them.
#include "adapters/http/proxy.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace mahnwerk::http {
namespace {

std::string trim_lower(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A no_proxy entry matches the host itself and, as a domain, its subdomains. A port suffix
// ("example.com:8443") is accepted and ignored, as curl does.
bool matches(const std::string& pattern, const std::string& host) {
  if (pattern == "*") return true;
  std::string p = pattern;
  if (const std::size_t colon = p.rfind(':'); colon != std::string::npos && p.find(':') == colon) {
    p.resize(colon);
  }
  if (!p.empty() && p.front() == '.') p.erase(0, 1);
  if (p.empty()) return false;
  if (host == p) return true;
  return host.size() > p.size() && host.ends_with(p) && host[host.size() - p.size() - 1] == '.';
}

const char* env(const char* lower_name, const char* upper_name) {
  const char* value = std::getenv(lower_name);
  if (value == nullptr || *value == '\0') value = std::getenv(upper_name);
  return value == nullptr ? "" : value;
}

}  // namespace

core::Result<ProxySettings> ProxySettings::parse(std::string_view https_proxy, std::string_view no_proxy) {
  ProxySettings settings;
  std::string_view rest = no_proxy;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    std::string entry = trim_lower(rest.substr(0, comma));
    if (!entry.empty()) settings.no_proxy.push_back(std::move(entry));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  std::string text = trim_lower(https_proxy).empty() ? std::string() : std::string(https_proxy);
  if (text.empty()) return settings;
  if (text.find("://") == std::string::npos) text = "http://" + text;
  // The credentials are cut out before parsing so that no error message can carry them.
  const std::size_t at = text.find('@');
  if (at != std::string::npos) {
    const std::size_t start = text.find("://") + 3;
    settings.proxy_credentials = text.substr(start, at - start);
    text.erase(start, at + 1 - start);
  }
  auto url = Url::parse(text);
  if (!url) return core::Error{core::ErrorKind::kBadConfig, url.error().message, "https_proxy"};
  if (url->tls()) {
    return core::Error{core::ErrorKind::kBadConfig, "a proxy reached over https is not supported",
                       "https_proxy"};
  }
  settings.https_proxy = std::move(url).value();
  return settings;
}

core::Result<ProxySettings> ProxySettings::from_environment() {
  return parse(env("https_proxy", "HTTPS_PROXY"), env("no_proxy", "NO_PROXY"));
}

const Url* ProxySettings::proxy_for(const Url& url) const {
  if (!https_proxy || !url.tls()) return nullptr;
  for (const std::string& pattern : no_proxy) {
    if (matches(pattern, url.host)) return nullptr;
  }
  return &*https_proxy;
}

}  // namespace mahnwerk::http
