#include "governor/upstream/endpoint.hpp"

#include <boost/url/parse.hpp>

namespace governor::upstream {

std::string Endpoint::host_header() const {
  const bool default_port = (tls && port == "443") || (!tls && port == "80");
  const bool ipv6 = host.find(':') != std::string::npos;
  std::string h = ipv6 ? "[" + host + "]" : host;
  return default_port ? h : h + ":" + port;
}

Result<Endpoint> parse_endpoint(std::string_view base_url) {
  const auto url = boost::urls::parse_absolute_uri(base_url);
  if (!url) {
    return errc::invalid_request;
  }
  Endpoint e;
  const auto scheme = url->scheme();
  if (scheme == "https") {
    e.tls = true;
  } else if (scheme != "http") {
    return errc::invalid_request;
  }
  if (!url->has_authority() || url->encoded_host().empty()) {
    return errc::invalid_request;
  }
  e.host = std::string(url->encoded_host_address());
  if (!e.host.empty() && e.host.front() == '[' && e.host.back() == ']') {
    e.host = e.host.substr(1, e.host.size() - 2);
  }
  e.port = url->has_port() ? std::string(url->port()) : (e.tls ? "443" : "80");
  e.path_prefix = std::string(url->encoded_path());
  while (!e.path_prefix.empty() && e.path_prefix.back() == '/') {
    e.path_prefix.pop_back();
  }
  return e;
}

PoolKey pool_key_of(const config::UpstreamConfig& upstream, const Endpoint& endpoint) {
  return PoolKey{endpoint, upstream.tls.verify_peer, upstream.tls.ca_file};
}

}  // namespace governor::upstream
