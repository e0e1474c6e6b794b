// Structural reading of `auth`: the gateway API keys, stored only as SHA-256 hashes.
#include "parse.hpp"
#include "text_rules.hpp"
#include "yaml_reader.hpp"

namespace governor::config::detail {
namespace {

// Said for every spelling of "the key itself": the value is never echoed back, since error
// lines end up in terminals, CI logs and tickets.
constexpr std::string_view kPlaintextMessage =
    "never write an API key itself in the config; store its SHA-256 in 'sha256' instead "
    "(`governor hash-key` reads the key on stdin and prints it)";

void read_sha256(const MapReader& r, std::string& out) {
  std::string text;
  if (!r.read_string("sha256", text)) {
    if (!r.has("sha256")) {
      r.require("sha256");
    }
    return;
  }
  std::string hex = normalize_sha256_hex(text);
  if (hex.empty()) {
    // Describe the value by its shape only: a plaintext key pasted here must not be printed.
    const std::string got = text.size() == 64 ? "64 characters that are not all hex digits"
                                              : std::to_string(text.size()) + " characters";
    r.diag().error(r.line_of("sha256"), r.field_of("sha256"),
                   "expected the key's SHA-256 as 64 hex digits (print it with `governor "
                   "hash-key`), got " +
                       got);
    return;
  }
  out = std::move(hex);
}

void parse_key(const YAML::Node& node, const std::string& field, int line, Diagnostics& diag,
               AuthKey& key) {
  const MapReader r{node,
                    field,
                    line,
                    {"name", "sha256", "tenant", "policies", "trust_domains"},
                    diag,
                    {{"key", kPlaintextMessage},
                     {"plaintext", kPlaintextMessage},
                     {"api_key", kPlaintextMessage}}};
  if (!r.ok()) {
    return;
  }
  read_id(r, "name", key.name, true);
  read_sha256(r, key.sha256);
  read_id(r, "tenant", key.tenant, true);
  if (const YAML::Node* list = r.find("policies")) {
    key.policies = read_id_list(*list, r.field_of("policies"), r.line_of("policies"), diag, true);
  }
  if (const YAML::Node* list = r.find("trust_domains")) {
    key.trust_domains =
        read_id_list(*list, r.field_of("trust_domains"), r.line_of("trust_domains"), diag, true);
  }
}

}  // namespace

void parse_auth(const MapReader& root, AuthConfig& auth) {
  const YAML::Node* node = root.find("auth");
  if (node == nullptr) {
    return;
  }
  const MapReader r{*node, "auth", root.line_of("auth"), {"keys"}, root.diag()};
  if (!r.ok()) {
    return;
  }
  const YAML::Node* keys = r.find("keys");
  if (keys == nullptr) {
    return;
  }
  for_each_item(*keys, r.field_of("keys"), r.line_of("keys"), r.diag(),
                [&](const YAML::Node& item, const std::string& item_path, int item_line) {
                  AuthKey key;
                  parse_key(item, item_path, item_line, r.diag(), key);
                  auth.keys.push_back(std::move(key));
                });
}

}  // namespace governor::config::detail
