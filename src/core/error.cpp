#include "governor/core/error.hpp"

namespace governor {
namespace {

class GovernorCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "governor"; }
  std::string message(int ev) const override {
    switch (static_cast<errc>(ev)) {
      case errc::ok:
        return "ok";
      case errc::invalid_json:
        return "request body is not valid JSON";
      case errc::invalid_request:
        return "invalid request";
      case errc::unauthenticated:
        return "missing or invalid API key";
      case errc::permission_denied:
        return "permission denied";
      case errc::model_not_found:
        return "model not found";
      case errc::not_found:
        return "not found";
      case errc::method_not_allowed:
        return "method not allowed";
      case errc::body_too_large:
        return "request body too large";
      case errc::task_exists:
        return "task already exists";
      case errc::budget_exhausted:
        return "budget exhausted";
      case errc::retry_limit:
        return "retry limit reached";
      case errc::upstream_unavailable:
        return "upstream unavailable";
      case errc::upstream_timeout:
        return "upstream timed out";
      case errc::upstream_bad_response:
        return "upstream sent an invalid response";
      case errc::shutting_down:
        return "server is shutting down";
      case errc::ledger_unavailable:
        return "budget ledger unavailable";
      case errc::internal:
        return "internal error";
    }
    return "unknown governor error";
  }
};

}  // namespace

const boost::system::error_category& governor_category() noexcept {
  static const GovernorCategory category;
  return category;
}

}  // namespace governor
