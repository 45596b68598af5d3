// Writing an IR graph as an ONNX model file.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"

namespace pt2tf::onnx {

constexpr int kMinWriteOpset = 13;
constexpr int kMaxWriteOpset = 21;
constexpr int kDefaultWriteOpset = 17;

// Where initializer bytes go. External data is a "<model>.data" file beside the model,
// referenced by location/offset/length (ONNX's external data convention).
enum class ExternalData {
  kAuto,    // inside the model, unless that would reach protobuf's 2 GiB limit
  kNever,   // inside the model; a model of 2 GiB or more is refused
  kAlways,  // always in "<model>.data"
};

// The ONNX dim_param of each dim of the values named ("batch"; "" = none), for graph inputs
// and outputs whose dims are unknown (kUnknownDim) in the IR.
using DimNames = std::map<std::string, std::vector<std::string>>;

struct OnnxWriteOptions {
  int opset = kDefaultWriteOpset;  // target default-domain opset, kMinWriteOpset..kMaxWriteOpset
  std::string producer_version;    // written as producer_version ("" = pt2tf's version)
  ExternalData external_data = ExternalData::kAuto;
  DimNames dim_names;  // written as dim_param on the inputs and outputs they name
  // Called with the byte count of each weight chunk as it is written (for progress display).
  std::function<void(uint64_t bytes)> on_weight_bytes;
};

// The lowest ONNX IR version that can carry `opset` (ONNX's versioning table).
int IrVersionForOpset(int opset);

// Writes `graph` (canonical opset-21 form) to `path` as an ONNX model for `options.opset`.
// Nodes are lowered to that opset first; what cannot be expressed there is refused with the
// node named. Weight bytes stream from their Tensor views straight into the file (they are
// never copied into protobuf messages). The file (and "<path>.data" when weights go to
// external data) appears atomically: everything is written to temporary files in the same
// directory that are renamed at the end and removed on error.
Status WriteOnnx(const ir::Graph& graph, const std::string& path, const OnnxWriteOptions& options);

}  // namespace pt2tf::onnx
