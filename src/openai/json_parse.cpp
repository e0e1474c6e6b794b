#include "json_parse.hpp"

#include <rapidjson/reader.h>
#include <rapidjson/stream.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>
#include <unordered_set>
#include <utility>
#include <vector>

#include "slack_insitu_stream.hpp"
#include "utf8.hpp"

namespace governor::openai {
namespace {

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

/** RapidJSON's handler concept, checking what RapidJSON lets through and nlohmann does not,
 *  bounding the depth, and passing each event on to the document being built (whose strings
 *  point into the copy of the text in-situ parsing decoded them in, held in the document's pool).
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
  DomBuilder(rapidjson::Document& doc, std::vector<RawMember>* members, std::string_view text,
             SlackInsituStream& in, std::size_t offset, std::size_t max_depth)
      : doc_(doc),
        members_(members),
        text_(text),
        in_(in),
        offset_(offset),
        max_depth_(max_depth) {}

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(std::int64_t i) { return doc_.Int64(i); }
  bool Uint64(std::uint64_t u) { return doc_.Uint64(u); }
  // A number beyond the double range is an error to nlohmann, not infinity.
  bool Double(double d) { return std::isfinite(d) && doc_.Double(d); }
  /** Every number comes as its text (kParseNumbersAsStringsFlag), already checked against the
   *  grammar, and is typed as RapidJSON types it: an integer that fits is unsigned, or signed
   *  with a minus sign, in 32 bits when it fits them; anything else is a double. The doubles are
   *  read by std::from_chars, correctly rounded as strtod and nlohmann read them: RapidJSON's
   *  own full-precision reading misreads a zero with a large exponent (`0e300` as -2.2e-75,
   *  `0E168` as 1.3e179) and takes clz(0) on the way, which is undefined behaviour. */
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    const char* end = s + n;
    const bool minus = n > 0 && s[0] == '-';
    if (std::find_if(s, end, [](char c) { return c == '.' || c == 'e' || c == 'E'; }) == end) {
      if (minus) {
        std::int64_t value = 0;
        if (std::from_chars(s, end, value).ec == std::errc{}) {
          return value >= std::numeric_limits<std::int32_t>::min() ? Int(static_cast<int>(value))
                                                                   : Int64(value);
        }
      } else {
        std::uint64_t value = 0;
        if (std::from_chars(s, end, value).ec == std::errc{}) {
          return value <= std::numeric_limits<std::uint32_t>::max()
                     ? Uint(static_cast<unsigned>(value))
                     : Uint64(value);
        }
      }
      // Past 64 bits: a double, as RapidJSON and nlohmann read it.
    }
    double value = 0;
    if (std::from_chars(s, end, value).ec == std::errc::result_out_of_range) {
      // Past the double range (infinity: refused) or below it (zero or a subnormal): strtod
      // tells them apart as nlohmann reads them. The locale is never set, so it is "C".
      value = std::strtod(std::string(s, n).c_str(), nullptr);
    }
    return Double(value);
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    return !has_surrogate(s, n) && doc_.String(s, n, false);  // in the document's own copy
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (has_surrogate(s, n)) {
      return false;
    }
    if (members_ != nullptr && depth_ == 1 && root_is_object_) {
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
      members_->push_back(RawMember{std::string(s, n), offset_ + at, 0, offset_ + quote});
    }
    return doc_.Key(s, n, false);
  }
  bool StartObject() {
    root_is_object_ = root_is_object_ || depth_ == 0;
    return open() && doc_.StartObject();
  }
  bool EndObject(rapidjson::SizeType n) {
    if (members_ != nullptr && depth_ == 1) {
      end_previous_member(in_.Tell());  // the reader stands on the root's closing brace
    }
    --depth_;
    return doc_.EndObject(n);
  }
  bool StartArray() { return open() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    --depth_;
    return doc_.EndArray(n);
  }

  bool too_deep() const { return too_deep_; }

 private:
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
  bool open() {
    if (depth_ >= max_depth_) {
      too_deep_ = true;  // stops the reader: nothing deeper is built
      return false;
    }
    ++depth_;
    return true;
  }

  rapidjson::Document& doc_;
  std::vector<RawMember>* members_;
  std::string_view text_;
  SlackInsituStream& in_;
  std::size_t offset_;  ///< bytes skipped before `text_` (a BOM)
  std::size_t max_depth_;
  std::size_t depth_ = 0;
  bool root_is_object_ = false;
  bool too_deep_ = false;
};

/** Members a pairwise comparison judges; a bigger object's names go through a hash set. */
constexpr rapidjson::SizeType kPairwise = 16;

/** Whether two members of `object` may share a name: decided pairwise up to kPairwise members,
 *  without allocating; a bigger object (rare) is left to overridden_members' hash set. */
bool may_repeat_a_name(const JsonValue& object) {
  const auto count = object.MemberCount();
  if (count > kPairwise) {
    return true;
  }
  const auto* members = &*object.MemberBegin();
  for (rapidjson::SizeType i = 0; i < count; ++i) {
    for (rapidjson::SizeType j = i + 1; j < count; ++j) {
      if (string_of(members[i].name) == string_of(members[j].name)) {
        return true;
      }
    }
  }
  return false;
}

/** Indices of the members of `object` that a later member with the same name overrides. */
std::vector<bool> overridden_members(const JsonValue& object) {
  const auto count = object.MemberCount();
  std::vector<bool> overridden(count, false);
  const auto* members = &*object.MemberBegin();
  if (count <= kPairwise) {
    for (rapidjson::SizeType i = 0; i < count; ++i) {
      for (rapidjson::SizeType j = i + 1; j < count && !overridden[i]; ++j) {
        overridden[i] = string_of(members[i].name) == string_of(members[j].name);
      }
    }
    return overridden;
  }
  std::unordered_set<std::string_view> seen;
  seen.reserve(count);
  for (rapidjson::SizeType i = count; i-- > 0;) {
    overridden[i] = !seen.insert(string_of(members[i].name)).second;
  }
  return overridden;
}

/** Keeps the last member of each name, as nlohmann does, so that every key of a parsed document
 *  can be looked up by its first match. Walks the document with its own stack (one per thread,
 *  kept between documents), so the depth is no concern and a request allocates nothing here. */
void keep_last_of_each_key(JsonValue& root) {
  thread_local std::vector<JsonValue*> pending;
  pending.clear();
  pending.push_back(&root);
  while (!pending.empty()) {
    JsonValue& value = *pending.back();
    pending.pop_back();
    if (value.IsArray()) {
      for (auto& element : value.GetArray()) {
        if (element.IsObject() || element.IsArray()) {
          pending.push_back(&element);
        }
      }
      continue;
    }
    if (!value.IsObject()) {
      continue;
    }
    if (value.MemberCount() > 1 && may_repeat_a_name(value)) {
      const std::vector<bool> overridden = overridden_members(value);
      auto* members = &*value.MemberBegin();
      rapidjson::SizeType kept = 0;
      for (rapidjson::SizeType i = 0; i < overridden.size(); ++i) {
        if (!overridden[i]) {
          if (kept != i) {
            members[kept].name.Swap(members[i].name);
            members[kept].value.Swap(members[i].value);
          }
          ++kept;
        }
      }
      value.EraseMember(value.MemberBegin() + kept, value.MemberEnd());
    }
    // By address, not by RapidJSON's member iterators, whose comparison C++20 finds ambiguous.
    auto* member = value.MemberCount() == 0 ? nullptr : &*value.MemberBegin();
    for (rapidjson::SizeType i = 0; i < value.MemberCount(); ++i) {
      if (member[i].value.IsObject() || member[i].value.IsArray()) {
        pending.push_back(&member[i].value);
      }
    }
  }
  // A huge document's stack is not kept for the thread's life.
  constexpr std::size_t kKeptStack = 4096;
  if (pending.capacity() > kKeptStack) {
    std::vector<JsonValue*>().swap(pending);
  }
}

/** Drops the listed members a later one with the same key overrides, as the document did. */
void keep_last_of_each_key(std::vector<RawMember>& members) {
  std::unordered_set<std::string_view> seen;
  std::vector<bool> overridden(members.size());
  for (std::size_t i = members.size(); i-- > 0;) {
    overridden[i] = !seen.insert(members[i].key).second;
  }
  std::vector<RawMember> kept;
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (!overridden[i]) {
      kept.push_back(std::move(members[i]));
    }
  }
  members = std::move(kept);
}

ParsedJson parse(std::string_view text, std::vector<RawMember>* members, std::size_t max_depth) {
  // UTF-8 is checked over the whole text first, eight ASCII bytes at a time: RapidJSON's own
  // validation decodes byte by byte and was 4% of a proxied call. Outside strings any non-ASCII
  // byte is a syntax error anyway, so the verdict is the same.
  constexpr unsigned kFlags = rapidjson::kParseInsituFlag | rapidjson::kParseIterativeFlag |
                              rapidjson::kParseNumbersAsStringsFlag;
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
  // The text is copied into the document's own pool and read there in situ: each string stays
  // where the reader decoded it, and the document points at it instead of copying it again.
  // Strings are scanned 16 bytes at a time, up to 15 bytes past the NUL: the copy's allocation
  // covers them (SlackInsituStream). The values take about the text's size again.
  JsonDocument doc(2 * text.size() + kScanSlack + text.size() / 2);
  auto* copy = static_cast<char*>(doc.pool().Malloc(text.size() + kScanSlack));
  std::memcpy(copy, text.data(), text.size());
  std::memset(copy + text.size(), 0, kScanSlack);
  SlackInsituStream in(copy);
  bool too_deep = false;
  bool read = false;
  auto generate = [&](rapidjson::Document& d) {
    DomBuilder builder(d, members, text, in, offset, max_depth);
    read = !reader.Parse<kFlags>(in, builder).IsError();
    too_deep = builder.too_deep();
    // The stream ends at a NUL: a NUL inside the text would end the document early.
    // (nlohmann's lexer takes a NUL for the end of input and ignores what follows; this does
    // not.)
    read = read && in.Tell() == text.size();
    return read;
  };
  doc.document().Populate(generate);
  if (!read) {
    return {std::nullopt, too_deep};
  }
  keep_last_of_each_key(doc.root());
  if (members != nullptr && doc.root().IsObject() && members->size() != doc.root().MemberCount()) {
    keep_last_of_each_key(*members);
  }
  doc.index_root();
  return {std::move(doc), false};
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
  if (!parsed.doc || !parsed.doc->root().IsObject()) {
    members.clear();
  }
  return parsed;
}

}  // namespace governor::openai
