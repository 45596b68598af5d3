// The one table mapping ONNX op types to TF emitters (registry.cpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tf/emit_context.h"

namespace pt2tf::tf {

using Emitter = Status (*)(const ir::Node& node, EmitContext& ctx);

// The emitter for a default-domain ONNX op type, or nullptr when unsupported.
Emitter FindEmitter(std::string_view op_type);
// Every supported op type, sorted (for docs and `inspect`).
std::vector<std::string> SupportedTfOps();

}  // namespace pt2tf::tf
