#include "zoo/spec.h"

namespace pt2tf::zoo {

ModelSpec MakeSpec(std::string name, std::string source, ir::Dims default_input_shape,
                   ModuleFactory make) {
  ModelSpec spec;
  spec.name = name;
  spec.source = std::move(source);
  spec.default_input_shape = default_input_shape;
  spec.build = [name, default_input_shape, make](
                   const Checkpoint& checkpoint,
                   const BuildOptions& options) -> Result<BuildResult> {
    std::unique_ptr<nn::Module> model = make();
    return nn::BuildModel(*model, nn::BindSource{options.shape_only ? nullptr : &checkpoint, name},
                          options.input_shape.value_or(default_input_shape), options);
  };
  spec.parameter_count = [make]() -> int64_t {
    std::unique_ptr<nn::Module> model = make();
    return nn::ParameterCount(*model);
  };
  return spec;
}

}  // namespace pt2tf::zoo
