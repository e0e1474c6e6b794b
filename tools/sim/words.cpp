#include "sim/words.hpp"

#include <iterator>

#include "sim/hash.hpp"

namespace governor::sim {
namespace {

// ASCII only: a token is then always whole UTF-8, and its `bytes` are its chars.
constexpr std::string_view kWords[] = {
    "the",      "a",        "model",   "budget", "task",    "step",     "answer",   "request",
    "token",    "route",    "cheap",   "large",  "small",   "tier",     "cost",     "quality",
    "agent",    "tool",     "call",    "result", "plan",    "verify",   "summary",  "context",
    "window",   "stream",   "latency", "price",  "ledger",  "reserve",  "spend",    "limit",
    "policy",   "signal",   "value",   "simple", "careful", "quick",    "steady",   "precise",
    "useful",   "clear",    "is",      "was",    "will",    "can",      "should",   "may",
    "must",     "returns",  "uses",    "needs",  "checks",  "reads",    "writes",   "sends",
    "keeps",    "finds",    "makes",   "takes",  "gives",   "shows",    "meets",    "of",
    "to",       "in",       "for",     "with",   "on",      "by",       "from",     "under",
    "over",     "before",   "after",   "within", "without", "and",      "or",       "but",
    "so",       "because",  "while",   "when",   "this",    "that",     "each",     "every",
    "some",     "most",     "few",     "first",  "next",    "last",     "final",    "early",
    "later",    "often",    "system",  "server", "client",  "gateway",  "upstream", "response",
    "message",  "number",   "list",    "record", "trace",   "report",   "metric",   "threshold",
    "estimate", "forecast", "risk",    "error",  "retry",   "fallback", "cache",    "data",
    "input",    "output",   "format",  "schema", "field",   "object",   "array",    "string"};

}  // namespace

std::span<const std::string_view> vocabulary() noexcept {
  return kWords;
}

std::string_view word_for(std::uint64_t seed) noexcept {
  return kWords[mix(seed) % std::size(kWords)];
}

}  // namespace governor::sim
