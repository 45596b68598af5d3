#include "pt2tf/calib/model.h"

#include "convert/graph_source.h"
#include "pt2tf/ir/passes.h"

namespace pt2tf::calib {

Result<std::unique_ptr<ir::Graph>> LoadModel(const ModelSource& source,
                                             std::vector<std::string>* warnings) {
  ConvertOptions options;
  options.input_path = source.input_path;
  options.model_name = source.model_name;
  options.input_shape = source.input_shape;
  options.strict = source.strict;
  ConvertReport report;
  PT2TF_ASSIGN_OR_RETURN(LoadedGraph loaded, LoadGraph(options, report));
  Status passes = ir::RunPasses(*loaded.graph, ir::PassOptions{});
  if (!passes.ok()) return passes.WithContext(source.input_path);
  if (warnings)
    for (std::string& w : report.warnings) warnings->push_back(std::move(w));
  return std::move(loaded.graph);
}

}  // namespace pt2tf::calib
