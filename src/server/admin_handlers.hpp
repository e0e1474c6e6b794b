#pragma once

#include "http_types.hpp"

namespace governor::server {

/** POST /admin/reload: reloads the policy directory. 200 with the policy count, or 422 listing
 *  every error (the policies in force stay). */
Response reload_response(const Call& ex);

/** GET /admin/status: policies in force and ledger counters. */
Response status_response(const Call& ex);

/** GET /metrics: the Prometheus text format (404 when metrics.enabled is off). */
Response metrics_response(const Call& ex);

}  // namespace governor::server
