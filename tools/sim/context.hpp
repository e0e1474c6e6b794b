#pragma once

#include "sim/sim_server.hpp"
#include "sim/sim_state.hpp"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace governor::sim {

/** What every session of one server reads (options) and updates (state). Outlives them all. */
struct SimContext {
  const SimOptions& options;
  SimState& state;
  boost::asio::ssl::context* tls = nullptr;  ///< set: serve HTTPS
};

/** What a handler leaves the connection in once its response is done. */
enum class After {
  keep_alive,  ///< read the next request
  close,       ///< close politely (Connection: close)
  drop,        ///< already reset or dead: just let it go
};

}  // namespace governor::sim
