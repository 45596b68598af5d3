// What a TensorFlow model file holds (`pt2tf inspect model.pb` / `saved_model_dir/`):
// inputs, outputs, op histogram and constant bytes, read with our own protos (no TF).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"

namespace pt2tf::tf {

struct TfTensorSummary {
  std::string name;               // node name (GraphDef) or "key: node:0" (signature)
  std::string dtype;              // torch spelling ("float32"), or "DT_<n>" when unknown
  std::optional<ir::Dims> shape;  // -1 = unknown dim; nullopt = unknown rank
};

struct TfModelSummary {
  std::string path;
  std::string format;             // "tf-graphdef" or "tf-savedmodel"
  int producer = 0;               // GraphDef version stamp
  std::vector<std::string> tags;  // SavedModel tag sets (first meta graph)
  size_t node_count = 0;
  std::map<std::string, size_t> op_counts;
  std::vector<TfTensorSummary> inputs;   // Placeholders / signature inputs
  std::vector<TfTensorSummary> outputs;  // unconsumed nodes / signature outputs
  size_t const_count = 0;
  uint64_t const_bytes = 0;
};

// True for a path ending in ".pb" or a directory holding saved_model.pb.
bool LooksLikeTfModel(const std::string& path);
// Reads a frozen GraphDef or a SavedModel directory. Errors name the file.
Result<TfModelSummary> InspectTfModel(const std::string& path);

}  // namespace pt2tf::tf
