#include "convert/graph_source.h"

#include "convert/input_shapes.h"
#include "pt2tf/io/checkpoint.h"
#include "pt2tf/onnx/onnx_reader.h"
#include "pt2tf/zoo/registry.h"

namespace pt2tf {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Result<LoadedGraph> FromOnnx(const ConvertOptions& options, ConvertReport& report) {
  if (!options.model_name.empty())
    return UsageError("--model applies to PyTorch checkpoints, not to ONNX input");
  if (options.dynamic_batch)
    return UsageError(
        "--dynamic-batch applies to PyTorch checkpoints; an ONNX model's dynamic dims stay "
        "dynamic unless pinned");
  LoadedGraph loaded;
  PT2TF_ASSIGN_OR_RETURN(loaded.graph, onnx::ReadOnnx(options.input_path, &loaded.dim_names));
  PT2TF_RETURN_IF_ERROR(PinOnnxInputShapes(*loaded.graph, options, loaded.dim_names));
  report.input_kind = "onnx";
  return loaded;
}

// The zoo / models/ entry `name`, or an error suggesting the nearest registered names.
Result<const zoo::ModelSpec*> FindModel(const std::string& name) {
  if (const zoo::ModelSpec* spec = zoo::Registry().Find(name)) return spec;
  std::string hint;
  for (const std::string& s : zoo::Registry().Suggest(name)) hint += (hint.empty() ? "" : ", ") + s;
  return InvalidInput("unknown model '" + name + "'" +
                      (hint.empty() ? "" : " (did you mean " + hint + "?)") +
                      "; `pt2tf models` lists them all");
}

Result<LoadedGraph> FromCheckpoint(const ConvertOptions& options, ConvertReport& report) {
  const zoo::ModelSpec* spec = nullptr;
  if (!options.model_name.empty()) {  // a bad name fails before the file is read
    PT2TF_ASSIGN_OR_RETURN(spec, FindModel(options.model_name));
  }
  PT2TF_ASSIGN_OR_RETURN(Checkpoint checkpoint, LoadCheckpoint(options.input_path));
  checkpoint.file->WillReadAll();
  if (!spec) {
    PT2TF_ASSIGN_OR_RETURN(std::string detected, zoo::DetectModel(checkpoint));
    PT2TF_ASSIGN_OR_RETURN(spec, FindModel(detected));
  }
  if (!options.named_input_shapes.empty())
    return UsageError("--input-shape " + options.named_input_shapes[0].first +
                      ":...: a checkpoint model has one input; give its shape bare, e.g. "
                      "--input-shape 1x3x224x224");
  if (options.batch && options.dynamic_batch)
    return UsageError("--batch and --dynamic-batch contradict each other");
  zoo::BuildOptions build;
  build.input_shape = options.input_shape;
  if (build.input_shape)
    for (int64_t d : *build.input_shape)
      if (d < 0)
        return UsageError("--input-shape: every dim of a checkpoint model's input must be given");
  build.strict = options.strict;
  PT2TF_ASSIGN_OR_RETURN(zoo::BuildResult built, spec->build(checkpoint, build));
  report.input_kind = std::string(FormatName(checkpoint.format));
  report.model_name = spec->name;
  for (std::string& w : built.warnings) report.warnings.push_back(std::move(w));
  LoadedGraph loaded{std::move(built.graph), {}};
  if (options.dynamic_batch) SetBatch(*loaded.graph, ir::kUnknownDim, loaded.dim_names);
  if (options.batch) SetBatch(*loaded.graph, *options.batch, loaded.dim_names);
  return loaded;
}

}  // namespace

Result<LoadedGraph> LoadGraph(const ConvertOptions& options, ConvertReport& report) {
  if (EndsWith(options.input_path, ".onnx")) return FromOnnx(options, report);
  return FromCheckpoint(options, report);
}

}  // namespace pt2tf
