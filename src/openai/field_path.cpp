#include "field_path.hpp"

namespace governor::openai {

std::string FieldPath::str() const {
  std::string out;
  append_to(out);
  return out;
}

// Recursion depth is the path's depth, which the validator bounds (at most a handful of levels).
void FieldPath::append_to(std::string& out) const {
  if (parent_ != nullptr) {
    parent_->append_to(out);
  }
  if (is_index_) {
    out += '[';
    out += std::to_string(index_);
    out += ']';
    return;
  }
  if (!out.empty() && !key_.empty()) {
    out += '.';
  }
  out += key_;
}

}  // namespace governor::openai
