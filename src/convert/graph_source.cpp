#include "convert/graph_source.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "convert/input_shapes.h"
#include "convert/python_model.h"
#include "pt2tf/io/checkpoint.h"
#include "pt2tf/io/mapped_pages.h"
#include "pt2tf/onnx/onnx_reader.h"
#include "pt2tf/pt2/pt2_reader.h"
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
  PT2TF_RETURN_IF_ERROR(PinInputShapes(*loaded.graph, options, loaded.dim_names));
  report.input_kind = "onnx";
  return loaded;
}

// A model built from a checkpoint (zoo, models/, Python class) has one input, whose shape is
// given whole or not at all.
Status CheckCheckpointShapeFlags(const ConvertOptions& options) {
  if (!options.named_input_shapes.empty())
    return UsageError("--input-shape " + options.named_input_shapes[0].first +
                      ":...: a checkpoint model has one input; give its shape bare, e.g. "
                      "--input-shape 1x3x224x224");
  if (options.batch && options.dynamic_batch)
    return UsageError("--batch and --dynamic-batch contradict each other");
  if (options.input_shape)
    for (int64_t d : *options.input_shape)
      if (d < 0)
        return UsageError("--input-shape: every dim of a checkpoint model's input must be given");
  return OkStatus();
}

// A torch.export archive carries its own graph: no architecture, no input shape.
Result<LoadedGraph> FromPt2(const ConvertOptions& options, ConvertReport& report) {
  if (!options.model_name.empty())
    return UsageError("--model applies to PyTorch checkpoints, not to .pt2 input");
  if (options.dynamic_batch)
    return UsageError(
        "--dynamic-batch applies to PyTorch checkpoints and Python models; a .pt2 keeps the "
        "dims torch.export made dynamic (its dynamic_shapes) unless --batch / --input-shape "
        "pins them");
  PT2TF_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> graph, pt2::ReadPt2(options.input_path));
  report.input_kind = "pt2";
  LoadedGraph loaded;
  loaded.graph = std::move(graph);
  PT2TF_RETURN_IF_ERROR(PinInputShapes(*loaded.graph, options, loaded.dim_names));
  return loaded;
}

// --model FILE.py:Class: the user's Python exports the module to a temporary .pt2, which the
// native importer converts like any other.
Result<LoadedGraph> FromPythonModel(const ConvertOptions& options, ConvertReport& report) {
  PT2TF_RETURN_IF_ERROR(CheckCheckpointShapeFlags(options));
  std::string dir = (std::filesystem::temp_directory_path() / "pt2tf_model_XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) return IoError("cannot create a temporary directory");
  const std::string pt2 = dir + "/model.pt2";
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir};
  Status exported = ExportPythonModel(options, pt2, report.warnings);
  if (!exported.ok()) return exported;
  Result<std::unique_ptr<ir::Graph>> graph = pt2::ReadPt2(pt2);
  if (!graph.ok())
    return Status(graph.status().kind(),
                  options.model_name + ": " + graph.status().message().substr(pt2.size() + 2));
  // One output is "output", as on the C++ model route.
  std::vector<ir::Value*>& outs = (*graph)->mutable_outputs();
  if (outs.size() == 1 && (*graph)->FindValue("output") == nullptr) outs[0]->name = "output";
  report.input_kind = "python-model";
  report.model_name = options.model_name;
  LoadedGraph loaded;
  loaded.graph = std::move(*graph);
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
  // Parsing mapped in the pickle and the pages around each record it read (the kernel maps
  // up to 64 KiB around a fault): drop them; the writers stream the weights chunk by chunk.
  mapped_pages::Release(checkpoint.file->bytes());
  if (!spec) {
    PT2TF_ASSIGN_OR_RETURN(std::string detected, zoo::DetectModel(checkpoint));
    PT2TF_ASSIGN_OR_RETURN(spec, FindModel(detected));
  }
  PT2TF_RETURN_IF_ERROR(CheckCheckpointShapeFlags(options));
  zoo::BuildOptions build;
  build.input_shape = options.input_shape;
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
  if (pt2::IsPt2Path(options.input_path)) return FromPt2(options, report);
  if (IsPythonModel(options.model_name)) return FromPythonModel(options, report);
  if (!options.model_args.empty() || !options.python.empty())
    return UsageError("--model-args and --python apply to a Python model (--model FILE.py:Class)");
  return FromCheckpoint(options, report);
}

}  // namespace pt2tf
