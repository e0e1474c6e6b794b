#include "info_handlers.hpp"

#include <nlohmann/json.hpp>

namespace governor::server {

Response models_response(const Call& ex) {
  const auto& cfg = *ex.worker.config();
  nlohmann::json data = nlohmann::json::array();
  for (const auto& alias : cfg.routing.aliases) {
    data.push_back({{"id", alias},
                    {"object", "model"},
                    {"created", 0},
                    {"owned_by", "governor"},
                    {"governor", {{"kind", "alias"}, {"default_tier", cfg.routing.default_tier}}}});
  }
  for (const auto& up : cfg.upstreams) {
    const int tier = cfg.tier_of(up.name);
    data.push_back(
        {{"id", up.name},
         {"object", "model"},
         {"created", 0},
         {"owned_by", "governor"},
         {"governor",
          {{"kind", "upstream"},
           {"tier", tier >= 0 ? nlohmann::json(cfg.tiers[tier].name) : nlohmann::json()},
           {"context_window", up.context_window},
           {"input_usd_per_million", MicroUsd{up.prices.input.micros_per_million}.to_string()},
           {"output_usd_per_million",
            MicroUsd{up.prices.output.micros_per_million}.to_string()}}}});
  }
  return json_response(ex, http::status::ok,
                       nlohmann::json{{"object", "list"}, {"data", std::move(data)}}.dump());
}

Response health_response(const Call& ex) {
  return json_response(ex, http::status::ok, R"({"status":"ok"})");
}

Response ready_response(const Call& ex) {
  if (ex.worker.draining()) {
    return error_response(ex, openai::make_api_error(errc::shutting_down));
  }
  return json_response(ex, http::status::ok, R"({"status":"ready"})");
}

}  // namespace governor::server
