// Writing an IR graph as an ONNX model file.
#pragma once

#include <string>

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"

namespace pt2tf::onnx {

constexpr int kMinWriteOpset = 13;
constexpr int kMaxWriteOpset = 21;
constexpr int kDefaultWriteOpset = 17;

struct OnnxWriteOptions {
  int opset = kDefaultWriteOpset;  // target default-domain opset, kMinWriteOpset..kMaxWriteOpset
  std::string producer_version;    // written as producer_version ("" = pt2tf's version)
};

// The lowest ONNX IR version that can carry `opset` (ONNX's versioning table).
int IrVersionForOpset(int opset);

// Writes `graph` (canonical opset-21 form) to `path` as an ONNX model for `options.opset`.
// Nodes are lowered to that opset first; what cannot be expressed there is refused with the
// node named. Weight bytes stream from their Tensor views straight into the file (they are
// never copied into protobuf messages). The file appears atomically: everything is written
// to a temporary file in the same directory that is renamed at the end and removed on error.
Status WriteOnnx(const ir::Graph& graph, const std::string& path, const OnnxWriteOptions& options);

}  // namespace pt2tf::onnx
