// The operators of ONNX's default domain at opset 21, the IR's canonical form.
#pragma once

#include <string_view>

namespace pt2tf::onnx {

struct OpInfo {
  std::string_view name;
  int introduced;  // the opset that first defined the op
};

// The op, or nullptr when `op_type` is not an opset-21 operator (unknown, removed, or newer).
const OpInfo* FindOpsetOp(std::string_view op_type);

}  // namespace pt2tf::onnx
