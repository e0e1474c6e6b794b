#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "governor/config/field_lines.hpp"
#include "governor/core/money.hpp"

namespace governor::config {

using Millis = std::chrono::milliseconds;

/** Where a listener binds. */
struct ListenConfig {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;
  unsigned workers = 0;  ///< 0: one per core
  std::size_t max_body_bytes = 4 * 1024 * 1024;
  std::size_t max_header_bytes = 64 * 1024;
  Millis read_timeout{30'000};   ///< whole request must arrive within this
  Millis idle_timeout{75'000};   ///< keep-alive idle
  Millis drain_timeout{20'000};  ///< graceful shutdown: in-flight calls get this long
  bool operator==(const ListenConfig&) const = default;
};

/** Timeouts of one upstream hop (Pingora's PeerOptions split). */
struct UpstreamTimeouts {
  Millis connect{2'000};      ///< TCP connect + TLS handshake
  Millis first_byte{30'000};  ///< request written -> response header received
  Millis idle{30'000};        ///< longest silence between two body reads (stream chunks)
  Millis total{600'000};      ///< the whole call, streams included
  bool operator==(const UpstreamTimeouts&) const = default;
};

struct RetryConfig {
  unsigned max_attempts = 3;  ///< attempts on one upstream, first included
  Millis backoff{100};        ///< first backoff; doubles each time, with jitter
  Millis max_backoff{2'000};  ///< cap for backoff and for honoured Retry-After
  bool operator==(const RetryConfig&) const = default;
};

struct TlsConfig {
  bool verify_peer = true;
  std::string ca_file;  ///< extra CA bundle (PEM) for private CAs; system store always used
  bool operator==(const TlsConfig&) const = default;
};

struct PoolConfig {
  std::size_t max_idle = 64;    ///< idle keep-alive connections kept per upstream per worker
  Millis idle_timeout{60'000};  ///< an idle connection older than this is closed, not reused
  bool operator==(const PoolConfig&) const = default;
};

/** What an upstream model can do. */
struct Capabilities {
  bool tools = false;
  bool logprobs = false;
  bool json_mode = false;
  bool streaming = true;
  bool operator==(const Capabilities&) const = default;
};

/** One upstream model behind one OpenAI-compatible base URL. */
struct UpstreamConfig {
  std::string name;         ///< what clients may pin with `model`, unique
  std::string base_url;     ///< e.g. https://api.openai.com/v1 (after key fallback)
  std::string model;        ///< the id sent upstream in `model`
  std::string api_key_env;  ///< env var holding the key; empty: no Authorization header
  ModelPrices prices;
  std::int64_t context_window = 128'000;
  Capabilities capabilities;
  std::string fallback;  ///< name of the upstream tried when this one fails; may be empty
  UpstreamTimeouts timeouts;
  RetryConfig retry;
  TlsConfig tls;
  PoolConfig pool;
  bool simulated = false;  ///< true when `when_key_missing` replaced base_url/model
  bool operator==(const UpstreamConfig&) const = default;
};

/** A tier: upstreams of one price class, cheapest tier first in GatewayConfig::tiers. */
struct TierConfig {
  std::string name;
  std::vector<std::string> upstreams;  ///< upstream names; the first is the tier's primary
  bool operator==(const TierConfig&) const = default;
};

struct RoutingConfig {
  std::vector<std::string> aliases{"auto"};  ///< model names that mean "Governor decides"
  std::string default_tier;                  ///< tier used for aliases until routing lands
  bool operator==(const RoutingConfig&) const = default;
};

/** A per-call JSON-lines file (the decision log, the JSON access log), written asynchronously
 *  and rotated by size. */
struct DecisionLogConfig {
  std::string path;                            ///< empty: off; absolute after loading
  std::int64_t max_bytes = 100 * 1024 * 1024;  ///< rotate when the file reaches this size
  std::int64_t max_files = 5;                  ///< rotated files kept (path.1 ... path.N)
  bool operator==(const DecisionLogConfig&) const = default;
};

struct LogConfig {
  std::string level = "info";         ///< trace|debug|info|warn|error|off
  bool access_log = true;             ///< one human-readable line per call on the main log
  DecisionLogConfig access_log_file;  ///< one JSON line per call to a file (path empty: off)
  DecisionLogConfig decision_log;
  bool operator==(const LogConfig&) const = default;
};

/** A gateway API key. Only its SHA-256 is ever stored (`governor hash-key` prints it). */
struct AuthKey {
  std::string name;    ///< label for logs, metrics and policy matching; unique
  std::string sha256;  ///< lowercase hex SHA-256 of the key's plaintext, 64 characters
  std::string tenant;  ///< the tenant every call made with this key belongs to
  /** Policies the key may name with X-Governor-Policy; "*" allows any. Calls that name none get
   *  the policy chosen by match rules. */
  std::vector<std::string> policies;
  /** Trust domains the key may claim with X-Governor-Trust-Domain; "*" allows any. */
  std::vector<std::string> trust_domains;
  bool operator==(const AuthKey&) const = default;
};

/** With no keys, Governor accepts unauthenticated calls (tenant "default") and refuses to listen
 *  on anything but loopback. */
struct AuthConfig {
  std::vector<AuthKey> keys;
  bool enabled() const { return !keys.empty(); }
  bool operator==(const AuthConfig&) const = default;
};

struct LedgerConfig {
  std::string backend = "sqlite";
  /** Directory of the ledger database, resolved against the config file's directory and stored
   *  absolute; the server creates it. Empty: an in-memory ledger that a restart forgets (a
   *  warning is logged). */
  std::string data_dir;
  std::size_t max_batch = 1024;  ///< operations per group commit at most
  /** false (default): a commit is durable across a crash or kill -9 of Governor (it is in the
   *  OS page cache; SQLite WAL, synchronous=NORMAL) and fsynced at checkpoints; an OS crash or
   *  power loss may lose the last commits. true: every group commit is fsynced (durable across
   *  power loss), at the price of an fsync on the call path (docs/performance.md). */
  bool fsync = false;
  bool operator==(const LedgerConfig&) const = default;
};

struct PoliciesConfig {
  /** Directory of policy files (*.yaml, *.yml), resolved against the config file's directory
   *  and stored absolute; it existed at load time. Empty: no policies, calls are tracked but
   *  unbudgeted. */
  std::string dir;
  bool operator==(const PoliciesConfig&) const = default;
};

/** Prometheus metrics, served at GET /metrics on the admin listener (docs/metrics.md). */
struct MetricsConfig {
  bool enabled = true;       ///< false: nothing is counted and /metrics is 404
  bool tenant_label = true;  ///< false: spend is labelled by model only, never by tenant
  bool operator==(const MetricsConfig&) const = default;
};

/** The admin listener: policy reload, status, /metrics. Loopback by default. */
struct AdminConfig {
  bool enabled = true;
  std::string address = "127.0.0.1";
  std::uint16_t port = 8081;  ///< 0 picks a free port (tests)
  bool operator==(const AdminConfig&) const = default;
};

/** The whole validated gateway configuration: an immutable snapshot. */
struct GatewayConfig {
  std::string source;  ///< file it was loaded from
  ListenConfig listen;
  std::vector<UpstreamConfig> upstreams;  ///< in file order
  std::vector<TierConfig> tiers;          ///< ordered by cost, cheapest first
  RoutingConfig routing;
  LogConfig logs;
  AuthConfig auth;
  LedgerConfig ledger;
  PoliciesConfig policies;
  AdminConfig admin;
  MetricsConfig metrics;
  /** Where each field was written in `source`, for errors found after loading (see
   *  check_policies_against_config). Empty for a config built in code. */
  FieldLines lines;

  const UpstreamConfig* find_upstream(std::string_view name) const;
  /** Index of the tier containing the upstream, or -1. */
  int tier_of(std::string_view upstream_name) const;
  const TierConfig* find_tier(std::string_view name) const;
  bool is_alias(std::string_view model) const;
  /** The API key named `name`, or null. */
  const AuthKey* find_key(std::string_view name) const;
};

using GatewayConfigPtr = std::shared_ptr<const GatewayConfig>;

}  // namespace governor::config
