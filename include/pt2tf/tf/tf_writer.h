// TensorFlow writers: a frozen GraphDef (.pb) or a SavedModel directory (weights inline as
// Consts, or in variables/ as a tensor bundle the graph restores into resource variables).
//
// Both lower the IR to TensorFlow ops in channels-last layout for the whole graph (one
// Transpose at most, at an NCHW input), with only ops and attributes TensorFlow's CPU kernels
// accept. Weights are streamed from their (usually memory-mapped) tensors straight into the
// output file; nothing is written under the final name until the output is complete.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "pt2tf/ir/graph.h"
#include "pt2tf/passes/recurrent_to_loop.h"
#include "pt2tf/status.h"

namespace pt2tf::tf {

// Layout of the TensorFlow graph's 4-D (image) inputs.
enum class InputLayout {
  kNchw,  // as in the IR / PyTorch (one Transpose inside the graph)
  kNhwc,  // TensorFlow-native placeholders: [N, H, W, C], no Transpose
};

// Where a SavedModel keeps its weights.
enum class SavedModelWeights {
  kAuto,       // inline while saved_model.pb stays well under protobuf's limit, else variables
  kInline,     // Consts inside saved_model.pb (one file; limited to 2 GiB)
  kVariables,  // variables/variables.{index,data-00000-of-00001}, read by RestoreV2
};

// Where this run already wrote the serialised GraphDef of a lowered graph: bytes
// [offset, offset + size) of `path` (a frozen .pb, or inside an inline SavedModel's
// saved_model.pb).
struct GraphDefFile {
  std::string path;
  uint64_t offset = 0;
  uint64_t size = 0;
  // The file as it was just after it was written (FileIdentity): a later output that
  // replaced it (e.g. a SavedModel over a directory holding the .pb) makes it another file.
  std::string identity;
};

// Device, inode, size and modification time of `path`, or "" when it cannot be read.
std::string FileIdentity(const std::string& path);

struct TfWriterOptions {
  InputLayout input_layout = InputLayout::kNchw;
  // Protobuf cannot parse messages of 2 GiB or more; bigger graphs are refused.
  uint64_t max_graph_bytes = (uint64_t{1} << 31) - 1;
  SavedModelWeights saved_model_weights = SavedModelWeights::kAuto;
  // Called with the byte count of each weight chunk as it is written (for progress display).
  std::function<void(uint64_t bytes)> on_weight_bytes;
  // The same lowered graph's GraphDef as written by an earlier output of this run: a frozen
  // graph or inline SavedModel copies those bytes in the kernel instead of computing every
  // (permuted, BatchNorm-folded) weight again. Used only when the range is still on disk at
  // the expected size; otherwise the writer streams as usual.
  std::optional<GraphDefFile> copy_graphdef_from;
  // When set, the writer records here where it wrote the GraphDef (left unchanged by a
  // SavedModel with its weights in variables/, whose graph differs).
  GraphDefFile* graphdef_written = nullptr;
  // How a recurrence looped over a run-time sequence length gathers its per-step outputs
  // (pt2tf/passes/recurrent_to_loop.h): TensorLists for TF, a carried buffer for TFLite.
  passes::StepOutputs recurrent_steps = passes::StepOutputs::kScanOutputs;
};

// Writes `graph` as a frozen GraphDef to `path`. The TF-lowering rewrites (BatchNormalization
// and zero Pads folded into the adjacent Conv) run on the writer's own copy; `graph` is not
// changed. Errors name the node, op and attribute that TensorFlow cannot express.
Status WriteFrozenGraph(const ir::Graph& graph, const std::string& path,
                        const TfWriterOptions& options);

// Writes `graph` as a SavedModel directory `dir`: saved_model.pb with tag "serve" and a
// "serving_default" predict signature, and variables/ (empty when the weights are inline;
// see SavedModelWeights). `dir` may exist only if it is empty or holds a previous
// SavedModel, which is then replaced.
Status WriteSavedModel(const ir::Graph& graph, const std::string& dir,
                       const TfWriterOptions& options);

}  // namespace pt2tf::tf
