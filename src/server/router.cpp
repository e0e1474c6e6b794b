#include "router.hpp"

#include "admin_handlers.hpp"
#include "chat_handler.hpp"
#include "info_handlers.hpp"
#include "task_handlers.hpp"

namespace governor::server {
namespace {

std::string_view path_of(std::string_view target) {
  const auto q = target.find('?');
  return q == std::string_view::npos ? target : target.substr(0, q);
}

net::awaitable<bool> method_not_allowed(Call& ex, std::string_view allow) {
  auto res = error_response(
      ex, openai::make_api_error(errc::method_not_allowed,
                                 std::string(ex.request.method_string()) + " is not allowed on " +
                                     std::string(path_of(ex.request.target())) + "; use " +
                                     std::string(allow)));
  res.set(http::field::allow, allow);
  co_return co_await write_response(ex, std::move(res));
}

bool is_chat_completions(std::string_view path) {
  return path == "/v1/chat/completions" || path == "/chat/completions";
}

/** Every request but a POST of a chat completion. */
net::awaitable<bool> route_other_request(Call& ex) {
  const std::string_view path = path_of(ex.request.target());
  const auto method = ex.request.method();
  const bool get = method == http::verb::get || method == http::verb::head;

  if (is_chat_completions(path)) {  // a POST went to route_request's own branch
    co_return co_await method_not_allowed(ex, "POST");
  }
  constexpr std::string_view kTasks = "/v1/tasks";
  if (path == kTasks) {
    if (method != http::verb::post) {
      co_return co_await method_not_allowed(ex, "POST");
    }
    co_return co_await handle_open_task(ex);
  }
  if (path.starts_with(kTasks) && path.size() > kTasks.size() + 1 && path[kTasks.size()] == '/') {
    if (!get) {
      co_return co_await method_not_allowed(ex, "GET");
    }
    co_return co_await handle_get_task(ex, path.substr(kTasks.size() + 1));
  }
  if (path == "/v1/models" || path == "/models") {
    if (!get) {
      co_return co_await method_not_allowed(ex, "GET");
    }
    co_return co_await write_response(ex, models_response(ex));
  }
  if (path == "/healthz") {
    if (!get) {
      co_return co_await method_not_allowed(ex, "GET");
    }
    co_return co_await write_response(ex, health_response(ex));
  }
  if (path == "/readyz") {
    if (!get) {
      co_return co_await method_not_allowed(ex, "GET");
    }
    co_return co_await write_response(ex, ready_response(ex));
  }
  co_return co_await write_response(
      ex, error_response(
              ex, openai::make_api_error(errc::not_found, "Unknown path: " + std::string(path))));
}

}  // namespace

// Not a coroutine: the chat completion, nearly every request, is handed to the session to await
// directly, one frame and resumption fewer a call. Only what outlives the await (the call) may
// be passed on this way: an awaitable starts when awaited, after this returns.
net::awaitable<bool> route_request(Call& ex) {
  if (ex.request.method() == http::verb::post &&
      is_chat_completions(path_of(ex.request.target()))) {
    return handle_chat_completion(ex);
  }
  return route_other_request(ex);
}

net::awaitable<bool> route_admin_request(Call& ex) {
  const std::string_view path = path_of(ex.request.target());
  const auto method = ex.request.method();
  if (path == "/admin/reload") {
    if (method != http::verb::post) {
      co_return co_await method_not_allowed(ex, "POST");
    }
    co_return co_await write_response(ex, reload_response(ex));
  }
  if (path == "/admin/status") {
    if (method != http::verb::get && method != http::verb::head) {
      co_return co_await method_not_allowed(ex, "GET");
    }
    co_return co_await write_response(ex, status_response(ex));
  }
  if (path == "/metrics") {
    if (method != http::verb::get && method != http::verb::head) {
      co_return co_await method_not_allowed(ex, "GET");
    }
    co_return co_await write_response(ex, metrics_response(ex));
  }
  if (path == "/healthz") {
    co_return co_await write_response(ex, health_response(ex));
  }
  co_return co_await write_response(
      ex, error_response(
              ex, openai::make_api_error(errc::not_found, "Unknown path: " + std::string(path))));
}

}  // namespace governor::server
