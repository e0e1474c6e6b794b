#include "chunk_scanner.hpp"

#include <rapidjson/reader.h>
#include <rapidjson/stream.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "simd_chunk_scan.hpp"
#include "slack_insitu_stream.hpp"
#include "terminated_copy.hpp"
#include "utf8.hpp"

namespace governor::openai {
namespace {

// The containers whose contents matter, by where they sit in the document.
enum class Node : std::uint8_t {
  other,
  root,        // {...}
  usage,       // .usage
  choices,     // .choices
  choice,      // .choices[i]
  delta,       // .choices[i].delta
  tool_calls,  // .choices[i].delta.tool_calls
  tool_call,   // .choices[i].delta.tool_calls[j]
  function,    // .choices[i].delta.tool_calls[j].function
};

// The keys that matter, recognised only inside the node they matter in.
enum class Key : std::uint8_t {
  other,
  error,
  usage,
  choices,
  prompt_tokens,
  completion_tokens,
  delta,
  counted_text,  // delta.content, delta.refusal, function.name, function.arguments
  tool_calls,
  function,
};

// Deepest interesting node is `function` at depth 7; deeper containers are only counted.
constexpr std::size_t kTrackedDepth = 8;

class ChunkSax {
 public:
  ChunkInfo result() const { return facts_.info(); }

  // --- what the parser reports ---
  bool null() { return value(false); }
  bool boolean() { return value(true); }
  bool negative_integer() {
    value(true);
    invalidate_count();
    return true;
  }
  bool non_negative_integer(std::uint64_t n) {
    if (n <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      count(static_cast<std::int64_t>(n));
    } else {
      value(true);
      invalidate_count();
    }
    return true;
  }
  bool number_float(double d) {
    // Token counts written as 12.0 are still counts.
    if (d >= 0 && std::trunc(d) == d && d < 9.2e18) {
      count(static_cast<std::int64_t>(d));
    } else {
      value(true);
      invalidate_count();
    }
    return true;
  }
  bool string(std::size_t decoded_bytes) {
    if (key_ == Key::counted_text && in_object()) {
      facts_.output_chars += static_cast<std::int64_t>(decoded_bytes);
    }
    value(true);
    invalidate_count();
    return true;
  }
  bool start_object() {
    open(child_node(/*is_object=*/true), /*is_object=*/true);
    return true;
  }
  bool end_object() { return close(); }
  bool start_array() {
    open(child_node(/*is_object=*/false), /*is_object=*/false);
    return true;
  }
  bool end_array() { return close(); }
  bool key(std::string_view k) {
    key_ = classify(top(), k);
    return true;
  }

 private:
  Node top() const {
    return depth_ == 0 || depth_ > kTrackedDepth ? Node::other : nodes_[depth_ - 1];
  }
  bool in_object() const { return depth_ > 0 && depth_ <= kTrackedDepth && objects_[depth_ - 1]; }

  static Key classify(Node node, std::string_view k) {
    switch (node) {
      case Node::root:
        return k == "error"     ? Key::error
               : k == "usage"   ? Key::usage
               : k == "choices" ? Key::choices
                                : Key::other;
      case Node::usage:
        return k == "prompt_tokens"       ? Key::prompt_tokens
               : k == "completion_tokens" ? Key::completion_tokens
                                          : Key::other;
      case Node::choice:
        return k == "delta" ? Key::delta : Key::other;
      case Node::delta:
        return k == "content" || k == "refusal" ? Key::counted_text
               : k == "tool_calls"              ? Key::tool_calls
                                                : Key::other;
      case Node::tool_call:
        return k == "function" ? Key::function : Key::other;
      case Node::function:
        return k == "name" || k == "arguments" ? Key::counted_text : Key::other;
      default:
        return Key::other;
    }
  }

  // Where a container that starts now sits.
  Node child_node(bool is_object) {
    if (depth_ == 0) {
      return is_object ? Node::root : Node::other;
    }
    const Node parent = top();
    if (parent == Node::choices) {
      facts_.choices_nonempty = true;
      return is_object ? Node::choice : Node::other;
    }
    if (parent == Node::tool_calls) {
      return is_object ? Node::tool_call : Node::other;
    }
    if (!in_object()) {
      return Node::other;
    }
    const Key key = key_;
    if (parent == Node::root && key == Key::error) {
      facts_.is_error = true;
    }
    if (is_object) {
      switch (key) {
        case Key::usage:
          facts_.usage_seen = true;
          facts_.prompt_tokens.reset();
          facts_.completion_tokens.reset();
          return Node::usage;
        case Key::delta:
          return Node::delta;
        case Key::function:
          return Node::function;
        default:
          return Node::other;
      }
    }
    if (key == Key::choices) {
      return Node::choices;
    }
    return key == Key::tool_calls ? Node::tool_calls : Node::other;
  }

  void open(Node node, bool is_object) {
    if (depth_ < kTrackedDepth) {
      nodes_[depth_] = node;
      objects_[depth_] = is_object;
    }
    ++depth_;
    key_ = Key::other;
  }

  bool close() {
    if (depth_ > 0) {
      --depth_;
    }
    key_ = Key::other;
    return true;
  }

  // A scalar value in the current container. `non_null` false for JSON null.
  bool value(bool non_null) {
    const Node parent = top();
    if (parent == Node::choices) {
      facts_.choices_nonempty = true;
    } else if (parent == Node::root && key_ == Key::error && non_null) {
      facts_.is_error = true;
    }
    return true;
  }

  void count(std::int64_t n) {
    value(true);
    if (top() != Node::usage) {
      return;
    }
    if (key_ == Key::prompt_tokens) {
      facts_.prompt_tokens = n;
    } else if (key_ == Key::completion_tokens) {
      facts_.completion_tokens = n;
    }
  }

  // A usage field holding something other than a non-negative integer is not a count.
  void invalidate_count() {
    if (top() != Node::usage) {
      return;
    }
    if (key_ == Key::prompt_tokens) {
      facts_.prompt_tokens.reset();
    } else if (key_ == Key::completion_tokens) {
      facts_.completion_tokens.reset();
    }
  }

  std::array<Node, kTrackedDepth> nodes_{};
  std::array<bool, kTrackedDepth> objects_{};
  std::size_t depth_ = 0;
  Key key_ = Key::other;
  ChunkFacts facts_;
};

/** RapidJSON's handler concept, forwarding to ChunkSax. Strings arrive decoded (escapes
 *  resolved), so their lengths are the bytes a client receives. With a `depth_limit` it stops
 *  the reader (`too_deep`) at a container nested deeper, to bound a recursive parse's stack. */
struct RapidHandler {
  ChunkSax& sax;
  std::size_t depth_limit = std::numeric_limits<std::size_t>::max();
  std::size_t depth = 0;
  bool too_deep = false;

  bool enter() {
    if (++depth > depth_limit) {
      too_deep = true;
      return false;
    }
    return true;
  }
  bool Null() { return sax.null(); }
  bool Bool(bool) { return sax.boolean(); }
  bool Int(int i) {
    return i < 0 ? sax.negative_integer() : sax.non_negative_integer(static_cast<std::uint64_t>(i));
  }
  bool Uint(unsigned u) { return sax.non_negative_integer(u); }
  bool Int64(std::int64_t i) {
    return i < 0 ? sax.negative_integer() : sax.non_negative_integer(static_cast<std::uint64_t>(i));
  }
  bool Uint64(std::uint64_t u) { return sax.non_negative_integer(u); }
  bool Double(double d) { return sax.number_float(d); }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return false; }  // not requested
  bool String(const char*, rapidjson::SizeType length, bool) { return sax.string(length); }
  bool StartObject() { return enter() && sax.start_object(); }
  bool Key(const char* k, rapidjson::SizeType length, bool) {
    return sax.key(std::string_view(k, length));
  }
  bool EndObject(rapidjson::SizeType) {
    --depth;
    return sax.end_object();
  }
  bool StartArray() { return enter() && sax.start_array(); }
  bool EndArray(rapidjson::SizeType) {
    --depth;
    return sax.end_array();
  }
};

/** Containers a recursive parse may open: a few hundred bytes of stack each. */
constexpr std::size_t kRecursiveDepth = 256;

/** One parse of `text` with RapidJSON's reader; nullopt when it is not one JSON document, or
 *  (with a depth limit) when it nests deeper, which `too_deep` tells apart. */
template <unsigned kFlags>
std::optional<ChunkInfo> parse_with(std::string_view text, std::size_t depth_limit,
                                    bool& too_deep) {
  thread_local rapidjson::Reader reader;
  thread_local std::string kept;
  std::string big;
  ChunkSax sax;
  RapidHandler handler{sax, depth_limit};
  SlackInsituStream in(terminated_copy(text, kept, big));
  const rapidjson::ParseResult ok = reader.Parse<kFlags>(in, handler);
  too_deep = handler.too_deep;
  // The stream ends at a NUL: a NUL inside the text would end the document early.
  if (!ok || in.Tell() != text.size()) {
    return std::nullopt;
  }
  return sax.result();
}

}  // namespace

ChunkInfo ChunkFacts::info() const {
  ChunkInfo info;
  info.valid_json = true;
  info.is_error = is_error;
  if (usage_seen && prompt_tokens && completion_tokens) {
    info.usage = TokenUsage{*prompt_tokens, *completion_tokens};
  }
  // A usage chunk is `"choices":[]`; a provider that drops `choices` entirely means the same.
  info.usage_only = info.usage.has_value() && !choices_nonempty;
  info.output_chars = output_chars;
  return info;
}

// RapidJSON's reader, not nlohmann's SAX lexer: this runs on every upstream body and every SSE
// event, and the proxy benchmark's profile had nlohmann's lexer here at about 7% of a call's CPU.
// Strict RFC 8259 (no comments, trailing commas or NaN), UTF-8 validated (utf8.hpp), and the
// reader's stack reused per thread. Recursive first, which takes about 16% less time than the
// iterative parse; a document nested deeper than kRecursiveDepth (no model's answer is) is read
// again iteratively, so that any depth costs heap rather than stack and is still judged.
ChunkInfo rapid_scan_chunk(std::string_view text) {
  // Not kParseFullPrecisionFlag: it reads a zero with a large exponent wrongly (0E168 as
  // 1.3e179). Without it a number of more than 15 significant digits may be a few units of the
  // last place off simdjson's correctly rounded reading. UTF-8 is checked first (faster).
  constexpr unsigned kRecursive = rapidjson::kParseInsituFlag;
  constexpr unsigned kIterative = kRecursive | rapidjson::kParseIterativeFlag;
  if (!is_valid_utf8(text)) {
    return {};
  }
  bool too_deep = false;
  std::optional<ChunkInfo> info = parse_with<kRecursive>(text, kRecursiveDepth, too_deep);
  if (too_deep) {
    info = parse_with<kIterative>(text, std::numeric_limits<std::size_t>::max(), too_deep);
  }
  return info.value_or(ChunkInfo{});
}

// simdjson reads first: about 0.35 µs for the benchmark's 832-byte answer against 0.98 µs for
// RapidJSON. What simdjson refuses is read again by RapidJSON, which keeps the last word on what
// is not JSON.
ChunkInfo scan_chunk(std::string_view text) {
  if (std::optional<ChunkInfo> fast = simd_scan_chunk(text)) {
    return *fast;
  }
  return rapid_scan_chunk(text);
}

}  // namespace governor::openai
