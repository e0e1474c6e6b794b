#include "sim/directives.hpp"

#include <charconv>
#include <cmath>

#include "sim/chat_request.hpp"

namespace governor::sim {
namespace {

constexpr std::string_view kOpen = "[[sim";
constexpr std::string_view kClose = "]]";
constexpr std::string_view kKnownKeys =
    "status, retry_after, fail_times, only_model, delay_ms, ttft_ms, tps, tokens, "
    "reasoning_tokens, stall_after, stall_ms, reset_after, malformed, close_after_response, "
    "no_usage, success";

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

DirectiveError bad_value(std::string_view key, std::string_view value, std::string_view want) {
  return {"invalid value '" + std::string{value} + "' for [[sim]] key '" + std::string{key} +
          "': expected " + std::string{want}};
}

std::optional<DirectiveError> read_unsigned(std::string_view key, std::string_view value,
                                            unsigned min, unsigned max,
                                            std::optional<unsigned>& out) {
  unsigned parsed = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (ec != std::errc{} || end != value.data() + value.size() || parsed < min || parsed > max) {
    return bad_value(key, value,
                     "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  out = parsed;
  return std::nullopt;
}

std::optional<DirectiveError> read_flag(std::string_view key, std::string_view value,
                                        std::optional<bool>& out) {
  if (value == "1" || value == "true") {
    out = true;
  } else if (value == "0" || value == "false") {
    out = false;
  } else {
    return bad_value(key, value, "1, 0, true or false");
  }
  return std::nullopt;
}

std::optional<DirectiveError> read_rate(std::string_view key, std::string_view value,
                                        std::optional<double>& out) {
  double parsed = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (ec != std::errc{} || end != value.data() + value.size() || !std::isfinite(parsed) ||
      parsed < 0 || parsed > 1e6) {
    return bad_value(key, value, "a number in [0, 1000000] (0: as fast as possible)");
  }
  out = parsed;
  return std::nullopt;
}

std::optional<DirectiveError> read_probability(std::string_view key, std::string_view value,
                                               std::optional<double>& out) {
  double parsed = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (ec != std::errc{} || end != value.data() + value.size() || !(parsed >= 0 && parsed <= 1)) {
    return bad_value(key, value, "a probability in [0, 1]");
  }
  out = parsed;
  return std::nullopt;
}

constexpr unsigned kMaxMs = 600'000;  // ten minutes: longer than any timeout under test

std::optional<DirectiveError> apply_key(std::string_view key, std::string_view value,
                                        Directive& out) {
  if (key == "status") {
    return read_unsigned(key, value, 400, 599, out.status);
  }
  if (key == "retry_after") {
    return read_unsigned(key, value, 0, 86'400, out.retry_after_s);
  }
  if (key == "fail_times") {
    return read_unsigned(key, value, 0, 1'000'000, out.fail_times);
  }
  if (key == "only_model") {
    out.only_model = std::string{value};
    return std::nullopt;
  }
  if (key == "delay_ms") {
    return read_unsigned(key, value, 0, kMaxMs, out.delay_ms);
  }
  if (key == "ttft_ms") {
    return read_unsigned(key, value, 0, kMaxMs, out.ttft_ms);
  }
  if (key == "tps") {
    return read_rate(key, value, out.tps);
  }
  if (key == "tokens") {
    return read_unsigned(key, value, 0, 100'000, out.tokens);
  }
  if (key == "reasoning_tokens") {
    return read_unsigned(key, value, 0, 1'000'000, out.reasoning_tokens);
  }
  if (key == "stall_after") {
    return read_unsigned(key, value, 0, 1'000'000, out.stall_after);
  }
  if (key == "stall_ms") {
    return read_unsigned(key, value, 0, kMaxMs, out.stall_ms);
  }
  if (key == "reset_after") {
    return read_unsigned(key, value, 0, 1'000'000, out.reset_after);
  }
  if (key == "malformed") {
    return read_flag(key, value, out.malformed);
  }
  if (key == "close_after_response") {
    return read_flag(key, value, out.close_after_response);
  }
  if (key == "no_usage") {
    return read_flag(key, value, out.no_usage);
  }
  if (key == "success") {
    return read_probability(key, value, out.success);
  }
  return DirectiveError{"unknown [[sim]] key '" + std::string{key} +
                        "' (known keys: " + std::string{kKnownKeys} + ")"};
}

template <class T>
void take(const std::optional<T>& from, std::optional<T>& to) {
  if (from) {
    to = from;
  }
}

}  // namespace

std::optional<DirectiveError> parse_directive(std::string_view text, Directive& out) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && is_space(text[pos])) {
      ++pos;
    }
    if (pos == text.size()) {
      break;
    }
    std::size_t end = pos;
    while (end < text.size() && !is_space(text[end])) {
      ++end;
    }
    const auto item = text.substr(pos, end - pos);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0 || eq + 1 == item.size()) {
      return DirectiveError{"malformed [[sim]] item '" + std::string{item} +
                            "': expected key=value"};
    }
    if (auto error = apply_key(item.substr(0, eq), item.substr(eq + 1), out)) {
      return error;
    }
    pos = end;
  }
  return std::nullopt;
}

std::optional<DirectiveError> scan_directives(std::string_view text, std::vector<Directive>& out) {
  std::size_t pos = 0;
  while ((pos = text.find(kOpen, pos)) != std::string_view::npos) {
    const std::size_t body = pos + kOpen.size();
    // "[[simulate]]" is prose, not a directive: the keyword must end at a space or "]]".
    if (body < text.size() && !is_space(text[body]) && text.substr(body, 2) != kClose) {
      pos = body;
      continue;
    }
    const std::size_t close = text.find(kClose, body);
    if (close == std::string_view::npos) {
      return DirectiveError{"unterminated [[sim directive: missing ']]'"};
    }
    Directive directive;
    if (auto error = parse_directive(text.substr(body, close - body), directive)) {
      return error;
    }
    out.push_back(std::move(directive));
    pos = close + kClose.size();
  }
  return std::nullopt;
}

std::optional<DirectiveError> scan_messages(const nlohmann::json& messages,
                                            std::vector<Directive>& out) {
  if (!messages.is_array()) {
    return std::nullopt;
  }
  for (const auto& message : messages) {
    if (auto error = scan_directives(content_text(message), out)) {
      return error;
    }
  }
  return std::nullopt;
}

bool FaultPlan::has_faults() const noexcept {
  return status || delay_ms || stall_ms || reset_after || malformed || close_after_response ||
         no_usage;
}

void FaultPlan::clear_faults() noexcept {
  status.reset();
  retry_after_s.reset();
  delay_ms.reset();
  stall_after.reset();
  stall_ms.reset();
  reset_after.reset();
  malformed = false;
  close_after_response = false;
  no_usage = false;
}

std::optional<DirectiveError> plan_faults(const std::vector<Directive>& directives,
                                          std::string_view model, FaultPlan& out) {
  out = FaultPlan{};
  for (const auto& d : directives) {
    if (d.only_model && *d.only_model != model) {
      continue;
    }
    take(d.status, out.status);
    take(d.retry_after_s, out.retry_after_s);
    take(d.fail_times, out.fail_times);
    take(d.delay_ms, out.delay_ms);
    take(d.ttft_ms, out.ttft_ms);
    take(d.tps, out.tps);
    take(d.tokens, out.tokens);
    take(d.reasoning_tokens, out.reasoning_tokens);
    take(d.stall_after, out.stall_after);
    take(d.stall_ms, out.stall_ms);
    take(d.reset_after, out.reset_after);
    take(d.success, out.success);
    out.malformed = d.malformed.value_or(out.malformed);
    out.close_after_response = d.close_after_response.value_or(out.close_after_response);
    out.no_usage = d.no_usage.value_or(out.no_usage);
  }
  if (out.retry_after_s && !out.status) {
    return DirectiveError{"[[sim]] key 'retry_after' needs 'status' (e.g. status=429)"};
  }
  if (out.stall_after.has_value() != out.stall_ms.has_value()) {
    return DirectiveError{"[[sim]] keys 'stall_after' and 'stall_ms' must be given together"};
  }
  return std::nullopt;
}

}  // namespace governor::sim
