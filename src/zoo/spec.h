// Glue between nn::Module architectures and the registry: one ModelSpec per model name.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "nn/module.h"
#include "pt2tf/zoo/registry.h"

namespace pt2tf::zoo {

using ModuleFactory = std::function<std::unique_ptr<nn::Module>()>;
// A factory that may size the model from the checkpoint (e.g. num_classes of a fine-tuned
// head); `checkpoint` is nullptr for parameter_count() and shape-only builds.
using CheckpointModuleFactory = std::function<std::unique_ptr<nn::Module>(const Checkpoint*)>;

// A spec whose build() constructs a fresh module with `make`, binds the checkpoint and runs
// forward at options.input_shape (or `default_input_shape`); parameter_count() builds the
// module without weights.
ModelSpec MakeSpec(std::string name, std::string source, ir::Dims default_input_shape,
                   ModuleFactory make);
ModelSpec MakeSpec(std::string name, std::string source, ir::Dims default_input_shape,
                   CheckpointModuleFactory make);

// Size `dim` of checkpoint tensor `key`, or `fallback` when there is no checkpoint, no such
// tensor or no such dimension. Sizes classifier heads as the checkpoint was trained.
int64_t TensorDim(const Checkpoint* checkpoint, const std::string& key, size_t dim,
                  int64_t fallback);

}  // namespace pt2tf::zoo
