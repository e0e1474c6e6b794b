// Throughput of SseDecoder::feed over a recorded OpenAI stream, fed in pieces of 1 byte, 64 bytes
// and whole, and the cost of inspect_chunk per chunk. Run: ./sse_decoder_bench
#include <benchmark/benchmark.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "governor/openai/sse.hpp"
#include "governor/openai/usage.hpp"

namespace {

using governor::openai::SseDecoder;
using governor::openai::SseEvent;

const std::string& recorded_stream() {
  static const std::string bytes = [] {
    const std::string path = std::string{GOVERNOR_TESTDATA_DIR} + "/sse/openai_stream.txt";
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      throw std::runtime_error("cannot open " + path);
    }
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
  }();
  return bytes;
}

// Arg: piece size in bytes, 0 = the whole stream at once.
void BM_SseDecoderFeed(benchmark::State& state) {
  const std::string& stream = recorded_stream();
  const std::string_view view{stream};
  const std::size_t piece =
      state.range(0) == 0 ? stream.size() : static_cast<std::size_t>(state.range(0));
  std::size_t data_bytes = 0;
  const SseDecoder::Sink sink = [&](const SseEvent& e) { data_bytes += e.data.size(); };
  for (auto _ : state) {
    SseDecoder decoder;
    for (std::size_t i = 0; i < view.size(); i += piece) {
      decoder.feed(view.substr(i, piece), sink);
    }
    benchmark::DoNotOptimize(data_bytes);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(stream.size()));
}
BENCHMARK(BM_SseDecoderFeed)->Arg(1)->Arg(64)->Arg(0);

std::vector<std::string> recorded_chunks() {
  std::vector<std::string> chunks;
  SseDecoder decoder;
  decoder.feed(recorded_stream(), [&](const SseEvent& e) { chunks.push_back(e.data); });
  return chunks;
}

// Time per chunk, averaged over the stream's mix (role, content, finish, usage, [DONE]).
void BM_InspectChunk(benchmark::State& state) {
  const auto chunks = recorded_chunks();
  std::int64_t chars = 0;
  for (auto _ : state) {
    for (const auto& chunk : chunks) {
      chars += governor::openai::inspect_chunk(chunk).output_chars;
    }
    benchmark::DoNotOptimize(chars);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(chunks.size()));
  state.counters["ns_per_chunk"] =
      benchmark::Counter(static_cast<double>(state.iterations() * chunks.size()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_InspectChunk);

}  // namespace

BENCHMARK_MAIN();
