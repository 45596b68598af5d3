// Model-local ONNX functions (ModelProto.functions), inlined into the graphs that call them
// before import, so the IR never sees a function call.
//
//   graph: y = my.Scale<alpha=2>(x)          graph: Scale_0/k = Constant<value_float=2>()
//   function my.Scale(X) -> (Y) <alpha>:  →         y = Mul(x, Scale_0/k)
//     k = Constant<value_float: @alpha>()
//     Y = Mul(X, k)
//
// The function's formal inputs and outputs become the call's actual names; every other value
// gets a fresh name no other value in the model has; attribute references (ref_attr_name)
// take the call's attribute, else the function's default, else the attribute is dropped (as
// the ONNX spec says). Calls inside functions are inlined too, at most kMaxFunctionDepth
// deep and up to kMaxInlinedNodes nodes in all, so a recursive or exponentially fanning file
// is refused rather than expanded.
#pragma once

#include <cstdint>

#include "onnx/onnx.pb.h"
#include "pt2tf/status.h"

namespace pt2tf::onnx {

constexpr int kMaxFunctionDepth = 16;
constexpr int64_t kMaxInlinedNodes = 1 << 20;

// Rewrites model.graph() (and its subgraphs) in place and clears model.functions(). A
// function whose default-domain opset differs from `model_opset`, or whose body holds a
// subgraph, is refused with the function named.
Status InlineLocalFunctions(onnx_proto::ModelProto& model, int64_t model_opset);

}  // namespace pt2tf::onnx
