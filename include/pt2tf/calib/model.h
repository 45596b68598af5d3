// The graph `pt2tf run` and `pt2tf calibrate` execute: read like `convert` reads its input
// (an ONNX model, or a checkpoint plus an architecture) and put through the same IR passes,
// so value names match the graph the writers (and the quantization pass) see.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"

namespace pt2tf::calib {

struct ModelSource {
  std::string input_path;               // .onnx, or a checkpoint
  std::string model_name;               // zoo/models name for checkpoints ("" = detect)
  std::optional<ir::Dims> input_shape;  // zoo models only
  bool strict = true;
};

Result<std::unique_ptr<ir::Graph>> LoadModel(const ModelSource& source,
                                             std::vector<std::string>* warnings = nullptr);

}  // namespace pt2tf::calib
