#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace governor::sim {

/** One `[[sim key=value ...]]` block (or the `X-Sim` header): what a test asks the simulator to
 *  do to this request. Only the keys that were given are set. See docs/simulator.md. */
struct Directive {
  std::optional<std::string> only_model;
  std::optional<unsigned> status;
  std::optional<unsigned> retry_after_s;
  std::optional<unsigned> fail_times;
  std::optional<unsigned> delay_ms;
  std::optional<unsigned> ttft_ms;
  std::optional<double> tps;
  std::optional<unsigned> tokens;
  std::optional<unsigned> reasoning_tokens;
  std::optional<unsigned> stall_after;
  std::optional<unsigned> stall_ms;
  std::optional<unsigned> reset_after;
  std::optional<bool> malformed;
  std::optional<bool> close_after_response;
  std::optional<bool> no_usage;
  std::optional<double> success;

  bool operator==(const Directive&) const = default;
};

/** Why a directive could not be read: the message names the key or the text at fault. */
struct DirectiveError {
  std::string message;

  bool operator==(const DirectiveError&) const = default;
};

/** Parses the inside of one directive, `key=value key=value ...` (whitespace separated). */
std::optional<DirectiveError> parse_directive(std::string_view text, Directive& out);

/** Appends every `[[sim ...]]` directive found in `text` to `out`. */
std::optional<DirectiveError> scan_directives(std::string_view text, std::vector<Directive>& out);

/** Appends the directives in every message's content (string or text parts) to `out`. */
std::optional<DirectiveError> scan_messages(const nlohmann::json& messages,
                                            std::vector<Directive>& out);

/** The faults and pacing the simulator applies to one request: the directives that apply to
 *  its model, merged in order (a later key overrides an earlier one). */
struct FaultPlan {
  std::optional<unsigned> status;
  std::optional<unsigned> retry_after_s;
  std::optional<unsigned> fail_times;
  std::optional<unsigned> delay_ms;
  std::optional<unsigned> ttft_ms;
  std::optional<double> tps;
  std::optional<unsigned> tokens;
  std::optional<unsigned> reasoning_tokens;
  std::optional<unsigned> stall_after;
  std::optional<unsigned> stall_ms;
  std::optional<unsigned> reset_after;
  bool malformed = false;
  bool close_after_response = false;
  bool no_usage = false;
  std::optional<double> success;  ///< graded answer: the chance it is right (not a fault)

  /** Whether any fault (not a pacing override) is planned; fail_times counts these. */
  bool has_faults() const noexcept;
  /** Drops the faults and keeps the pacing overrides (ttft_ms, tps, tokens) and the billed
   *  reasoning_tokens. */
  void clear_faults() noexcept;

  bool operator==(const FaultPlan&) const = default;
};

/** Merges the directives that apply to `model` (those without only_model, or whose only_model
 *  equals it). Checks the combination: retry_after needs status, stall_after and stall_ms come
 *  together. */
std::optional<DirectiveError> plan_faults(const std::vector<Directive>& directives,
                                          std::string_view model, FaultPlan& out);

}  // namespace governor::sim
