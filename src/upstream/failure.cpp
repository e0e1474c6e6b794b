#include "governor/upstream/failure.hpp"

namespace governor::upstream {

std::string_view to_string(FailureKind kind) {
  switch (kind) {
    case FailureKind::resolve:
      return "resolve";
    case FailureKind::connect:
      return "connect";
    case FailureKind::tls_handshake:
      return "tls_handshake";
    case FailureKind::write:
      return "write";
    case FailureKind::first_byte_timeout:
      return "first_byte_timeout";
    case FailureKind::read:
      return "read";
    case FailureKind::idle_timeout:
      return "idle_timeout";
    case FailureKind::total_timeout:
      return "total_timeout";
    case FailureKind::http_status:
      return "http_status";
    case FailureKind::protocol:
      return "protocol";
    case FailureKind::cancelled:
      return "cancelled";
  }
  return "unknown";
}

std::string Failure::describe() const {
  std::string out = "upstream '" + upstream + "' " + std::string(to_string(kind));
  if (kind == FailureKind::protocol && status != 0) {
    out += ": malformed body with status " + std::to_string(status);
  }
  if (kind == FailureKind::http_status) {
    out += " " + std::to_string(status);
  }
  if (ec) {
    out += ": " + ec.message();
  }
  return out;
}

}  // namespace governor::upstream
