#include "sim/chat_handler.hpp"

#include <algorithm>
#include <boost/beast/http/empty_body.hpp>
#include <ctime>
#include <vector>

#include "sim/directives.hpp"
#include "sim/generator.hpp"
#include "sim/grading.hpp"
#include "sim/hash.hpp"
#include "sim/responses.hpp"
#include "sim/wire.hpp"

namespace governor::sim {
namespace {

using nlohmann::json;

/** How fast this request's answer is produced. */
struct Pacing {
  Clock::duration ttft{};
  Clock::duration interval{};  ///< between tokens; zero: as fast as possible
};

Pacing pacing_for(const FaultPlan& plan, const SimOptions& options) {
  Pacing pacing;
  pacing.ttft =
      plan.ttft_ms ? std::chrono::milliseconds{*plan.ttft_ms} : Clock::duration{options.ttft};
  const double tps = plan.tps.value_or(options.tokens_per_second);
  if (tps > 0) {
    pacing.interval =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>{1.0 / tps});
  }
  return pacing;
}

ApiError directive_error(const DirectiveError& error, std::string param) {
  return invalid_request(error.message, std::move(param), "invalid_sim_directive");
}

/** Reads the request's directives and turns them into this attempt's plan. */
std::optional<ApiError> plan_request(const Request& request, const json& body,
                                     const SimRequest& chat, SimState& state, FaultPlan& plan) {
  std::vector<Directive> directives;
  if (auto error = scan_messages(chat.messages, directives)) {
    return directive_error(*error, "messages");
  }
  if (const auto header = header_value(request, "X-Sim"); !header.empty()) {
    Directive directive;
    if (auto error = parse_directive(header, directive)) {
      return directive_error(*error, "X-Sim");
    }
    directives.push_back(std::move(directive));
  }
  if (auto error = plan_faults(directives, chat.model, plan)) {
    return directive_error(*error, "messages");
  }
  if (plan.fail_times && plan.has_faults()) {
    // Attempts of "the same request" are told apart from other requests by the body without
    // its model: a gateway retrying on a fallback model still counts as the same request.
    json key = body;
    key.erase("model");
    if (state.count_attempt(fnv1a(key.dump())) > *plan.fail_times) {
      plan.clear_faults();
    }
  }
  return std::nullopt;
}

/** Grades this attempt of a success=P request. Attempts are counted per model on the body
 *  without its model, so a retry of the same messages draws afresh. */
Grade grade_request(const json& body, const std::string& model, double success, SimState& state) {
  json key = body;
  key.erase("model");
  const auto request_key = fnv1a(key.dump(), fnv1a("grade"));
  const auto attempt = state.count_attempt(fnv1a(model, request_key));
  return grade_attempt(success, request_key, model, attempt);
}

/** Writes a whole response; counts it completed, or the client aborted when the write fails. */
net::awaitable<After> finish(Connection& connection, Response response, SimState& state) {
  const bool keep_alive = response.keep_alive();
  state.count_completed();
  if (co_await connection.write(response)) {
    state.undo_completed();
    state.count_aborted();
    co_return After::drop;
  }
  co_return keep_alive ? After::keep_alive : After::close;
}

net::awaitable<After> aborted(SimState& state) {
  state.count_aborted();
  co_return After::drop;
}

net::awaitable<After> respond_json(Connection& connection, const Request& request,
                                   const ResponseMeta& meta, const Answer& answer,
                                   const FaultPlan& plan, const Pacing& pacing, bool keep_alive,
                                   SimState& state) {
  // A non-stream answer is ready when the whole answer would have been generated.
  const auto ready =
      Clock::now() + pacing.ttft + pacing.interval * static_cast<long>(answer.pieces.size());
  if (co_await connection.sleep_until(ready)) {
    co_return co_await aborted(state);
  }
  auto body = completion_json(meta, answer)
                  .dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  if (plan.reset_after) {
    // Headers promise the whole body; half of it arrives, then a RST.
    state.count_fault();
    auto response = json_response(request, 200, body, keep_alive);
    if (co_await connection.write_header(response.base()) ||
        co_await connection.write_bytes(std::string_view{body}.substr(0, body.size() / 2))) {
      co_return co_await aborted(state);
    }
    connection.reset();
    co_return After::drop;
  }
  if (plan.malformed) {
    // Truncated JSON with a Content-Length that matches it: well-formed HTTP, broken body.
    state.count_fault();
    body.resize(body.size() / 2);
  }
  co_return co_await finish(connection, json_response(request, 200, std::move(body), keep_alive),
                            state);
}

net::awaitable<After> respond_stream(Connection& connection, const Request& request,
                                     const SimRequest& chat, const ResponseMeta& meta,
                                     const Answer& answer, const FaultPlan& plan,
                                     const Pacing& pacing, bool keep_alive, SimState& state) {
  http::response<http::empty_body> header{http::status::ok, request.version()};
  header.set(http::field::server, "governor-sim");
  header.set(http::field::content_type, "text/event-stream");
  header.set(http::field::cache_control, "no-cache");
  header.keep_alive(keep_alive);
  header.chunked(true);
  if (co_await connection.write_header(header.base())) {
    co_return co_await aborted(state);
  }

  StreamShape shape;
  shape.usage_chunk = chat.include_usage && !plan.no_usage;
  shape.malformed = plan.malformed;
  if (plan.no_usage && chat.include_usage) {
    state.count_fault();
  }
  if (plan.malformed) {
    state.count_fault();
  }
  const auto events = stream_events(meta, answer, shape);
  const auto pieces = answer.pieces.size();
  // A position past the last piece means "after the last piece, before the finish chunk".
  const auto stall_at = std::min<std::size_t>(plan.stall_after.value_or(0), pieces);
  const auto reset_at = std::min<std::size_t>(plan.reset_after.value_or(0), pieces);
  bool stalled = false;
  std::size_t written = 0;  // content chunks written
  auto next_token_at = Clock::now() + pacing.ttft;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& event = events[i];
    if (i > 0) {  // everything after the role chunk
      if (plan.stall_ms && !stalled && written >= stall_at) {
        stalled = true;
        state.count_fault();
        if (co_await connection.sleep_until(Clock::now() +
                                            std::chrono::milliseconds{*plan.stall_ms})) {
          co_return co_await aborted(state);
        }
        next_token_at = std::max(next_token_at, Clock::now());
      }
      if (plan.reset_after && written >= reset_at) {
        state.count_fault();
        connection.reset();
        co_return After::drop;
      }
    }
    if (event.content) {
      if (co_await connection.sleep_until(next_token_at)) {
        co_return co_await aborted(state);
      }
      next_token_at += pacing.interval;
    }
    if (co_await connection.write_chunk(event.data)) {
      co_return co_await aborted(state);
    }
    written += event.content ? 1 : 0;
  }
  state.count_completed();
  if (co_await connection.write_last_chunk()) {
    state.undo_completed();
    co_return co_await aborted(state);
  }
  co_return keep_alive ? After::keep_alive : After::close;
}

}  // namespace

net::awaitable<After> handle_chat(Connection& connection, const Request& request,
                                  const SimContext& context) {
  auto& state = context.state;
  state.record_request(header_value(request, "Authorization"), request.body());
  bool keep_alive = request.keep_alive();

  if (auto error = check_api_key(request, context.options)) {
    co_return co_await finish(connection, error_response(request, *error, keep_alive), state);
  }
  const auto body = json::parse(request.body(), nullptr, false);
  if (body.is_discarded()) {
    co_return co_await finish(
        connection,
        error_response(request,
                       invalid_request("We could not parse the JSON body of your request. "
                                       "(HINT: This likely means you aren't using your HTTP "
                                       "library correctly.)",
                                       "", "invalid_json"),
                       keep_alive),
        state);
  }
  SimRequest chat;
  if (auto error = parse_chat_request(body, chat)) {
    co_return co_await finish(connection, error_response(request, *error, keep_alive), state);
  }
  FaultPlan plan;
  if (auto error = plan_request(request, body, chat, state, plan)) {
    co_return co_await finish(connection, error_response(request, *error, keep_alive), state);
  }

  if (plan.close_after_response) {
    state.count_fault();
    keep_alive = false;
  }
  if (plan.delay_ms) {
    state.count_fault();
    if (co_await connection.sleep_until(Clock::now() + std::chrono::milliseconds{*plan.delay_ms})) {
      co_return co_await aborted(state);
    }
  }
  if (plan.status) {
    state.count_fault();
    auto response = error_response(request, injected_error(*plan.status), keep_alive);
    if (plan.retry_after_s) {
      response.set(http::field::retry_after, std::to_string(*plan.retry_after_s));
    }
    co_return co_await finish(connection, std::move(response), state);
  }

  std::optional<Grade> grade;
  if (plan.success) {
    grade = grade_request(body, chat.model, *plan.success, state);
  }
  auto answer = generate_answer(chat, plan.tokens, grade);
  answer.reasoning_tokens = plan.reasoning_tokens.value_or(0);
  ResponseMeta meta;
  meta.id = "chatcmpl-" + base62_id(fnv1a(request.body()), 29);
  meta.created = static_cast<std::int64_t>(std::time(nullptr));
  meta.model = chat.model;
  meta.include_usage = chat.stream && chat.include_usage;
  meta.logprobs = chat.logprobs;
  const auto pacing = pacing_for(plan, context.options);
  if (chat.stream) {
    co_return co_await respond_stream(connection, request, chat, meta, answer, plan, pacing,
                                      keep_alive, state);
  }
  co_return co_await respond_json(connection, request, meta, answer, plan, pacing, keep_alive,
                                  state);
}

}  // namespace governor::sim
