// The model zoo: every architecture pt2tf can build, by name. Built-in families
// (src/zoo/*.cpp) and user models (models/*.cpp) register here; src/zoo/registry.cpp holds
// the one explicit list of families.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pt2tf/io/checkpoint.h"
#include "pt2tf/ir/graph.h"
#include "pt2tf/status.h"

namespace pt2tf::zoo {

struct BuildOptions {
  std::optional<ir::Dims> input_shape;  // NCHW; nullopt = the model's default
  bool strict = true;                   // unexpected checkpoint keys are errors
  // Ignore the checkpoint: every weight is a placeholder of the right shape (a zero-stride
  // view of one zero). For structure and shape tests that need no weights file.
  bool shape_only = false;
};

struct BuildResult {
  std::unique_ptr<ir::Graph> graph;   // input "input", output "output"
  std::vector<std::string> warnings;  // e.g. unexpected keys under --non-strict
  int64_t parameter_count = 0;
};

struct ModelSpec {
  std::string name;              // as the source library spells it: "resnet18", "efficientnet-b0"
  std::string source;            // "torchvision 0.29", "efficientnet_pytorch 0.7.1", "models/"
  ir::Dims default_input_shape;  // NCHW, batch 1
  // Builds the graph with weights bound from `checkpoint` (load_state_dict semantics).
  std::function<Result<BuildResult>(const Checkpoint& checkpoint, const BuildOptions& options)>
      build;
  // Parameter count of the architecture (without loading weights).
  std::function<int64_t()> parameter_count;
};

class ModelRegistry {
 public:
  void Add(ModelSpec spec);
  const ModelSpec* Find(const std::string& name) const;
  const std::vector<ModelSpec>& models() const { return models_; }
  // Up to `limit` registered names closest to `name` (edit distance), for error messages.
  std::vector<std::string> Suggest(const std::string& name, size_t limit = 3) const;

 private:
  std::vector<ModelSpec> models_;
};

// All built-in and user models, registered once on first use.
const ModelRegistry& Registry();

// The model name a whole-module pickle asks for (from its root class and module tree),
// or an error naming the class when no registered model matches.
Result<std::string> DetectModel(const Checkpoint& checkpoint);

}  // namespace pt2tf::zoo
