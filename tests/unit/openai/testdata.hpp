#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace governor::openai::testing {

/** The bytes of tests/testdata/<relative>, exactly as stored. */
inline std::string read_testdata(const std::string& relative) {
  std::string dir = GOVERNOR_TESTDATA_DIR;
  if (const char* source = std::getenv("GOVERNOR_SOURCE_DIR"); source != nullptr) {
    dir = std::string{source} + "/tests/testdata";
  }
  std::ifstream in(dir + "/" + relative, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot open test data " + dir + "/" + relative);
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace governor::openai::testing
