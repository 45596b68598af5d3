// Glue between nn::Module architectures and the registry: one ModelSpec per model name.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "nn/module.h"
#include "pt2tf/zoo/registry.h"

namespace pt2tf::zoo {

using ModuleFactory = std::function<std::unique_ptr<nn::Module>()>;

// A spec whose build() constructs a fresh module with `make`, binds the checkpoint and runs
// forward at options.input_shape (or `default_input_shape`); parameter_count() builds the
// module without weights.
ModelSpec MakeSpec(std::string name, std::string source, ir::Dims default_input_shape,
                   ModuleFactory make);

}  // namespace pt2tf::zoo
