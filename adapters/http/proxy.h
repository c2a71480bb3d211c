// Which proxy an https request goes through: the https_proxy and no_proxy conventions of curl
// and wget (offices sit behind proxies). Plain data and string rules; the tunnel itself is in
// beast_transport.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/http/types.h"
#include "connector/core/result.h"

namespace mahnwerk::http {

struct ProxySettings {
  // The HTTP proxy that tunnels https requests with CONNECT; empty: direct.
  std::optional<Url> https_proxy;
  // "user:password" from the proxy URL, sent as Proxy-Authorization: Basic; never logged.
  std::string proxy_credentials;
  // Host patterns that bypass the proxy: "*" (all), "example.com" and ".example.com" (that
  // domain and its subdomains), exact IP literals. Lower case.
  std::vector<std::string> no_proxy;

  // From the variables' text. An https_proxy without scheme means http://; an https:// proxy
  // is refused (kBadConfig), as is a proxy URL that does not parse. Empty text: no proxy.
  static core::Result<ProxySettings> parse(std::string_view https_proxy, std::string_view no_proxy);
  // From the environment: https_proxy (then HTTPS_PROXY) and no_proxy (then NO_PROXY).
  static core::Result<ProxySettings> from_environment();

  // The proxy to use for `url`, or nullptr for a direct connection. Plain http goes direct.
  const Url* proxy_for(const Url& url) const;
};

}  // namespace mahnwerk::http
