// Reading an ONNX model file into the IR (canonical opset-21 form).
#pragma once

#include <memory>
#include <string>

#include "pt2tf/ir/graph.h"
#include "pt2tf/onnx/onnx_writer.h"
#include "pt2tf/status.h"

namespace pt2tf::onnx {

constexpr int kMinReadOpset = 7;
// Models up to this default-domain opset are read when every op they use means the same
// as at opset 21 (later opsets mostly widened types); new ops are refused by name.
constexpr int kMaxReadOpset = 27;

// Reads the model at `path` (memory-mapped; weights in external data files are mapped from
// the model's directory and never leave it). Initializers and Constant nodes become constant
// Values; node forms of older opsets are upgraded to opset 21. Refuses, naming the node,
// what the IR cannot represent (subgraphs, non-default domains, sequence/map types, string
// tensors). Errors are one line and start with the path.
// With `dim_names`, the dim_param names of the graph's inputs and outputs are stored there.
// Unknown dims may be written as dim_param (any text, even empty), -1 or nothing at all.
Result<std::unique_ptr<ir::Graph>> ReadOnnx(const std::string& path, DimNames* dim_names = nullptr);

}  // namespace pt2tf::onnx
