#pragma once

#include <rapidjson/document.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace governor::openai {

/** A value of a parsed request: RapidJSON's, its memory in its document's pool. */
using JsonValue = rapidjson::Value;

/** `value`'s text; `value` must be a string. */
inline std::string_view string_of(const JsonValue& value) {
  return {value.GetString(), value.GetStringLength()};
}

/** The member `key` of `object`, or nullptr when `object` is not an object or has no such
 *  member (a null member is returned). parse_json keeps one member per key, the last. */
inline const JsonValue* find_member(const JsonValue& object, std::string_view key) {
  if (!object.IsObject()) {
    return nullptr;
  }
  // Most names asked for are absent, so most steps end at the length or the first byte.
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    if (it->name.GetStringLength() == key.size()) {
      const char* name = it->name.GetString();
      if (key.empty() || (name[0] == key[0] && std::memcmp(name, key.data(), key.size()) == 0)) {
        return &it->value;
      }
    }
  }
  return nullptr;
}

/** One of 64 bits for a member name, from its length and its first and last bytes: a set of
 *  them summarizes an object's names, so a name whose bit is clear is surely absent. */
inline std::uint64_t name_bit(std::string_view name) {
  if (name.empty()) {
    return 1;
  }
  const auto first = static_cast<unsigned char>(name.front());
  const auto last = static_cast<unsigned char>(name.back());
  return std::uint64_t{1} << ((name.size() * 7 + first + last * 3) & 63);
}

/** A parsed JSON document that owns its memory: one pool, sized to the text it was read from,
 *  so a request's values cost a few bump allocations and are freed at once. Movable; a moved
 *  from document is null. Build one with parse_json (src/openai/json_parse.hpp). */
class JsonDocument {
 public:
  using Pool = rapidjson::MemoryPoolAllocator<>;

  JsonDocument() : JsonDocument(0) {}
  /** An empty (null) document whose pool grows by chunks of at least `chunk_bytes`. */
  explicit JsonDocument(std::size_t chunk_bytes)
      : pool_(std::make_unique<Pool>(chunk_bytes == 0 ? kMinChunk
                                                      : std::max(chunk_bytes, kMinChunk))),
        doc_(pool_.get()) {}

  const JsonValue& root() const { return doc_; }
  JsonValue& root() { return doc_; }
  rapidjson::Document& document() { return doc_; }
  Pool& pool() { return *pool_; }

  /** The member `key` of the root object (a null member included), nullptr when it has none.
   *  A request's rules and readers ask the root for some 40 names, most of them absent: the
   *  summary of its names (index_root) rules most of those out without a scan. */
  const JsonValue* member(std::string_view key) const {
    return (root_names_ & name_bit(key)) == 0 ? nullptr : find_member(doc_, key);
  }
  /** Summarizes the root object's member names for member(); call again after changing them. */
  void index_root() {
    root_names_ = doc_.IsObject() ? 0 : ~std::uint64_t{0};
    const JsonValue& root = doc_;
    if (root.IsObject()) {
      for (auto m = root.MemberBegin(); m != root.MemberEnd(); ++m) {
        root_names_ |= name_bit(string_of(m->name));
      }
    }
  }

 private:
  static constexpr std::size_t kMinChunk = 1024;
  std::unique_ptr<Pool> pool_;  // declared first: destroyed after the document using it
  rapidjson::Document doc_;
  std::uint64_t root_names_ = ~std::uint64_t{0};  ///< not indexed: every name may be there
};

/** True when `value` is a string equal to `text`. */
inline bool is_string_equal(const JsonValue& value, std::string_view text) {
  return value.IsString() && string_of(value) == text;
}

}  // namespace governor::openai
