// Where the pipeline's graph comes from: an ONNX file, or a PyTorch checkpoint plus an
// architecture from the zoo / models/.
#pragma once

#include <memory>

#include "pt2tf/convert.h"
#include "pt2tf/ir/graph.h"
#include "pt2tf/onnx/onnx_writer.h"
#include "pt2tf/status.h"

namespace pt2tf {

struct LoadedGraph {
  std::unique_ptr<ir::Graph> graph;
  onnx::DimNames dim_names;  // names of the inputs' and outputs' dynamic dims (ONNX dim_param)
};

// Reads options.input_path (chosen by its extension and contents) and fills the input
// fields of `report` (input_kind, model_name, warnings).
Result<LoadedGraph> LoadGraph(const ConvertOptions& options, ConvertReport& report);

}  // namespace pt2tf
