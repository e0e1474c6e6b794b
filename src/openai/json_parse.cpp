#include "json_parse.hpp"

#include <rapidjson/reader.h>
#include <rapidjson/stream.h>

#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "terminated_copy.hpp"
#include "utf8.hpp"

namespace governor::openai {
namespace {

using nlohmann::json;

/** A UTF-16 surrogate (U+D800..U+DFFF) encoded as UTF-8 starts ED A0..ED BF. RapidJSON pairs
 *  surrogate escapes but lets a lone low one (\uDC00) through as such bytes; nlohmann refuses it,
 *  and nlohmann's dump() would later refuse the string. */
bool has_surrogate(const char* s, std::size_t n) {
  const char* end = s + n;
  for (const char* p = s; (p = static_cast<const char*>(std::memchr(p, '\xED', end - p)));) {
    if (p + 1 < end && static_cast<unsigned char>(p[1]) >= 0xA0) {
      return true;
    }
    ++p;
  }
  return false;
}

bool is_json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/** RapidJSON's handler concept, building nlohmann values in place as nlohmann's own DOM parser
 *  does: each open container is on the stack, and a child is added to the top one.
 *
 *  The top-level members' spans are found from two places where the reader's position is known:
 *  a key's opening quote (inside a string RapidJSON reads a local copy of the stream, so Tell()
 *  in Key() still names the quote) and the root's closing brace. A value starts after its key,
 *  the colon and spaces; it ends before the spaces and comma in front of the next key, or before
 *  the spaces in front of the closing brace. */
class DomBuilder {
 public:
  /** `members` (may be null) receives the top-level object's members; `text` and `in` are the
   *  text being parsed and the stream reading it, for the values' offsets. */
  DomBuilder(std::vector<RawMember>* members, std::string_view text,
             rapidjson::InsituStringStream& in, std::size_t offset, std::size_t max_depth)
      : members_(members), text_(text), in_(in), offset_(offset), max_depth_(max_depth) {}

  bool Null() { return put(json(nullptr)); }
  bool Bool(bool b) { return put(json(b)); }
  // RapidJSON reports a number written with a minus sign through Int/Int64 and any other
  // through Uint/Uint64; nlohmann stores the first kind signed ("-0" too), the second unsigned.
  bool Int(int i) { return put(json(json::number_integer_t{i})); }
  bool Uint(unsigned u) { return put(json(json::number_unsigned_t{u})); }
  bool Int64(std::int64_t i) { return put(json(json::number_integer_t{i})); }
  bool Uint64(std::uint64_t u) { return put(json(json::number_unsigned_t{u})); }
  // A number beyond the double range is an error to nlohmann, not infinity.
  bool Double(double d) { return std::isfinite(d) && put(json(d)); }
  bool RawNumber(const char*, rapidjson::SizeType, bool) { return false; }  // not requested
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return !has_surrogate(s, n) && put(json(std::string(s, n)));
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (has_surrogate(s, n)) {
      return false;
    }
    key_.assign(s, n);
    if (members_ != nullptr && open_.size() == 1) {
      const std::size_t quote = in_.Tell();
      if (quote >= text_.size() || text_[quote] != '"') {
        return false;  // not where the reader should stand: refuse rather than misplace
      }
      end_previous_member(quote);
      std::size_t at = quote + 1;
      while (at < text_.size() && text_[at] != '"') {
        at += text_[at] == '\\' ? 2 : 1;
      }
      ++at;  // past the closing quote
      while (at < text_.size() && (is_json_space(text_[at]) || text_[at] == ':')) {
        ++at;
      }
      members_->push_back(RawMember{key_, offset_ + at, 0});
    }
    return true;
  }
  bool StartObject() { return open(json::value_t::object); }
  bool EndObject(rapidjson::SizeType) { return close(); }
  bool StartArray() { return open(json::value_t::array); }
  bool EndArray(rapidjson::SizeType) { return close(); }

  json take() { return std::move(root_); }
  bool too_deep() const { return too_deep_; }

 private:
  /** Adds `value` where the document is now; the slot it landed in, for containers. */
  json* place(json&& value) {
    if (open_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& parent = *open_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    json& slot = parent[key_];  // a repeated key: the last one wins, as in nlohmann
    slot = std::move(value);
    return &slot;
  }
  bool put(json&& value) {
    place(std::move(value));
    return true;
  }
  /** The last member's value ends before the spaces, the comma and the spaces in front of
   *  `next` (the next key's quote or the root's closing brace). */
  void end_previous_member(std::size_t next) {
    if (members_->empty()) {
      return;
    }
    std::size_t end = next;
    while (end > 0 && is_json_space(text_[end - 1])) {
      --end;
    }
    if (end > 0 && text_[end - 1] == ',') {
      --end;
      while (end > 0 && is_json_space(text_[end - 1])) {
        --end;
      }
    }
    members_->back().value_end = offset_ + end;
  }
  bool open(json::value_t type) {
    if (open_.size() >= max_depth_) {
      too_deep_ = true;  // stops the reader: nothing deeper is built
      return false;
    }
    // The slot stays put while it is open: nothing is added to its parent until it closes.
    open_.push_back(place(json(type)));
    return true;
  }
  bool close() {
    if (members_ != nullptr && open_.size() == 1 && open_.back()->is_object()) {
      end_previous_member(in_.Tell());  // the reader stands on the root's closing brace
    }
    open_.pop_back();
    return true;
  }

  std::vector<RawMember>* members_;
  std::string_view text_;
  rapidjson::InsituStringStream& in_;
  std::size_t offset_;  ///< bytes skipped before `text_` (a BOM)
  std::size_t max_depth_;
  bool too_deep_ = false;
  json root_;
  std::vector<json*> open_;
  std::string key_;
};

ParsedJson parse(std::string_view text, std::vector<RawMember>* members, std::size_t max_depth) {
  // UTF-8 is checked over the whole text first, eight ASCII bytes at a time: RapidJSON's own
  // validation decodes byte by byte and was 4% of a proxied call. Outside strings any non-ASCII
  // byte is a syntax error anyway, so the verdict is the same.
  constexpr unsigned kFlags = rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag |
                              rapidjson::kParseFullPrecisionFlag;
  constexpr std::string_view kBom = "\xEF\xBB\xBF";
  std::size_t offset = 0;
  if (text.starts_with(kBom)) {
    text.remove_prefix(kBom.size());
    offset = kBom.size();
  }
  if (!is_valid_utf8(text)) {
    return {};
  }
  thread_local rapidjson::Reader reader;
  thread_local std::string kept;
  std::string big;
  rapidjson::InsituStringStream in(terminated_copy(text, kept, big));
  DomBuilder builder(members, text, in, offset, max_depth);
  const rapidjson::ParseResult ok = reader.Parse<kFlags>(in, builder);
  // The stream ends at a NUL: a NUL inside the text would end the document early.
  // (nlohmann's lexer takes a NUL for the end of input and ignores what follows; this does not.)
  if (!ok || in.Tell() != text.size()) {
    return {std::nullopt, builder.too_deep()};
  }
  return {builder.take(), false};
}

}  // namespace

ParsedJson parse_json(std::string_view text, std::size_t max_depth) {
  return parse(text, nullptr, max_depth);
}

ParsedJson parse_json(std::string_view text, std::vector<RawMember>& members,
                      std::size_t max_depth) {
  members.clear();
  members.reserve(16);  // a chat request has a handful of members: one allocation, not five
  ParsedJson parsed = parse(text, &members, max_depth);
  if (!parsed.doc || !parsed.doc->is_object()) {
    members.clear();
  }
  return parsed;
}

}  // namespace governor::openai
