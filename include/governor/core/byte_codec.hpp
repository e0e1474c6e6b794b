#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

// The pieces of Governor's compact binary records (the ledger's packed rows, the routing trace
// kept per step): varints, zigzag varints for signed values, length-prefixed text and raw
// IEEE-754 doubles (little-endian, as every target of the build stores them).

namespace governor::bytes {

static_assert(std::endian::native == std::endian::little, "records store doubles little-endian");

inline void put_varint(std::string& out, std::uint64_t v) {
  // Built on the stack and appended once: a push_back per byte checked the capacity each time.
  char bytes[10];
  std::size_t n = 0;
  while (v >= 0x80) {
    bytes[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  bytes[n++] = static_cast<char>(v);
  out.append(bytes, n);
}

/** Signed values (amounts, times) as zigzag varints: small magnitudes stay short either side. */
inline void put_signed(std::string& out, std::int64_t v) {
  put_varint(out, (std::bit_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

inline void put_text(std::string& out, std::string_view text) {
  put_varint(out, text.size());
  out.append(text);
}

inline void put_double(std::string& out, double v) {
  char raw[sizeof v];
  std::memcpy(raw, &v, sizeof v);
  out.append(raw, sizeof raw);
}

/** Appends many fields to `out`, in the same formats as put_varint, put_signed, put_text and
 *  put_double,
 *  through a raw pointer: the string is grown ahead a block at a time and cut to what was
 *  written when the writer goes, so a field checks a pointer instead of making an out-of-line
 *  append that checks the string's capacity (about 40 instructions a field; a ledger record has
 *  some 40). For a record of many fields; put_* for a few. */
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out), start_(out.size()) { make_room(0); }
  ~Writer() { out_.resize(static_cast<std::size_t>(next_ - out_.data())); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void byte(unsigned v) {
    ensure(1);
    *next_++ = static_cast<char>(v);
  }
  void varint(std::uint64_t v) {
    ensure(kVarintBytes);
    while (v >= 0x80) {
      *next_++ = static_cast<char>((v & 0x7f) | 0x80);
      v >>= 7;
    }
    *next_++ = static_cast<char>(v);
  }
  void signed_varint(std::int64_t v) {
    varint((std::bit_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
  }
  /** A double as put_double writes it. */
  void real(double v) {
    ensure(sizeof v);
    std::memcpy(next_, &v, sizeof v);
    next_ += sizeof v;
  }
  void text(std::string_view t) {
    varint(t.size());
    ensure(t.size());
    if (!t.empty()) {
      std::memcpy(next_, t.data(), t.size());
      next_ += t.size();
    }
  }

 private:
  static constexpr std::size_t kVarintBytes = 10;  // 64 bits, 7 a byte

  void ensure(std::size_t n) {
    if (static_cast<std::size_t>(end_ - next_) < n) {
      make_room(n);
    }
  }
  /** At least `n` bytes more past next_, a block of 128 at least. Only what is added is zeroed
   *  (the string's capacity grows geometrically on its own). Not the string's size doubled: a
   *  writer appending to a long buffer zeroed as much again each time (3k instructions a call
   *  for the ledger's pending calls). */
  void make_room(std::size_t n) {
    constexpr std::size_t kBlock = 128;
    const std::size_t used =
        next_ == nullptr ? start_ : static_cast<std::size_t>(next_ - out_.data());
    out_.resize(used + std::max(n, kBlock));
    next_ = out_.data() + used;
    end_ = out_.data() + out_.size();
  }

  std::string& out_;
  std::size_t start_;
  char* next_ = nullptr;
  char* end_ = nullptr;
};

/** Reads bytes front to back; any read past the end or out of range makes ok() false (and
 *  every later read returns a zero value), so a decoder checks once at the end. */
class Reader {
 public:
  explicit Reader(std::string_view bytes) : rest_(bytes) {}

  bool ok() const { return ok_; }
  bool at_end() const { return rest_.empty(); }

  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64 && ok_; shift += 7) {
      if (rest_.empty()) {
        break;
      }
      const auto byte = static_cast<unsigned char>(rest_.front());
      rest_.remove_prefix(1);
      v |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        return v;
      }
    }
    ok_ = false;
    return 0;
  }

  std::int64_t signed_varint() {
    const std::uint64_t z = varint();
    return std::bit_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
  }

  unsigned char byte() {
    if (rest_.empty() || !ok_) {
      ok_ = false;
      return 0;
    }
    const auto b = static_cast<unsigned char>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }

  /** A view into the bytes being read: valid as long as they are. */
  std::string_view text_view() {
    const std::uint64_t n = varint();
    if (!ok_ || n > rest_.size()) {
      ok_ = false;
      return {};
    }
    const std::string_view s = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return s;
  }

  std::string text() { return std::string(text_view()); }

  double real() {
    double v = 0.0;
    if (rest_.size() < sizeof v || !ok_) {
      ok_ = false;
      return 0.0;
    }
    std::memcpy(&v, rest_.data(), sizeof v);
    rest_.remove_prefix(sizeof v);
    return v;
  }

 private:
  std::string_view rest_;
  bool ok_ = true;
};

}  // namespace governor::bytes
