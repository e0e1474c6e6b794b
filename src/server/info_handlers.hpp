#pragma once

#include "http_types.hpp"

namespace governor::server {

/** GET /v1/models: the routed aliases, then every upstream model clients may pin. */
Response models_response(const Call& ex);
/** GET /healthz: the process is up. */
Response health_response(const Call& ex);
/** GET /readyz: 200 while serving, 503 once draining (so load balancers stop sending). */
Response ready_response(const Call& ex);

}  // namespace governor::server
