#include "zoo/spec.h"

namespace pt2tf::zoo {

ModelSpec MakeSpec(std::string name, std::string source, ir::Dims default_input_shape,
                   ModuleFactory make) {
  return MakeSpec(std::move(name), std::move(source), std::move(default_input_shape),
                  CheckpointModuleFactory([make](const Checkpoint*) { return make(); }));
}

ModelSpec MakeSpec(std::string name, std::string source, ir::Dims default_input_shape,
                   CheckpointModuleFactory make) {
  ModelSpec spec;
  spec.name = name;
  spec.source = std::move(source);
  spec.default_input_shape = default_input_shape;
  spec.build = [name, default_input_shape, make](
                   const Checkpoint& checkpoint,
                   const BuildOptions& options) -> Result<BuildResult> {
    const Checkpoint* weights = options.shape_only ? nullptr : &checkpoint;
    std::unique_ptr<nn::Module> model = make(weights);
    return nn::BuildModel(*model, nn::BindSource{weights, name},
                          options.input_shape.value_or(default_input_shape), options);
  };
  spec.parameter_count = [make]() -> int64_t {
    std::unique_ptr<nn::Module> model = make(nullptr);
    return nn::ParameterCount(*model);
  };
  return spec;
}

int64_t TensorDim(const Checkpoint* checkpoint, const std::string& key, size_t dim,
                  int64_t fallback) {
  if (!checkpoint) return fallback;
  for (const NamedTensor& t : checkpoint->tensors)
    if (t.name == key) return dim < t.tensor.shape().size() ? t.tensor.shape()[dim] : fallback;
  return fallback;
}

}  // namespace pt2tf::zoo
