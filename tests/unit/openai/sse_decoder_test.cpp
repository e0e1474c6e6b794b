#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "governor/openai/sse.hpp"
#include "testdata.hpp"

namespace governor::openai {
namespace {

// An SseEvent with owned bytes, comparable.
struct Event {
  std::string event;
  std::string data;
  std::string raw;
  bool operator==(const Event&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Event& e) {
  return os << "{event=" << ::testing::PrintToString(e.event)
            << " data=" << ::testing::PrintToString(e.data)
            << " raw=" << ::testing::PrintToString(e.raw) << "}";
}

// Feeds `pieces` in order to one decoder and collects the events.
std::vector<Event> decode(const std::vector<std::string_view>& pieces) {
  SseDecoder decoder;
  std::vector<Event> events;
  for (const auto piece : pieces) {
    decoder.feed(piece, [&](const SseEvent& e) {
      events.push_back({e.event, e.data, std::string{e.raw}});
    });
  }
  return events;
}

std::vector<Event> decode_whole(std::string_view bytes) {
  return decode({bytes});
}

// Feeds `bytes` in pieces of `size` bytes.
std::vector<Event> decode_in_pieces(std::string_view bytes, std::size_t size) {
  std::vector<std::string_view> pieces;
  for (std::size_t i = 0; i < bytes.size(); i += size) {
    pieces.push_back(bytes.substr(i, size));
  }
  return decode(pieces);
}

std::string concat_raw(const std::vector<Event>& events) {
  std::string out;
  for (const auto& e : events) {
    out += e.raw;
  }
  return out;
}

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t i = 0; (i = text.find(from, i)) != std::string::npos; i += to.size()) {
    text.replace(i, from.size(), to);
  }
  return text;
}

std::vector<std::string> data_of(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) {
    out.push_back(e.data);
  }
  return out;
}

const std::string& recorded() {
  static const std::string bytes = testing::read_testdata("sse/openai_stream.txt");
  return bytes;
}

TEST(SseDecoder, DecodesTheRecordedOpenAiStream) {
  const auto events = decode_whole(recorded());
  ASSERT_EQ(events.size(), 30u);  // role, 26 content, finish, usage, [DONE]
  EXPECT_NE(events.front().data.find(R"("delta":{"role":"assistant","content":"","refusal":null})"),
            std::string::npos);
  EXPECT_NE(events[2].data.find(R"("content":"é")"), std::string::npos);
  EXPECT_NE(events[28].data.find(R"("choices":[],"usage":{"prompt_tokens":24)"), std::string::npos);
  EXPECT_EQ(events.back().data, "[DONE]");
  for (const auto& e : events) {
    EXPECT_EQ(e.event, "");
    EXPECT_EQ(e.raw, "data: " + e.data + "\n\n");
  }
  EXPECT_EQ(concat_raw(events), recorded());
}

TEST(SseDecoder, GivesTheSameEventsWhereverThePiecesAreCut) {
  const std::string& bytes = recorded();
  const auto whole = decode_whole(bytes);
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    const std::string_view view{bytes};
    ASSERT_EQ(decode({view.substr(0, cut), view.substr(cut)}), whole) << "cut at " << cut;
  }
  for (const std::size_t size : {1, 2, 3, 7, 64, 333, 4096}) {
    ASSERT_EQ(decode_in_pieces(bytes, size), whole) << "pieces of " << size;
  }
}

TEST(SseDecoder, HandlesCrLfAndCrLineEndsWhereverThePiecesAreCut) {
  const auto expected = data_of(decode_whole(recorded()));
  for (const std::string_view line_end : {"\r\n", "\r"}) {
    const std::string bytes = replace_all(recorded(), "\n", line_end);
    const std::string_view view{bytes};
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
      const auto events = decode({view.substr(0, cut), view.substr(cut)});
      ASSERT_EQ(data_of(events), expected) << "cut at " << cut;
      // Cut between the stream's very last CR and LF, the last event goes out at the CR and the
      // LF stays pending: no event follows to carry it.
      const bool last_lf_pending = line_end == "\r\n" && cut == bytes.size() - 1;
      ASSERT_EQ(concat_raw(events), last_lf_pending ? bytes.substr(0, cut) : bytes)
          << "cut at " << cut;
    }
    ASSERT_EQ(data_of(decode_in_pieces(bytes, 1)), expected);
    // Byte by byte, every CR LF is cut, the stream's last one included (see above).
    const std::string all_but_last_lf =
        line_end == "\r\n" ? bytes.substr(0, bytes.size() - 1) : bytes;
    ASSERT_EQ(concat_raw(decode_in_pieces(bytes, 1)), all_but_last_lf);
  }
}

TEST(SseDecoder, TakesACrEndingAPieceAndAnLfStartingTheNextAsOneLineEnd) {
  // CR LF split inside an event: one line end, not a blank line that would end the event.
  EXPECT_EQ(decode({"data: a\r", "\ndata: b\r\n\r\n"}),
            (std::vector<Event>{{"", "a\nb", "data: a\r\ndata: b\r\n\r\n"}}));
  // Split in the blank line: the event goes out at the CR; the LF opens the next event's raw.
  EXPECT_EQ(decode({"data: a\r\n\r", "\ndata: b\r\n\r\n"}),
            (std::vector<Event>{{"", "a", "data: a\r\n\r"}, {"", "b", "\ndata: b\r\n\r\n"}}));
  // The LF may come in a piece of its own, after an empty piece.
  EXPECT_EQ(decode({"data: a\r", "", "\n", "\r", "\n"}),
            (std::vector<Event>{{"", "a", "data: a\r\n\r"}}));
  // A CR followed by a CR is two line ends.
  EXPECT_EQ(decode({"data: a\r", "\r"}), (std::vector<Event>{{"", "a", "data: a\r\r"}}));
  // Mixed line ends in one stream.
  EXPECT_EQ(decode({"data: a\rdata: b\ndata: c\r\n\n"}),
            (std::vector<Event>{{"", "a\nb\nc", "data: a\rdata: b\ndata: c\r\n\n"}}));
}

TEST(SseDecoder, SkipsComments) {
  // A comment-only block (keep-alive) is not an event.
  EXPECT_EQ(decode_whole(": keep-alive\n\ndata: x\n\n"),
            (std::vector<Event>{{"", "x", "data: x\n\n"}}));
  // Comment lines inside an event stay in its raw bytes.
  EXPECT_EQ(decode_whole(": c1\ndata: x\n:c2\n\n"),
            (std::vector<Event>{{"", "x", ": c1\ndata: x\n:c2\n\n"}}));
  EXPECT_EQ(decode_whole(":\n\n\n\n"), (std::vector<Event>{}));
}

TEST(SseDecoder, JoinsMultiLineDataWithLineFeeds) {
  EXPECT_EQ(decode_whole("data: a\ndata: b\ndata:\ndata:  c\n\n"),
            (std::vector<Event>{{"", "a\nb\n\n c", "data: a\ndata: b\ndata:\ndata:  c\n\n"}}));
}

TEST(SseDecoder, ParsesFieldsLikeTheSpec) {
  // No space after the colon; only one space is stripped.
  EXPECT_EQ(decode_whole("data:x\n\n")[0].data, "x");
  EXPECT_EQ(decode_whole("data:  x\n\n")[0].data, " x");
  // A colon in the value is kept.
  EXPECT_EQ(decode_whole("data: {\"a\":\"b:c\"}\n\n")[0].data, "{\"a\":\"b:c\"}");
  // A line with no colon is a field with an empty value.
  EXPECT_EQ(decode_whole("data\n\n"), (std::vector<Event>{{"", "", "data\n\n"}}));
  // Unknown fields, id and retry are ignored; a block with only them is no event.
  EXPECT_EQ(decode_whole("foo\n\nid: 7\nretry: 100\n\n"), (std::vector<Event>{}));
  EXPECT_EQ(decode_whole("id: 7\nretry: 100\ndata: x\n\n"),
            (std::vector<Event>{{"", "x", "id: 7\nretry: 100\ndata: x\n\n"}}));
  // Field names are case-sensitive.
  EXPECT_EQ(decode_whole("Data: x\n\n"), (std::vector<Event>{}));
}

TEST(SseDecoder, ReadsTheEventField) {
  EXPECT_EQ(
      decode_whole("event: error\ndata: {\"error\":{}}\n\n"),
      (std::vector<Event>{{"error", "{\"error\":{}}", "event: error\ndata: {\"error\":{}}\n\n"}}));
  // The event type does not leak into the next event.
  const auto events = decode_whole("event: ping\n\ndata: x\n\n");
  EXPECT_EQ(events,
            (std::vector<Event>{{"ping", "", "event: ping\n\n"}, {"", "x", "data: x\n\n"}}));
}

TEST(SseDecoder, SkipsAByteOrderMarkAtTheStartOnly) {
  const std::string bom = "\xEF\xBB\xBF";
  const std::vector<Event> expected = {{"", "x", "data: x\n\n"}};
  EXPECT_EQ(decode_whole(bom + "data: x\n\n"), expected);
  EXPECT_EQ(decode_in_pieces(bom + "data: x\n\n", 1), expected);
  EXPECT_EQ(decode({"\xEF", "\xBB",
                    "\xBF"
                    "data: x\n\n"}),
            expected);
  // Not a BOM: the bytes are part of the first line (here an unknown field, so no event).
  EXPECT_EQ(decode({"\xEF", "data: x\n\ndata: y\n\n"}),
            (std::vector<Event>{{"", "y", "data: y\n\n"}}));
  // A BOM later in the stream is ordinary bytes.
  EXPECT_EQ(decode_whole("data: x\n\n" + bom + "data: y\n\n"), expected);
}

TEST(SseDecoder, HoldsOnlyTheIncompleteEvent) {
  SseDecoder decoder;
  int events = 0;
  const auto count = [&](const SseEvent&) { ++events; };
  decoder.feed("data: one\n\ndata: par", count);
  EXPECT_EQ(events, 1);
  EXPECT_EQ(decoder.pending_bytes(), 9u);
  decoder.feed("tial\n", count);
  EXPECT_EQ(decoder.pending_bytes(), 14u);
  decoder.feed("\n", count);
  EXPECT_EQ(events, 2);
  EXPECT_EQ(decoder.pending_bytes(), 0u);
}

TEST(SseDecoder, StaysLinearWhenALongEventArrivesByteByByte) {
  // Quadratic rescanning would take minutes here; linear decoding takes milliseconds.
  const std::string big = "data: " + std::string(4 << 20, 'x') + "\n\n";
  SseDecoder decoder;
  std::size_t size = 0;
  for (const char c : big) {
    decoder.feed(std::string_view{&c, 1}, [&](const SseEvent& e) { size = e.data.size(); });
  }
  EXPECT_EQ(size, 4u << 20);
  EXPECT_EQ(decoder.pending_bytes(), 0u);
}

}  // namespace
}  // namespace governor::openai
