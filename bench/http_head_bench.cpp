// Reading an HTTP/1 head: Beast's parser (RequestParser, ResponseParser::put) against the
// one-pass readers tried first (read_simple_request, ResponseParser::read_simple_head), on the
// proxy benchmark's request and response and on the request an OpenAI SDK sends.
// Run: ./http_head_bench
#include <benchmark/benchmark.h>

#include <boost/asio/buffer.hpp>
#include <string>

#include "request_parser.hpp"
#include "response_parser.hpp"
#include "simple_request.hpp"

namespace {

using namespace governor;

const std::string kBody(547, 'b');  // the size of bench/proxy/chat_body.json

// What wrk sends in bench/proxy/run (post.lua).
const std::string kWrkRequest =
    "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 547\r\n"
    "Content-Type: application/json\r\nAuthorization: Bearer bench-key\r\n\r\n" +
    kBody;

// The fields the openai npm SDK (v4) sends with a chat call.
const std::string kSdkRequest =
    "POST /v1/chat/completions HTTP/1.1\r\naccept: application/json\r\n"
    "authorization: Bearer gk-0123456789abcdef\r\ncontent-type: application/json\r\n"
    "user-agent: OpenAI/JS 4.77.0\r\nx-stainless-lang: js\r\nx-stainless-package-version: "
    "4.77.0\r\n"
    "x-stainless-os: Linux\r\nx-stainless-arch: x64\r\nx-stainless-runtime: node\r\n"
    "x-stainless-runtime-version: v18.19.0\r\nx-stainless-retry-count: 0\r\n"
    "x-governor-task: refactor-42\r\ncontent-length: 547\r\nHost: 127.0.0.1:8080\r\n"
    "Connection: keep-alive\r\n\r\n" +
    kBody;

// The fixed upstream's answer in bench/proxy/run (nginx `return 200`).
const std::string kNginxResponse =
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 24 Nov 2026 18:00:00 GMT\r\n"
    "Content-Type: application/json\r\nContent-Length: 833\r\nConnection: keep-alive\r\n\r\n" +
    std::string(833, 'a');

void request_with_beast(benchmark::State& state, const std::string& wire) {
  server::Request request;
  for (auto _ : state) {
    server::RequestParser parser{request};
    parser.eager(true);
    boost::system::error_code ec;
    benchmark::DoNotOptimize(parser.put(boost::asio::buffer(wire), ec));
  }
}

void request_in_one_pass(benchmark::State& state, const std::string& wire) {
  server::Request request;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        server::read_simple_request(wire, request, server::RequestLimits{64 * 1024, 1 << 22}));
  }
}

void response_head_with_beast(benchmark::State& state) {
  for (auto _ : state) {
    upstream::ResponseParser parser;
    boost::system::error_code ec;
    benchmark::DoNotOptimize(parser.put(boost::asio::buffer(kNginxResponse), ec));
  }
}

void response_head_in_one_pass(benchmark::State& state) {
  for (auto _ : state) {
    upstream::ResponseParser parser;
    benchmark::DoNotOptimize(parser.read_simple_head(kNginxResponse));
  }
}

BENCHMARK_CAPTURE(request_with_beast, wrk, kWrkRequest);
BENCHMARK_CAPTURE(request_in_one_pass, wrk, kWrkRequest);
BENCHMARK_CAPTURE(request_with_beast, sdk, kSdkRequest);
BENCHMARK_CAPTURE(request_in_one_pass, sdk, kSdkRequest);
BENCHMARK(response_head_with_beast);
BENCHMARK(response_head_in_one_pass);

}  // namespace

BENCHMARK_MAIN();
