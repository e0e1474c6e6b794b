#!/usr/bin/env bash
# `governor hash-key`: the key comes on stdin (first line), never from argv, and its SHA-256
# comes out as lowercase hex; a config holding that hash passes `governor check`.
set -uo pipefail
governor=$1
fail() {
  echo "FAIL: $*"
  exit 1
}
abc=ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad

[[ $(printf 'abc\n' | "$governor" hash-key) == "$abc" ]] || fail "a newline-terminated key"
[[ $(printf 'abc' | "$governor" hash-key) == "$abc" ]] || fail "a key without a newline"
[[ $(printf 'abc\r\n' | "$governor" hash-key) == "$abc" ]] || fail "a CRLF-terminated key"
[[ $(printf 'abc\nnot this\n' | "$governor" hash-key) == "$abc" ]] || fail "only the first line"

printf '' | "$governor" hash-key >/dev/null 2>&1 && fail "empty stdin was accepted"
printf '\n' | "$governor" hash-key >/dev/null 2>&1 && fail "an empty key was accepted"
printf ' abc\n' | "$governor" hash-key >/dev/null 2>&1 && fail "a key with blanks was accepted"

out=$("$governor" hash-key sk-live-SECRET </dev/null 2>&1) && fail "a key in argv was accepted"
[[ $out == *"do not pass the key as an argument"* ]] || fail "no reason given for argv: $out"
[[ $out != *SECRET* ]] || fail "the argv key was echoed: $out"

# Round trip: the printed hash is what auth.keys[].sha256 accepts.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
hash=$(printf 'sk-round-trip\n' | "$governor" hash-key)
cat >"$tmp/governor.yaml" <<YAML
listen: {address: 0.0.0.0, port: 0}
upstreams: [{name: local, base_url: "http://127.0.0.1:8091/v1", price_per_million: {input: 0, output: 0}}]
tiers: [{name: only, upstreams: [local]}]
routing: {default_tier: only}
auth: {keys: [{name: ops, tenant: acme, sha256: $hash}]}
admin: {enabled: false}
YAML
"$governor" check -c "$tmp/governor.yaml" || fail "check rejected a config with the printed hash"
echo "hash-key: ok"
