#include "sse_relay.hpp"

#include <nlohmann/json.hpp>

#include "governor/openai/sse.hpp"
#include "governor/openai/usage.hpp"

namespace governor::server {
void settle_stream_usage(CallRecord& record, const std::optional<TokenUsage>& usage,
                         std::int64_t output_chars, const openai::ChatRequest& request) {
  if (usage) {
    record.usage = *usage;
    return;
  }
  record.usage_estimated = true;
  record.usage.output_tokens = openai::estimate_tokens(output_chars);
  record.usage.input_tokens = openai::estimate_tokens(
      static_cast<std::int64_t>(openai::raw_member(request, "messages").size()));
}

std::string broken_stream_event(std::string_view reason) {
  const nlohmann::json err = {
      {"error",
       {{"message", "The upstream stream broke before it completed: " + std::string(reason)},
        {"type", "api_error"},
        {"param", nullptr},
        {"code", "upstream_stream_broken"}}}};
  return openai::sse_data(err.dump());
}

net::awaitable<bool> relay_stream(Call& ex, upstream::Exchange& upstream,
                                  const openai::ChatRequest& request, CallRecord& record) {
  openai::SseDecoder decoder;
  std::string out;
  bool saw_done = false;
  std::int64_t output_chars = 0;
  std::optional<TokenUsage> usage;
  bool broken = false;
  std::string broken_reason;

  const auto settle_usage = [&] { settle_stream_usage(record, usage, output_chars, request); };

  for (;;) {
    auto piece = co_await upstream.read_some();
    if (!piece) {
      broken = true;
      broken_reason = piece.error().describe();
      if (piece.error().kind == upstream::FailureKind::cancelled) {
        record.outcome = "client_gone";
        settle_usage();
        co_return false;
      }
      break;
    }
    if (piece->empty()) {
      break;
    }
    decoder.feed(*piece, [&](const openai::SseEvent& event) {
      if (broken) {
        return;  // nothing after a malformed event is relayed
      }
      const openai::ChunkInfo info = openai::inspect_chunk(event.data);
      if (!info.done && !info.valid_json) {
        // A client SDK would fail on this event with a confusing parse error; end the stream
        // with a clear error instead.
        broken = true;
        broken_reason = "upstream '" + record.upstream + "' sent a malformed stream event";
        return;
      }
      if (info.is_error) {
        record.outcome = "upstream_stream_error";
      }
      if (info.done) {
        saw_done = true;
      }
      if (info.usage) {
        usage = info.usage;
      }
      output_chars += info.output_chars;
      if (info.usage_only && !request.include_usage) {
        return;  // we asked for it to cost the call; the client did not
      }
      out.append(event.raw);
    });
    if (!out.empty()) {
      auto [ec, n] = co_await net::async_write(ex.stream.socket(),
                                               http::make_chunk(net::buffer(out)), nothrow);
      if (ec) {
        record.outcome = "client_gone";
        record.error = "client write: " + ec.message();
        settle_usage();
        co_return false;
      }
      out.clear();
      if (output_chars > 0 && !record.first_token) {
        record.first_token = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - record.started);
      }
    }
    if (broken) {
      break;
    }
  }
  if (!broken && !saw_done) {
    broken = true;
    broken_reason = "upstream '" + record.upstream + "' ended the stream without [DONE]";
  }

  settle_usage();

  if (broken) {
    record.outcome = "stream_broken";
    record.error = broken_reason;
    const std::string event = broken_stream_event(broken_reason);
    auto [ec, n] = co_await net::async_write(ex.stream.socket(),
                                             http::make_chunk(net::buffer(event)), nothrow);
    co_return !ec;
  }
  co_return true;
}

}  // namespace governor::server
