#include "simd_chunk_scan.hpp"

#include <simdjson.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "chunk_scanner.hpp"

namespace governor::openai {
namespace {

namespace dom = simdjson::dom;

/** Texts up to this size share one parser per thread; a bigger one gets a parser of its own, so
 *  that a thread does not keep a huge parser's buffers for its life. */
constexpr std::size_t kSharedParserBytes = 256 * 1024;

/** What scan_chunk collects, read from a parsed document. It visits members in document order,
 *  so a repeated key acts as it does in the SAX scan: the later one wins. The rules mirror
 *  ChunkSax's (chunk_scanner.cpp) case for case; simd_chunk_scan_test holds them equal. */
class ChunkWalk {
 public:
  ChunkInfo info(dom::element root) {
    dom::object object;
    if (root.get(object) == simdjson::SUCCESS) {
      walk_root(object);
    }
    return facts_.info();
  }

 private:
  void walk_root(dom::object root) {
    for (const dom::key_value_pair member : root) {
      const std::string_view key = member.key;
      if (key == "error") {
        facts_.is_error = facts_.is_error || !member.value.is_null();
      } else if (key == "usage") {
        dom::object usage;
        if (member.value.get(usage) == simdjson::SUCCESS) {
          walk_usage(usage);
        }
      } else if (key == "choices") {
        dom::array choices;
        if (member.value.get(choices) == simdjson::SUCCESS) {
          walk_choices(choices);
        }
      }
    }
  }

  void walk_usage(dom::object usage) {
    facts_.usage_seen = true;
    facts_.prompt_tokens.reset();
    facts_.completion_tokens.reset();
    for (const dom::key_value_pair member : usage) {
      const std::string_view key = member.key;
      if (key == "prompt_tokens") {
        read_count(member.value, facts_.prompt_tokens);
      } else if (key == "completion_tokens") {
        read_count(member.value, facts_.completion_tokens);
      }
    }
  }

  // A non-negative integer (or an integral number such as 12.0) is a count; a negative or
  // fractional number or a string unsets it; null, a boolean or a container leaves it alone.
  static void read_count(dom::element value, std::optional<std::int64_t>& count) {
    switch (value.type()) {
      case dom::element_type::INT64: {
        const std::int64_t n = value.get_int64().value_unsafe();
        count = n >= 0 ? std::optional<std::int64_t>{n} : std::nullopt;
        return;
      }
      case dom::element_type::UINT64:  // only past INT64_MAX: simdjson reads less as INT64
        count.reset();
        return;
      case dom::element_type::DOUBLE: {
        const double d = value.get_double().value_unsafe();
        if (d >= 0 && std::trunc(d) == d && d < 9.2e18) {
          count = static_cast<std::int64_t>(d);
        } else {
          count.reset();
        }
        return;
      }
      case dom::element_type::STRING:
        count.reset();
        return;
      default:
        return;
    }
  }

  void walk_choices(dom::array choices) {
    for (const dom::element choice : choices) {
      facts_.choices_nonempty = true;
      dom::object object;
      if (choice.get(object) == simdjson::SUCCESS) {
        for (const dom::key_value_pair member : object) {
          dom::object delta;
          if (member.key == "delta" && member.value.get(delta) == simdjson::SUCCESS) {
            walk_delta(delta);
          }
        }
      }
    }
  }

  void walk_delta(dom::object delta) {
    for (const dom::key_value_pair member : delta) {
      const std::string_view key = member.key;
      if (key == "content" || key == "refusal") {
        count_text(member.value);
      } else if (key == "tool_calls") {
        dom::array calls;
        if (member.value.get(calls) == simdjson::SUCCESS) {
          walk_tool_calls(calls);
        }
      }
    }
  }

  void walk_tool_calls(dom::array calls) {
    for (const dom::element call : calls) {
      dom::object object;
      if (call.get(object) != simdjson::SUCCESS) {
        continue;
      }
      for (const dom::key_value_pair member : object) {
        dom::object function;
        if (member.key == "function" && member.value.get(function) == simdjson::SUCCESS) {
          for (const dom::key_value_pair field : function) {
            if (field.key == "name" || field.key == "arguments") {
              count_text(field.value);
            }
          }
        }
      }
    }
  }

  // Decoded bytes: escapes resolved, as the client receives them.
  void count_text(dom::element value) {
    std::string_view text;
    if (value.get(text) == simdjson::SUCCESS) {
      facts_.output_chars += static_cast<std::int64_t>(text.size());
    }
  }

  ChunkFacts facts_;
};

std::optional<ChunkInfo> walk(dom::parser& parser, std::string_view json) {
  dom::element root;
  // Copied into the parser's own padded buffer (simdjson reads up to 64 bytes past the end).
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return ChunkWalk{}.info(root);
}

}  // namespace

std::optional<ChunkInfo> simd_scan_chunk(std::string_view json) {
  if (json.size() > kSharedParserBytes) {
    dom::parser parser;
    return walk(parser, json);
  }
  thread_local dom::parser parser;
  return walk(parser, json);
}

}  // namespace governor::openai
