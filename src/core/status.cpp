#include "pt2tf/status.h"

namespace pt2tf {

const std::string& Status::message() const {
  static const std::string kEmpty;
  return error_ ? error_->message : kEmpty;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  return Status(error_->kind, std::string(context) + ": " + error_->message);
}

}  // namespace pt2tf
